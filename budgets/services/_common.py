"""Helpers every budgets service shares: the ledger actor, reasons, cleaning and costs."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError

import audit
from audit import Actor
from budgets.models import (
    MAX_REASON,
    MIN_COST_MESSAGE,
    MIN_COST_PENCE,
    Proposal,
    Round,
    UserLike,
)
from wards import access
from wards.models import Neighbourhood, Role, Ward
from wards.money import format_pence
from wards.text import multi_line


def _actor(user: UserLike, ward: Ward, role: Role) -> Actor:
    """The pseudonymous actor for a ledger event: the role the person acted in, or staff."""
    if user is None:
        return audit.SYSTEM  # the scheduler
    actor: Actor = access.ledger_actor(user, ward, role)
    return actor


def _public(value: Any) -> Any:
    """A setting's value as ledger JSON."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, Neighbourhood):
        return value.slug
    return value


def _clean_reason(reason: str, *, required: bool, what: str = "a reason") -> str:
    reason = multi_line(reason)
    if required and not reason:
        raise ValidationError({"reason": f"Give {what}; it is shown to the public."})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"Keep the reason to {MAX_REASON:,} characters or fewer."})
    return reason


def _full_clean(obj: Round | Proposal, exclude: Iterable[str] = ()) -> None:
    obj.full_clean(exclude=list(exclude), validate_unique=False)


def _check_cost(round: Round, pence: int | None, field: str) -> None:
    if pence is None:
        raise ValidationError({field: "Enter the cost in pounds."})
    if pence < MIN_COST_PENCE:
        raise ValidationError({field: MIN_COST_MESSAGE})
    if pence > round.budget_pence:
        raise ValidationError(
            {
                field: f"The cost cannot be more than this round's whole budget of "
                f"{format_pence(round.budget_pence)}."
            }
        )
