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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
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


# --- Sections of the ward page --------------------------------------------------------------
# Apps above wards add whole sections to the ward page (the delivery app: what each past round
# funded and delivered). A provider is called as `provider(user, ward)` and returns a
# PageSection (a template to include and the context it reads) or None to show nothing.


@dataclass(frozen=True)
class PageSection:
    """A block of a page another app renders: `template`, included with `data` in its context."""

    template: str
    data: Mapping[str, Any] = field(default_factory=dict)


SectionProvider = Callable[[Any, Ward], PageSection | None]

_ward_sections: list[SectionProvider] = []


def register_ward_section(fn: SectionProvider) -> None:
    """Add a section provider to the ward page (once each; in registration order)."""
    if fn not in _ward_sections:
        _ward_sections.append(fn)


def unregister_ward_section(fn: SectionProvider) -> None:
    if fn in _ward_sections:
        _ward_sections.remove(fn)


def ward_sections(user: Any, ward: Ward) -> list[PageSection]:
    """The extra sections of this ward's page for this user, in registration order."""
    return [s for fn in _ward_sections if (s := fn(user, ward)) is not None]


# --- Sections of the home page --------------------------------------------------------------
# The home page leads with what residents can take part in now (the budgets app's rounds). A
# provider is called as `provider(user)` and returns a PageSection or None.

HomeSectionProvider = Callable[[Any], PageSection | None]

_home_sections: list[HomeSectionProvider] = []


def register_home_section(fn: HomeSectionProvider) -> None:
    """Add a section provider to the home page (once each; in registration order)."""
    if fn not in _home_sections:
        _home_sections.append(fn)


def unregister_home_section(fn: HomeSectionProvider) -> None:
    if fn in _home_sections:
        _home_sections.remove(fn)


def home_sections(user: Any) -> list[PageSection]:
    """The home page's sections from the apps above wards, in registration order."""
    return [s for fn in _home_sections if (s := fn(user)) is not None]
