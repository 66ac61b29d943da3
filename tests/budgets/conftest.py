"""Rounds in each phase for the budgets tests, built through the services where it matters."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from budgets import services
from budgets.models import Phase, Proposal, ProposalStatus, Review, Round
from budgets.models_discussion import Comment
from wards.models import Ward

CATEGORIES = ["Parks", "Streets", "Young people"]


def make_round(ward: Ward, phase: str = Phase.PROPOSALS, **extra: Any) -> Round:
    values: dict[str, Any] = {
        "title": f"{ward.name} chest 2026",
        "budget_pence": 5_000_000,
        "categories": CATEGORIES,
        "phase": phase,
    }
    values.update(extra)
    if PHASE_ORDER_INDEX[phase] >= PHASE_ORDER_INDEX[Phase.VOTING]:
        values.setdefault("settings_frozen_at", timezone.now())
    return Round.objects.create(ward=ward, **values)


PHASE_ORDER_INDEX = {p.value: i for i, p in enumerate(Phase)}


def make_proposal(round: Round, proposer: Any = None, **extra: Any) -> Proposal:
    values: dict[str, Any] = {
        "title": "Lights on Ladypool Road",
        "summary": "Brighter street lights along the dark stretch by the park.",
        "description": "Six LED lamps between the park gates and the bus stop.",
        "estimated_cost_pence": 1_200_000,
        "cost_pence": 1_200_000,
        "category": "Streets",
        "location": "Ladypool Road",
    }
    values.update(extra)
    return Proposal.objects.create(round=round, proposer=proposer, **values)


@pytest.fixture
def proposals_round(sparkbrook: Ward) -> Round:
    return make_round(sparkbrook, Phase.PROPOSALS)


@pytest.fixture
def draft_round(sparkbrook: Ward) -> Round:
    return make_round(sparkbrook, Phase.DRAFT, title="Sparkbrook draft")


@pytest.fixture
def review_round(sparkbrook: Ward) -> Round:
    return make_round(sparkbrook, Phase.REVIEW)


@pytest.fixture
def round_in_voting(sparkbrook: Ward) -> Round:
    """A budgets-only round in voting (no ballot projects: tests/ballots has those)."""
    return make_round(sparkbrook, Phase.VOTING)


@pytest.fixture
def proposal(round_in_voting: Round, resident_alice: Any) -> Proposal:
    """Alice's proposal in a round in voting, open to discussion (the discussion tests)."""
    return make_proposal(round_in_voting, resident_alice)


@pytest.fixture
def comment(proposal: Proposal, resident_alice: Any) -> Comment:
    """Alice's comment on her own proposal, posted through the service."""
    return services.post_comment(proposal, by=resident_alice, body="Please light the alley too.")


@pytest.fixture
def alices_proposal(proposals_round: Round, resident_alice: Any) -> Proposal:
    return make_proposal(proposals_round, resident_alice)


@pytest.fixture
def submitted_in_review(review_round: Round, resident_alice: Any) -> Proposal:
    return make_proposal(review_round, resident_alice)


def make_feasible(proposal: Proposal, reviewer: Any = None) -> Proposal:
    proposal.status = ProposalStatus.FEASIBLE
    proposal.review_reason = "Highways can do this."
    proposal.save()
    Review.objects.create(
        proposal=proposal, reviewer=reviewer, decision="feasible", reason="Highways can do this."
    )
    return proposal


def ago(**kwargs: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(**kwargs)


def ahead(**kwargs: float) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(**kwargs)
