"""Hooks other apps register so the ledger never has to import them.

Every app records events, so audit depends on none of them (an import-linter contract says so).
The ward audit page still shows the ward's name and answers 404 for a ward that does not exist:
the wards app registers how to find a ward's name when Django starts (`WardsConfig.ready()`):

    from audit.hooks import register_ward_names

    register_ward_names(lambda slug: Ward.objects.filter(slug=slug).values_list(...).first())
"""

from __future__ import annotations

from collections.abc import Callable

WardNames = Callable[[str], str | None]

_ward_names: WardNames | None = None


def register_ward_names(lookup: WardNames) -> None:
    """Register the function that gives a ward's name from its slug (None: no such ward)."""
    global _ward_names
    _ward_names = lookup


def ward_name(slug: str) -> str | None:
    """The ward's name, or None if no ward has that slug (or no app registered a lookup)."""
    return _ward_names(slug) if _ward_names is not None else None
