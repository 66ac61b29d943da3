"""Hooks apps built on wards register, so wards never imports them (wards is the bottom layer).

The ward page lists the ward's budget rounds, but rounds are the budgets app's. It registers a
provider in BudgetsConfig.ready():

    from wards.hooks import register_round_lister
    register_round_lister(budgets.services.ward_round_cards)

The provider is called as `provider(user, ward)` and returns what the ward page shows for each
round this user may see, newest first (budgets decides which rounds and which links). Without
one, the ward page lists no rounds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from wards.models import Ward

RoundLister = Callable[[Any, Ward], Sequence[Any]]

_round_lister: RoundLister | None = None


def register_round_lister(fn: RoundLister) -> None:
    """Register the function that lists a ward's rounds for a user (one per process)."""
    global _round_lister
    _round_lister = fn


def unregister_round_lister() -> None:
    """Forget the registered lister (tests use it)."""
    global _round_lister
    _round_lister = None


def rounds_for(user: Any, ward: Ward) -> list[Any]:
    """The ward's rounds this user may see, as the registered app presents them ([] if none)."""
    if _round_lister is None:
        return []
    return list(_round_lister(user, ward))
