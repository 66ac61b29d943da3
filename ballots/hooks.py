"""Hooks apps built on ballots register, so ballots never imports them.

The delivery app (what became of the money) builds on published results. Two places in ballots
show its figures without importing it; it registers providers in DeliveryConfig.ready():

    from ballots.hooks import register_delivery_counter, register_result_section

- A result section: `provider(user, round)` returns a wards.hooks.PageSection (a template and
  its data) that the results page includes, or None.
- A delivery counter: `counter()` returns {ward id: (delivered, in progress)}, the funded
  projects of each ward's published rounds by delivery status, for the city dashboard.

Without them, the results page shows no delivery and the dashboard leaves the counts empty.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from wards.hooks import PageSection

ResultSectionProvider = Callable[[Any, Any], PageSection | None]
DeliveryCounter = Callable[[], Mapping[int, tuple[int, int]]]

_result_sections: list[ResultSectionProvider] = []
_delivery_counter: DeliveryCounter | None = None


def register_result_section(fn: ResultSectionProvider) -> None:
    """Add a section provider to the results page (once each; in registration order)."""
    if fn not in _result_sections:
        _result_sections.append(fn)


def unregister_result_section(fn: ResultSectionProvider) -> None:
    if fn in _result_sections:
        _result_sections.remove(fn)


def result_sections(user: Any, round: Any) -> list[PageSection]:
    return [s for fn in _result_sections if (s := fn(user, round)) is not None]


def register_delivery_counter(fn: DeliveryCounter) -> None:
    """Register the function that counts delivered and in-progress projects by ward."""
    global _delivery_counter
    _delivery_counter = fn


def unregister_delivery_counter() -> None:
    global _delivery_counter
    _delivery_counter = None


def delivery_counts() -> Mapping[int, tuple[int, int]] | None:
    """{ward id: (delivered, in progress)}, or None when no app tracks delivery."""
    return _delivery_counter() if _delivery_counter is not None else None
