"""Voting-half fixtures: a knapsack round in voting with five feasible projects, issued codes,
a second Sparkbrook councillor and a resident of another ward.

Budget £100,000; projects cost £25,000, £37,500, £40,000, £50,000 and £60,000, so the first two
together make the issue's "£62,500 of £100,000 chosen".
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from ballots import services
from budgets.models import BallotType, Phase, Proposal, ProposalStatus, Round
from tests.conftest import make_user
from wards.models import Membership, Role, Ward

BUDGET = 10_000_000
COSTS = [2_500_000, 3_750_000, 4_000_000, 5_000_000, 6_000_000]
TITLES = ["A Bench by the Brook", "B Bike racks", "C Community garden", "D Dog park", "E Lights"]


def make_voting_round(
    ward: Ward, ballot_type: str = BallotType.KNAPSACK, *, scale: int = 1, **extra: Any
) -> Round:
    """A round in voting with five feasible projects; money divided by `scale`.

    Some tests use scale=1000 (a £100 budget) and assert amounts at that scale. (They were written
    when mes-add1 still stepped one penny at a time; it now skips provably unchanged steps, and
    the same tests pass at full scale in about the same time.)
    """
    values: dict[str, Any] = {
        "title": f"{ward.name} chest 2026",
        "budget_pence": BUDGET // scale,
        "phase": Phase.VOTING,
        "ballot_type": ballot_type,
        "rule": "greedy",
        "settings_frozen_at": timezone.now(),
    }
    if ballot_type == BallotType.CUMULATIVE:
        values["max_points"] = 10
    if ballot_type == BallotType.RANKED:
        values["max_choices"] = 3
    if ballot_type == BallotType.APPROVAL:
        values["min_choices"] = 2
        values["max_choices"] = 3
    values.update(extra)
    round = Round.objects.create(ward=ward, **values)
    for title, cost in zip(TITLES, COSTS, strict=True):
        Proposal.objects.create(
            round=round,
            title=title,
            summary=f"{title} for {ward.name}.",
            description="A project the ward asked for.",
            estimated_cost_pence=cost // scale,
            cost_pence=cost // scale,
            status=ProposalStatus.FEASIBLE,
        )
    return round


def project_ids(round: Round) -> list[int]:
    """The projects' API ids, cheapest first (titles sort the same way)."""
    return [p.pk for p in services.ballot_projects(round)]


@pytest.fixture
def voting_round(sparkbrook: Ward) -> Round:
    return make_voting_round(sparkbrook)


@pytest.fixture
def small_round(sparkbrook: Ward) -> Round:
    """The same round with a £100 budget, for tests that close after many varied ballots."""
    return make_voting_round(sparkbrook, scale=1000, title="Sparkbrook small chest")


@pytest.fixture
def ids(voting_round: Round) -> list[int]:
    return project_ids(voting_round)


@pytest.fixture
def issued_codes(voting_round: Round) -> list[str]:
    return services.issue_codes(voting_round, 12)


@pytest.fixture
def councillor_sia(sparkbrook: Ward) -> Any:
    """A second councillor for Sparkbrook, for the two-person rules."""
    user = make_user("sia", first_name="Sia", last_name="Shah")
    Membership.objects.create(user=user, ward=sparkbrook, role=Role.COUNCILLOR)
    return user


@pytest.fixture
def clerk_cleo(sparkbrook: Ward) -> Any:
    """A clerk for Sparkbrook: enters paper batches and runs the help desk, nothing else."""
    user = make_user("cleo", first_name="Cleo", last_name="Clarke")
    Membership.objects.create(user=user, ward=sparkbrook, role=Role.CLERK)
    return user


@pytest.fixture
def clerk_ade(aston: Ward) -> Any:
    """A clerk for Aston: another ward than the voting round's."""
    user = make_user("ade", first_name="Ade", last_name="Adeyemi")
    Membership.objects.create(user=user, ward=aston, role=Role.CLERK)
    return user


@pytest.fixture
def resident_rhys(aston: Ward) -> Any:
    """A resident of Aston: another ward than the voting round's."""
    user = make_user("rhys", first_name="Rhys", last_name="Rahman")
    Membership.objects.create(user=user, ward=aston, role=Role.RESIDENT)
    return user


@pytest.fixture
def api() -> Client:
    """An API client that enforces nothing special: JSON in, JSON out."""
    return Client()


def post_json(client: Client, url: str, data: Any = None) -> Any:
    return client.post(url, data=data or {}, content_type="application/json")


def close(round: Round) -> Any:
    result = services.close_round(round)
    round.refresh_from_db()
    return result


def close_and_publish(round: Round) -> Any:
    services.close_round(round)
    result = services.publish_round(round)
    round.refresh_from_db()
    return result


def confirm_vote(client: Client, url: str, data: dict[str, Any]) -> Any:
    """Review, then confirm with the review page's one-time token, as a browser does; follows
    the redirect to the receipt (or returns the page that refused)."""
    fields = {k: v for k, v in data.items() if k not in ("step", "cast_token")}
    review = client.post(url, {**fields, "step": "review"})
    found = re.search(r'name="cast_token" value="([^"]+)"', review.content.decode())
    if found is None:
        return review
    return client.post(
        url, {**fields, "step": "confirm", "cast_token": found.group(1)}, follow=True
    )
