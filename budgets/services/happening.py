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


def _until(round: Round, moment: Any) -> str:
    return f" until {date_format(timezone.localtime(moment), 'j F')}" if moment else ""


def happening_now() -> list[HappeningNow]:
    """Rounds voting now, then rounds taking proposals; each in one short sentence."""
    rounds = (
        Round.objects.public()
        .in_phase(Phase.VOTING, Phase.PROPOSALS)
        .select_related("ward", "neighbourhood")
        .order_by("ward__name", "pk")
    )
    found = []
    # Voting first: it is what a resident can miss.
    for r in sorted(rounds, key=lambda r: r.phase != Phase.VOTING):
        if r.phase == Phase.VOTING:
            found.append(
                HappeningNow(
                    r, f"Voting now in {r.area_name}{_until(r, r.voting_end)}.", "Vote", True
                )
            )
        else:
            found.append(
                HappeningNow(
                    r,
                    f"{r.area_name} is asking for ideas{_until(r, r.proposals_end)}.",
                    "Suggest a project",
                    False,
                )
            )
    return found


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
