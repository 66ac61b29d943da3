"""Paper ballots: a batch counts once two different people's entries of it agree; the codes typed
are kept in clear only until then."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

import audit
from audit import kinds
from audit.canonical import ballot_commitment
from ballots import codes
from ballots.actors import ledger_actor
from ballots.eligibility import lock_phase, refuse_unless_voting
from ballots.models import (
    Ballot,
    Channel,
    PaperBatch,
    PaperEntry,
    PaperRejection,
    Voter,
    VotingCode,
)
from ballots.paper_ballot import numbers_by_id
from ballots.sealing import seal_if_due
from ballots.selection import (
    PB_VOTE_TYPE,
    Selection,
    ballot_projects,
    canonical_selection,
    check_selection,
    parse_selection,
)
from budgets.models import BallotType, Proposal, Round
from wards.access import Action, require
from wards.text import single_line


@dataclass(frozen=True)
class PaperAccount:
    issued: int
    spoilt: int
    unused: int
    cast: int


# Kept in a resolved entry instead of the code: an HMAC under its own label, so it matches
# nothing in the code register (whose rows follow the printed letters' order) without the key.
PAPER_CODE_LABEL = "paper entry:"


def _code_hmac(round: Round, text: str) -> str:
    """The paper path's one call of codes.hash_code."""
    return codes.hash_code(round, text)


def _scrubbed(round: Round, item: Mapping[str, Any]) -> dict[str, Any]:
    """A paper ballot as kept once its batch is resolved: the code's HMAC, never the code."""
    kept = {key: value for key, value in item.items() if key != "code"}
    if "code" in item:
        kept["code_hmac"] = _code_hmac(round, PAPER_CODE_LABEL + str(item["code"]))
    return kept


def _scrub_entries(round: Round, entries: Iterable[PaperEntry]) -> int:
    """Replace every clear code in these entries by its HMAC; how many entries changed."""
    changed = 0
    for entry in entries:
        if not any("code" in item for item in entry.ballots):
            continue
        entry.ballots = [_scrubbed(round, item) for item in entry.ballots]
        entry.save(update_fields=["ballots"])
        changed += 1
    return changed


def scrub_unresolved_paper_codes(round: Round) -> int:
    """At close: no voting code typed into a batch that was never resolved survives in clear.

    Accepted batches were scrubbed when they were accepted; this replaces the codes of batches
    still awaiting a second entry or still disagreeing by their HMACs. Idempotent; returns how
    many entries it changed. Call it inside the closing transaction, under the round's lock.
    """
    with transaction.atomic():
        entries = (
            PaperEntry.objects.select_for_update()
            .filter(batch__round_id=round.pk)
            .exclude(batch__status=PaperBatch.Status.ACCEPTED)
            .order_by("id")
        )
        return _scrub_entries(round, entries)


