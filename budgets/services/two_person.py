"""The two-councillor rule: one councillor of the ward asks, with a public reason; a different
councillor of the same ward approves (the action itself); the one who asked may withdraw.

Shared by closing voting early (ballots.early_close, EarlyCloseRequest) and cancelling a round
once voting has opened (budgets.services.cancelling, CancelRequest). Each caller holds the
round's row lock, checks its own phase rules and records its own ledger events; this module
keeps the request rows and refuses what the rule forbids, in words a councillor can read.
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import ValidationError

from budgets.models import MAX_PUBLIC_REASON, Round, TwoCouncillorRequest, UserLike
from wards.text import single_line

R = TypeVar("R", bound=TwoCouncillorRequest)


def public_reason(reason: str, *, missing: str) -> str:
    """The reason as one clean line (it is published), or `missing` as the refusal."""
    cleaned = single_line(reason)[:MAX_PUBLIC_REASON]
    if not cleaned:
        raise ValidationError(missing)
    return cleaned


def pending(model: type[R], round: Round) -> R | None:
    """The round's request of this kind, if one waits for approval."""
    return model.objects.filter(round=round).first()  # type: ignore[attr-defined]


def ask(model: type[R], locked: Round, *, by: UserLike, reason: str, already: str) -> R:
    """Store `by`'s request with its (cleaned) reason; `already` refuses a second request.
    Call it under the round's row lock."""
    request, created = model.objects.get_or_create(  # type: ignore[attr-defined]
        round=locked, defaults={"requested_by": by, "reason": reason}
    )
    if not created:
        raise ValidationError(already)
    return request


def approve(request: R | None, *, by: UserLike, missing: str, yours: str) -> R:
    """The request a second councillor approves: `missing` refuses when nobody asked yet,
    `yours` when the one approving is the one who asked."""
    if request is None:
        raise ValidationError(missing)
    if request.requested_by_id == by.pk:
        raise ValidationError(yours)
    return request


def withdraw(request: R | None, *, by: UserLike, missing: str, not_yours: str) -> R:
    """Delete the request: only the councillor who asked may withdraw it."""
    if request is None:
        raise ValidationError(missing)
    if request.requested_by_id != by.pk:
        raise ValidationError(not_yours)
    request.delete()
    return request


def asked_by(request: TwoCouncillorRequest | None, user: UserLike) -> bool:
    return request is not None and request.requested_by_id == getattr(user, "pk", None)
