"""What this app adds to other apps' pages, through their hooks (see DeliveryConfig.ready)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from budgets.models import Round
from delivery import pages
from wards.hooks import PageSection
from wards.models import Ward


def ward_section(user: Any, ward: Ward) -> PageSection | None:
    """The ward page's "What the money did": every published round, newest first."""
    history = pages.ward_history(ward)
    if not history:
        return None
    return PageSection("delivery/_ward_section.html", {"history": history})


def result_section(user: Any, round: Round) -> PageSection | None:
    """The results page's delivery summary, once the result is published."""
    summary = pages.round_delivery(round)
    if summary is None:
        return None
    return PageSection(
        "delivery/_result_section.html",
        {"summary": summary, **pages.delivery_flags(user, round)},
    )


def ward_counts() -> Mapping[int, tuple[int, int]]:
    """{ward id: (delivered, in progress)} for the city dashboard."""
    return {ward: (c.delivered, c.in_progress) for ward, c in pages.counts_by_ward().items()}
