"""What is happening now across the city, for the home page and the help page.

The home page (wards) leads with it through wards.hooks.register_home_section: rounds voting now
(and until when), then rounds taking proposals. The help page lists, for every round voting now,
where to vote on paper and where its help desk is.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from budgets.models import Phase, Round
from budgets.services.places import VotingPlaces, voting_places
from wards.hooks import PageSection


@dataclass(frozen=True)
class HappeningNow:
    """One public round that residents can act on now, in a sentence."""

    round: Round
    sentence: str
    link_text: str
    voting: bool


def _day(moment: Any) -> str:
    """'17 December' in the page's language (E: the month as a date needs it, 17 grudnia)."""
    return date_format(timezone.localtime(moment), "j E")


def _voting(r: Round) -> HappeningNow:
    area = r.area_name
    if r.voting_end:
        sentence = gettext("Voting now in %(area)s until %(date)s.") % {
            "area": area,
            "date": _day(r.voting_end),
        }
    else:
        sentence = gettext("Voting now in %(area)s.") % {"area": area}
    return HappeningNow(r, sentence, gettext("Vote in %(area)s") % {"area": area}, True)


def _ideas(r: Round) -> HappeningNow:
    area = r.area_name
    if r.proposals_end:
        sentence = gettext("%(area)s is asking for ideas until %(date)s.") % {
            "area": area,
            "date": _day(r.proposals_end),
        }
    else:
        sentence = gettext("%(area)s is asking for ideas.") % {"area": area}
    link = gettext("Suggest a project in %(area)s") % {"area": area}
    return HappeningNow(r, sentence, link, False)


def happening_now() -> list[HappeningNow]:
    """Rounds voting now, then rounds taking proposals; each in one short sentence, in the
    page's language."""
    rounds = (
        Round.objects.public()
        .in_phase(Phase.VOTING, Phase.PROPOSALS)
        .select_related("ward", "neighbourhood")
        .order_by("ward__name", "pk")
    )
    # Voting first: it is what a resident can miss.
    return [
        _voting(r) if r.phase == Phase.VOTING else _ideas(r)
        for r in sorted(rounds, key=lambda r: r.phase != Phase.VOTING)
    ]


def home_section(user: Any) -> PageSection | None:
    """The home page's first section: what residents can take part in now."""
    return PageSection("budgets/_home_now.html", {"happening": happening_now()})


@dataclass(frozen=True)
class VotingHelp:
    round: Round
    places: VotingPlaces


def voting_help() -> list[VotingHelp]:
    """For each round voting now: where to vote on paper and where its help desk is."""
    rounds = (
        Round.objects.public()
        .in_phase(Phase.VOTING)
        .select_related("ward", "neighbourhood")
        .order_by("ward__name", "pk")
    )
    return [VotingHelp(r, voting_places(r)) for r in rounds]
