"""Personal data that expires with a round's purpose (UK GDPR: storage limitation).

Once a round's result has been published for settings.CHALLENGE_PERIOD_DAYS (the time in which
the result may be challenged, and the register and codes may be needed to answer it), what
identified its voters goes:

- the voting codes' hashes (the rows: the register no longer points at them since close);
- the mark-off register's keys (HMACs of codes and accounts): each row keeps its channel and
  declared basis, for turnout, under a meaningless key;
- the assisted flags on ballots (who was helped at a desk);
- the code HMACs kept in paper-batch entries (the marks and ballot-paper accounts stay);
- the participation records (person keys used to hold a person to one ward's vote a year).

Ballots, receipts, results, the published files and the ledger are untouched, so every download
still verifies; the ledger records the counts (personal_data.purged). Sessions go with
`clearsessions`, accounts with wards.retention.
"""

from __future__ import annotations

import datetime
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

import audit
from audit import kinds
from ballots.models import (
    Ballot,
    CodeBatch,
    PaperEntry,
    Participation,
    Result,
    Voter,
    VotingCode,
)

PURGED_KEY_PREFIX = "purged-"


@dataclass(frozen=True)
class RoundPurge:
    round_id: int
    voting_codes: int
    register_keys: int
    assisted_flags: int
    paper_codes: int
    participations: int


def due_for_purge(now: datetime.datetime | None = None) -> list[int]:
    """The ids of published rounds whose challenge period is over and whose data is still here."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.CHALLENGE_PERIOD_DAYS)
    return list(
        Result.objects.filter(
            published_at__isnull=False,
            published_at__lte=cutoff,
            personal_data_purged_at__isnull=True,
        )
        .order_by("round_id")
        .values_list("round_id", flat=True)
    )


def purge_round(round_id: int, now: datetime.datetime | None = None) -> RoundPurge | None:
    """Delete what identified one round's voters, in one transaction; None if it was already
    done (or the round is not due). Idempotent and safe to run while others vote elsewhere."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.CHALLENGE_PERIOD_DAYS)
    with transaction.atomic():
        result = (
            Result.objects.select_for_update()
            .select_related("round__ward")
            .filter(round_id=round_id)
            .first()
        )
        if (
            result is None
            or result.published_at is None
            or result.published_at > cutoff
            or result.personal_data_purged_at is not None
        ):
            return None
        register = Voter.objects.filter(round_id=round_id)
        register.exclude(voting_code=None).update(voting_code=None)  # cut at close already
        _, deleted = VotingCode.objects.filter(round_id=round_id).delete()
        voting_codes = deleted.get(VotingCode._meta.label, 0)
        CodeBatch.objects.filter(round_id=round_id).delete()  # the desk's batches, with them
        register_keys = register.update(
            key=Concat(Value(PURGED_KEY_PREFIX), Cast("pk", CharField())), account_key=""
        )
        assisted = Ballot.objects.filter(round_id=round_id, assisted=True).update(assisted=False)
        paper_codes = 0
        for entry in PaperEntry.objects.select_for_update().filter(batch__round_id=round_id):
            kept = [
                {k: v for k, v in item.items() if k not in ("code", "code_hmac")}
                for item in entry.ballots
            ]
            removed = sum(("code" in item or "code_hmac" in item) for item in entry.ballots)
            if removed:
                entry.ballots = kept
                entry.save(update_fields=["ballots"])
                paper_codes += removed
        _, deleted = Participation.objects.filter(round_id=round_id).delete()
        participations = deleted.get(Participation._meta.label, 0)
        result.personal_data_purged_at = now
        result.save(update_fields=["personal_data_purged_at"])
        counts = RoundPurge(
            round_id=round_id,
            voting_codes=voting_codes,
            register_keys=register_keys,
            assisted_flags=assisted,
            paper_codes=paper_codes,
            participations=participations,
        )
        payload = {k: v for k, v in asdict(counts).items() if k != "round_id"}
        payload["challenge_period_days"] = settings.CHALLENGE_PERIOD_DAYS
        audit.record(
            kinds.PERSONAL_DATA_PURGED,
            ward=result.round.ward,
            round=round_id,
            actor=audit.SYSTEM,
            payload=payload,
        )
    return counts


def purge_due_rounds(now: datetime.datetime | None = None) -> list[RoundPurge]:
    """Purge every round that is due, each in its own transaction."""
    done = [purge_round(round_id, now) for round_id in due_for_purge(now)]
    return [d for d in done if d is not None]
