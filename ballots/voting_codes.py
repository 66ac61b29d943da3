"""A round's voting codes: issuing, revoking and exporting them, and limiting wrong guesses
(`ballots.codes` is the code format and its HMACs)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

import audit
from audit import kinds
from ballots import codes
from ballots.actors import ledger_actor
from ballots.models import (
    VotingCode,
)
from budgets.models import Phase, Round
from wards.access import Action, require
from wards.text import single_line, spreadsheet_safe

CODE_FAILURE_LIMIT_PER_CLIENT = 10
CODE_FAILURE_LIMIT_PER_ROUND = 1000
CODE_FAILURE_WINDOW = 15 * 60


class TooManyAttempts(PermissionDenied):
    """Refused by a rate limit; the API answers 429."""

    status_code = 429


def code_attempts_blocked(round: Round, client: str) -> bool:
    """Too many wrong codes from this client, or a flood of wrong codes in this round.

    The round-wide limit stops a guessing attack spread over many addresses, but must not let an
    attacker lock everyone out: while it holds, it only stops clients that have themselves
    entered a wrong code; a voter whose code is right first time always gets through.
    """
    from wards import ratelimit

    mine = ratelimit.failures("code-client", client, window=CODE_FAILURE_WINDOW)
    if mine >= CODE_FAILURE_LIMIT_PER_CLIENT:
        return True
    return mine > 0 and ratelimit.is_limited(
        "code-round", str(round.pk), limit=CODE_FAILURE_LIMIT_PER_ROUND, window=CODE_FAILURE_WINDOW
    )


def code_failed(round: Round, client: str) -> None:
    from wards import ratelimit

    ratelimit.record_failure("code-client", client, window=CODE_FAILURE_WINDOW)
    ratelimit.record_failure("code-round", str(round.pk), window=CODE_FAILURE_WINDOW)


def issue_codes(
    round: Round, count: int, *, by: Any = None, make_code: Callable[[], str] | None = None
) -> list[str]:
    """Create `count` one-time codes, returned in clear this once: only their hashes are kept.

    `make_code` replaces the secure generator for demonstration data only (seeded codes that the
    demo can print again on every run); real letters always use the default.
    """
    if count < 1 or count > 200_000:
        raise ValidationError("Issue between 1 and 200,000 codes at a time.")
    if round.phase in (Phase.CLOSED, Phase.PUBLISHED):
        raise ValidationError("This round has closed; no more codes can be issued.")
    if not round.allow_code_voting:
        raise ValidationError("This round does not use voting codes; allow them first.")
    issued = [(make_code or codes.new_code)() for _ in range(count)]
    with transaction.atomic():
        VotingCode.objects.bulk_create(
            [VotingCode(round=round, code_hash=codes.hash_code(round, c)) for c in issued],
            batch_size=2000,
        )
        audit.record(
            kinds.CODES_ISSUED,
            ward=round.ward,
            round=round,
            actor=ledger_actor(by, round.ward),
            payload={"count": count},
        )
    return issued


def revoke_code(round: Round, code: str, *, by: Any = None, reason: str) -> None:
    """Stop a code from voting (a lost or stolen letter). A ballot it already cast still counts;
    it just can no longer be replaced. `by=None` is staff on the command line."""
    if by is not None:
        require(by, Action.MANAGE_ROUND, round.ward)
    reason = single_line(reason)
    if not reason:
        raise ValidationError("Give a reason for revoking the code.")
    try:
        normal = codes.normalise_code(code)
    except codes.CodeFormatError as exc:
        raise ValidationError(str(exc)) from None
    with transaction.atomic():
        row = (
            VotingCode.objects.select_for_update()
            .filter(round=round, code_hash=codes.hash_code(round, normal))
            .first()
        )
        if row is None:
            raise ValidationError("No such code in this round.")
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.revoke_reason = reason[:300]
            row.save(update_fields=["revoked_at", "revoke_reason"])
            audit.record(
                kinds.CODE_REVOKED,
                ward=round.ward,
                round=round,
                actor=ledger_actor(by, round.ward),
                payload={"code_id": row.pk, "reason": row.revoke_reason},
            )


def codes_csv(issued: Sequence[str], round: Round, base_url: str = "") -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "round", "ward", "ballot_url"])
    url = f"{base_url.rstrip('/')}/rounds/{round.pk}/vote/"
    for code in issued:
        writer.writerow([spreadsheet_safe(v) for v in (code, round.pk, round.ward.name, url)])
    return out.getvalue()
