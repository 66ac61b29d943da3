"""One home for each rule: the £1 minimum, the review dispatch, the round page's flags."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from budgets import hooks
from budgets.forms import ProposalForm
from budgets.models import (
    MIN_COST_PENCE,
    PHASE_ORDER,
    Phase,
    Proposal,
    ProposalStatus,
    Review,
    ReviewDecision,
    Round,
)
from budgets.serializers import ProposalCreateSerializer, ReviewRequestSerializer
from tests.budgets.conftest import make_proposal, make_round
from tests.conftest import login
from wards.models import Ward

ROOT = Path(__file__).resolve().parents[2]


# --- the minimum cost: one constant, the database, clean(), the form and the API ------------


def test_the_database_refuses_a_proposal_under_one_pound(proposals_round: Round) -> None:
    assert MIN_COST_PENCE == Proposal.MIN_COST_PENCE == 100
    for field in ("cost_pence", "estimated_cost_pence"):
        with pytest.raises(IntegrityError, match="at_least_min"), transaction.atomic():
            make_proposal(proposals_round, **{field: 99})


def test_proposal_and_review_clean_refuse_under_one_pound(proposals_round: Round) -> None:
    proposal = Proposal(
        round=proposals_round,
        title="t",
        summary="s",
        description="d",
        estimated_cost_pence=50,
        cost_pence=50,
    )
    with pytest.raises(ValidationError) as caught:
        proposal.full_clean()
    assert caught.value.message_dict["estimated_cost_pence"] == ["The cost must be at least £1."]
    review = Review(
        proposal=make_proposal(proposals_round),
        decision=ReviewDecision.FEASIBLE_CHANGED_COST,
        reason="cheaper",
        new_cost_pence=99,
    )
    with pytest.raises(ValidationError) as caught:
        review.full_clean()
    assert caught.value.message_dict["new_cost_pence"] == ["The cost must be at least £1."]


def test_the_database_refuses_a_review_at_a_new_cost_under_one_pound(
    submitted_in_review: Proposal,
) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            proposal=submitted_in_review,
            decision=ReviewDecision.FEASIBLE_CHANGED_COST,
            reason="cheaper",
            new_cost_pence=99,
        )


def test_form_and_api_refuse_99p_with_the_same_words(proposals_round: Round) -> None:
    form = ProposalForm(
        {"title": "t", "summary": "s", "description": "d", "cost": "0.99"}, round=proposals_round
    )
    assert form.errors["cost"] == ["The cost must be at least £1."]
    api = ProposalCreateSerializer(
        data={"title": "t", "summary": "s", "description": "d", "cost_pence": 99}
    )
    assert not api.is_valid()
    assert api.errors["cost_pence"] == ["The cost must be at least £1."]
    review = ReviewRequestSerializer(
        data={"decision": "feasible_changed_cost", "reason": "r", "new_cost_pence": 99}
    )
    assert not review.is_valid()
    assert review.errors["new_cost_pence"] == ["The cost must be at least £1."]


# --- one decide_review for the page and the API --------------------------------------------


REVIEWS = [
    ({"decision": "feasible", "reason": "Fine"}, ProposalStatus.FEASIBLE, 500_000),
    (
        {"decision": "feasible_changed_cost", "reason": "Cheaper", "new_cost": 120_000},
        ProposalStatus.FEASIBLE,
        120_000,
    ),
    ({"decision": "not_feasible", "reason": "Not council land"}, ProposalStatus.NOT_FEASIBLE, 0),
    ({"decision": "merged", "reason": "Same idea", "merged_into": "other"}, "merged", 0),
]


@pytest.mark.parametrize(("decision", "status", "cost"), REVIEWS)
def test_the_page_and_the_api_review_alike(
    review_round: Round,
    resident_alice: Any,
    councillor_sam: Any,
    decision: dict[str, Any],
    status: str,
    cost: int,
) -> None:
    outcomes = []
    for channel in ("page", "api"):
        proposal = make_proposal(review_round, resident_alice, estimated_cost_pence=500_000)
        other = make_proposal(review_round, resident_alice, title=f"Other {channel}")
        client = login(Client(), councillor_sam)
        data = dict(decision)
        if data.get("merged_into") == "other":
            data["merged_into"] = other.pk
        if channel == "page":
            if "new_cost" in data:
                data["new_cost"] = f"{data['new_cost'] / 100:.2f}"
            response = client.post(f"/proposals/{proposal.pk}/review/", data)
            assert response.status_code == 302, response.content
        else:
            if "new_cost" in data:
                data["new_cost_pence"] = data.pop("new_cost")
            response = client.post(
                f"/api/v1/proposals/{proposal.pk}/review/", data, content_type="application/json"
            )
            assert response.status_code == 200, response.json()
        proposal.refresh_from_db()
        review = proposal.reviews.get()
        outcomes.append(
            (
                proposal.status,
                proposal.cost_pence if cost else None,
                review.decision,
                review.reason,
                proposal.merged_into_id == other.pk,
            )
        )
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0] == status
    if cost:
        assert outcomes[0][1] == cost


def test_the_page_and_the_api_refuse_a_review_outside_the_review_phase_alike(
    proposals_round: Round, resident_alice: Any, councillor_sam: Any
) -> None:
    proposal = make_proposal(proposals_round, resident_alice)
    client = login(Client(), councillor_sam)
    page = client.post(
        f"/proposals/{proposal.pk}/review/", {"decision": "feasible", "reason": "Fine"}
    )
    api = client.post(
        f"/api/v1/proposals/{proposal.pk}/review/",
        {"decision": "feasible", "reason": "Fine"},
        content_type="application/json",
    )
    assert page.status_code == 302  # back to the proposal, with the reason as a message
    assert api.status_code == 400
    assert "once the review phase starts" in api.json()["reason"]
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.SUBMITTED and not proposal.reviews.exists()


# --- the round page: flags from services, turnout through a hook ---------------------------


@pytest.fixture
def counter() -> Iterator[None]:
    previous = hooks.get_turnout()
    hooks.register_turnout(lambda round: 7)
    yield
    if previous is None:
        hooks.unregister_turnout()
    else:
        hooks.register_turnout(previous)


def test_the_round_page_shows_turnout_from_the_registered_counter(
    client: Client, round_in_voting: Round, counter: None
) -> None:
    html = client.get(f"/rounds/{round_in_voting.pk}/").text
    assert "7 people have voted so far" in html


def test_without_a_counter_the_round_page_leaves_turnout_out(
    client: Client, round_in_voting: Round
) -> None:
    previous = hooks.get_turnout()
    hooks.unregister_turnout()
    try:
        html = client.get(f"/rounds/{round_in_voting.pk}/").text
    finally:
        if previous is not None:
            hooks.register_turnout(previous)
    assert "Vote now" in html and "voted so far" not in html


@pytest.mark.parametrize("phase", PHASE_ORDER)
def test_the_round_page_shows_each_phase_as_before(
    client: Client, sparkbrook: Ward, councillor_sam: Any, phase: str
) -> None:
    round = make_round(sparkbrook, phase)
    html = login(client, councillor_sam).get(f"/rounds/{round.pk}/").text
    assert str(Phase(phase).label) in html
    assert ("Change the round's settings" in html) is (phase not in ("closed", "published"))
    assert ("Open the voting desk" in html) is (phase in ("review", "voting", "closed"))
    assert ("This round's audit trail" in html) is (phase != "draft")
    assert ("See the results" in html) is (phase == "published")


def test_budgets_templates_compare_no_phase_or_status_with_a_literal() -> None:
    literal = re.compile(r"\.(phase|status|ballot_type)\s*[!=]=")
    for path in (ROOT / "templates" / "budgets").glob("*.html"):
        assert not literal.search(path.read_text()), path.name
    assert "voters" not in (ROOT / "templates/budgets/round_detail.html").read_text()


# --- structure ----------------------------------------------------------------------------


def test_services_modules_are_small_and_import_paths_stay() -> None:
    for path in (ROOT / "budgets" / "services").glob("*.py"):
        assert len(path.read_text().splitlines()) < 400, path.name
    from budgets.services import advance_due_rounds, enter_result_phase  # noqa: F401


def test_wards_never_imports_budgets() -> None:
    for path in (ROOT / "wards").rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"^\s*(from|import) budgets", text, re.M), path
        assert 'getattr(ward, "rounds"' not in text, path