def _normal_paper_ballots(
    round: Round, ballots: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    normal = []
    for position, item in enumerate(ballots, start=1):
        raw_code = str(item.get("code", ""))
        try:
            code = codes.normalise_code(raw_code)
        except codes.CodeFormatError:
            code = raw_code.strip().upper()
        try:
            selection = canonical_selection(round, parse_selection(round, item))
        except ValidationError as exc:
            raise ValidationError(
                gettext("Ballot %(number)s: %(problem)s")
                % {"number": position, "problem": " ".join(exc.messages)}
            ) from None
        normal.append({"code": code, "selection": selection})
    return normal


def enter_paper_batch(
    round: Round,
    *,
    polling_place: str,
    by: Any,
    account: PaperAccount,
    ballots: Sequence[Mapping[str, Any]],
) -> PaperBatch:
    """Record one person's entry of a batch; the second agreeing entry makes it count.

    The codes typed are kept in clear only while the batch is unresolved, so the people entering
    it can compare entries side by side; accepting it replaces them by HMACs in every entry.
    """
    require(by, Action.ENTER_PAPER, round.ward)
    refuse_unless_voting(round.phase)
    place = single_line(polling_place)
    if not place:
        raise ValidationError(gettext("Name the polling place."))
    if account.issued != account.spoilt + account.unused + account.cast:
        raise ValidationError(
            gettext(
                "The ballot-paper account does not balance: %(issued)s issued, but %(spoilt)s "
                "spoilt + %(unused)s unused + %(cast)s cast = %(total)s."
            )
            % {
                "issued": account.issued,
                "spoilt": account.spoilt,
                "unused": account.unused,
                "cast": account.cast,
                "total": account.spoilt + account.unused + account.cast,
            }
        )
    if account.cast != len(ballots):
        raise ValidationError(
            gettext("The account says %(cast)s ballots were cast, but %(entered)s were entered.")
            % {"cast": account.cast, "entered": len(ballots)}
        )
    normal = _normal_paper_ballots(round, ballots)
    with transaction.atomic():
        # The phase as the database has it, under the same shared lock as an online ballot: a
        # close waits for this batch to commit (and counts it), or this entry waits for the
        # close and is refused. `round` itself may have been loaded before the close.
        refuse_unless_voting(lock_phase(round.pk))
        batch, _ = PaperBatch.objects.select_for_update().get_or_create(
            round=round, polling_place=place
        )
        if batch.status == PaperBatch.Status.ACCEPTED:
            raise ValidationError(
                gettext("The batch from %(place)s has already been accepted.") % {"place": place}
            )
        latest = batch.entries.order_by("-created_at", "-id").first()
        if latest is not None and latest.entered_by_id == by.pk:
            raise ValidationError(
                gettext(
                    "You made the latest entry of this batch. A different person must enter it "
                    "next, so that two people's entries are compared."
                )
            )
        entry = PaperEntry.objects.create(
            batch=batch,
            entered_by=by,
            issued=account.issued,
            spoilt=account.spoilt,
            unused=account.unused,
            cast=account.cast,
            ballots=normal,
        )
        audit.record(
            kinds.PAPER_BATCH_ENTERED,
            ward=round.ward,
            round=round,
            actor=ledger_actor(by, round.ward),
            payload={"batch": batch.pk, "polling_place": place, "entry": entry.pk},
        )
        entries = list(batch.entries.order_by("created_at", "id"))
        if len(entries) >= 2:
            first, second = entries[-2], entries[-1]
            if paper_entries_agree(first, second):
                _accept_batch(round, batch, second, by)
            else:
                batch.status = PaperBatch.Status.DISAGREE
                batch.save(update_fields=["status"])
                audit.record(
                    kinds.PAPER_BATCH_REJECTED,
                    ward=round.ward,
                    round=round,
                    actor=ledger_actor(by, round.ward),
                    payload={"batch": batch.pk, "reason": "the two entries disagree"},
                )
        return batch


def paper_entries_agree(a: PaperEntry, b: PaperEntry) -> bool:
    return (a.issued, a.spoilt, a.unused, a.cast, a.ballots) == (
        b.issued,
        b.spoilt,
        b.unused,
        b.cast,
        b.ballots,
    )


# The ballot-paper account's lines, as the side-by-side comparison names them.
_ACCOUNT_WORDS = {
    "issued": gettext_lazy("Issued"),
    "spoilt": gettext_lazy("Spoilt"),
    "unused": gettext_lazy("Unused"),
    "cast": gettext_lazy("Cast"),
}


def paper_differences(batch: PaperBatch) -> list[dict[str, Any]]:
    """The two latest entries side by side, row by row, for people resolving a disagreement."""
    entries = list(batch.entries.order_by("-created_at", "-id")[:2])
    if len(entries) < 2:
        return []
    second, first = entries
    numbers = numbers_by_id(batch.round)
    rows: list[dict[str, Any]] = []
    for field in ("issued", "spoilt", "unused", "cast"):
        a, b = getattr(first, field), getattr(second, field)
        rows.append({"what": str(_ACCOUNT_WORDS[field]), "first": a, "second": b, "same": a == b})
    for i in range(max(len(first.ballots), len(second.ballots))):
        a = first.ballots[i] if i < len(first.ballots) else None
        b = second.ballots[i] if i < len(second.ballots) else None
        rows.append(
            {
                "what": gettext("Ballot %(number)s") % {"number": i + 1},
                "first": _paper_ballot_text(a, numbers),
                "second": _paper_ballot_text(b, numbers),
                "same": a == b,
            }
        )
    return rows


def _paper_ballot_text(item: Mapping[str, Any] | None, numbers: Mapping[int, int]) -> str:
    """'ABCDEF-…: 1, 3' as a clerk typed it, with the paper ballot's numbers (`numbers`: id to
    number), for the side-by-side comparison; only the marks ('1, 3') once the batch is resolved
    and its codes are no longer kept."""
    if item is None:
        return "(missing)"

    def number(pid: Any) -> str:
        return str(numbers.get(int(pid), f"id {pid}"))

    selection = item.get("selection") or []
    if isinstance(selection, dict):
        marks = ", ".join(f"{number(pid)}={n}" for pid, n in selection.items())
    else:
        marks = ", ".join(number(pid) for pid in selection)
    if "code" not in item:
        return marks
    return f"{item['code']}: {marks}"


def _accept_batch(round: Round, batch: PaperBatch, entry: PaperEntry, by: Any) -> None:
    """Count an agreed batch. Runs inside the entry's transaction, under the phase lock."""
    refuse_unless_voting(lock_phase(round.pk))
    projects = ballot_projects(round)
    vote_type = PB_VOTE_TYPE[BallotType(round.ballot_type)]
    counted = 0
    for position, item in enumerate(entry.ballots, start=1):
        reason = _paper_ballot_problem(round, item, projects)
        if reason is None:
            code = item["code"]
            code_row = (
                VotingCode.objects.select_for_update()
                .filter(round=round, code_hash=_code_hmac(round, code))
                .first()
            )
            key = codes.voter_key_for_code(round, code)
            if Voter.objects.filter(round=round, key=key).exists():
                reason = "this code has already voted (online or on paper)"
            else:
                voter = Voter.objects.create(
                    round=round, key=key, channel=Channel.PAPER, voting_code=code_row
                )
                receipt = codes.new_receipt()
                Ballot.objects.create(
                    round=round,
                    voter=voter,
                    receipt=receipt,
                    channel=Channel.PAPER,
                    selection=item["selection"],
                    commitment=ballot_commitment(receipt, vote_type, item["selection"]),
                )
                counted += 1
        if reason is not None:
            PaperRejection.objects.create(batch=batch, position=position, reason=reason)
    batch.status = PaperBatch.Status.ACCEPTED
    batch.accepted_at = timezone.now()
    batch.save(update_fields=["status", "accepted_at"])
    # Resolved: no entry of this batch (a superseded, disagreeing one included) keeps a code.
    _scrub_entries(round, batch.entries.select_for_update().order_by("id"))
    audit.record(
        kinds.PAPER_BATCH_ACCEPTED,
        ward=round.ward,
        round=round,
        actor=ledger_actor(by, round.ward),
        payload={
            "batch": batch.pk,
            "polling_place": batch.polling_place,
            "issued": entry.issued,
            "spoilt": entry.spoilt,
            "unused": entry.unused,
            "cast": entry.cast,
            "counted": counted,
            "rejected": [
                {"position": r.position, "reason": r.reason} for r in batch.rejections.all()
            ],
        },
    )
    seal_if_due(round)


def _paper_ballot_problem(
    round: Round, item: Mapping[str, Any], projects: Sequence[Proposal]
) -> str | None:
    try:
        codes.normalise_code(item["code"])
    except codes.CodeFormatError:
        return "the voting code on the ballot is not a valid code"
    row = VotingCode.objects.filter(round=round, code_hash=_code_hmac(round, item["code"])).first()
    if row is None:
        return "the voting code is not one issued for this round"
    if row.revoked:
        return "the voting code was revoked"
    selection = item["selection"]
    parsed: Selection = (
        {int(k): int(v) for k, v in selection.items()}
        if isinstance(selection, dict)
        else [int(p) for p in selection]
    )
    checked = check_selection(round, parsed, projects)
    if not checked.ok:
        return "; ".join(checked.problems)
    return None
