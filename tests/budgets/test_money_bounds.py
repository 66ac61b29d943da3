"""Money typed or sent in any shape is a clear refusal, never a 500 (issue 11, finding 12).

`1e30` used to raise decimal.InvalidOperation inside the forms; amounts past a 64-bit column
overflowed the database. Every amount is now at most £1,000,000,000 (wards.money.MAX_PENCE), in
the model (constraint and validator), the forms and the API serializers alike.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from budgets.models import Proposal, Round
from tests.budgets.conftest import make_round
from tests.conftest import login
from wards.models import Ward
from wards.money import MAX_PENCE

pytestmark = pytest.mark.django_db

NOT_AN_AMOUNT = "Enter an amount in pounds, like 2500 or 2,500.50."
TOO_MUCH = "Enter an amount up to £1,000,000,000."
BAD_AMOUNTS = [
    ("1e30", NOT_AN_AMOUNT),
    ("1e400", NOT_AN_AMOUNT),
    ("-1", "not a negative number"),
    ("NaN", NOT_AN_AMOUNT),
    ("inf", NOT_AN_AMOUNT),
    ("=1+1", NOT_AN_AMOUNT),
    ("12345678901234567890", TOO_MUCH),
    ("1,000,000,000.01", TOO_MUCH),
]

PROPOSAL_POST = {
    "title": "Timebank hub", "summary": "A shop front.", "description": "Rent for a year.",
    "cost": "£1,000.50", "category": "Parks",
}  # fmt: skip

ROUND_POST = {
    "title": "Sparkbrook 2027", "description": "", "neighbourhood": "", "budget": "40,000",
    "categories_text": "Parks", "ballot_type": "knapsack", "rule": "greedy", "sat": "cost",
    "eligible_live": "on", "min_age": "16", "allow_postcode_voting": "on",
    "allow_code_voting": "on", "seal_batch_size": "25",
}  # fmt: skip


def _error_page(response: Any, message: str) -> None:
    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text and message in text.replace("&#x27;", "'")


@pytest.mark.parametrize(("cost", "message"), BAD_AMOUNTS)
def test_proposal_form_refuses_bad_costs(
    client: Client, resident_alice: Any, proposals_round: Round, cost: str, message: str
) -> None:
    response = login(client, resident_alice).post(
        f"/rounds/{proposals_round.pk}/proposals/new/", {**PROPOSAL_POST, "cost": cost}
    )
    _error_page(response, message)
    assert not Proposal.objects.exists()


def test_proposal_form_takes_pounds_with_a_sign_and_commas(
    client: Client, resident_alice: Any, proposals_round: Round
) -> None:
    url = f"/rounds/{proposals_round.pk}/proposals/new/"
    assert login(client, resident_alice).post(url, PROPOSAL_POST).status_code == 302
    assert Proposal.objects.get().estimated_cost_pence == 100_050


@pytest.mark.parametrize(("budget", "message"), BAD_AMOUNTS)
def test_round_form_refuses_bad_budgets(
    client: Client, councillor_sam: Any, sparkbrook: Ward, budget: str, message: str
) -> None:
    response = login(client, councillor_sam).post(
        "/rounds/new/sparkbrook/", {**ROUND_POST, "budget": budget}
    )
    _error_page(response, message)
    assert not Round.objects.exists()


def test_round_form_takes_the_largest_budget(
    client: Client, councillor_sam: Any, sparkbrook: Ward
) -> None:
    # A round's budget is bounded by its ward's chest too: give the ward the largest one.
    Ward.objects.filter(pk=sparkbrook.pk).update(chest_pence=MAX_PENCE)
    response = login(client, councillor_sam).post(
        "/rounds/new/sparkbrook/", {**ROUND_POST, "budget": "£1,000,000,000"}
    )
    assert response.status_code == 302
    assert Round.objects.get().budget_pence == MAX_PENCE


@pytest.mark.parametrize(("cost", "message"), BAD_AMOUNTS)
def test_review_form_refuses_bad_new_costs(
    client: Client, councillor_sam: Any, submitted_in_review: Proposal, cost: str, message: str
) -> None:
    response = login(client, councillor_sam).post(
        f"/proposals/{submitted_in_review.pk}/review/",
        {"decision": "feasible_changed_cost", "new_cost": cost, "reason": "Quote"},
    )
    _error_page(response, message)
    assert not submitted_in_review.reviews.exists()


def _post_raw(client: Client, url: str, text: str) -> Any:
    """JSON as a client could send it: 1e400 is valid JSON, and Python reads it as infinity."""
    return client.post(url, data=text, content_type="application/json")


@pytest.mark.parametrize("amount", ["1e30", "1e400", "100000000001", "123456789012345678901234"])
def test_api_refuses_bad_amounts_with_a_reason(
    client: Client,
    resident_alice: Any,
    councillor_sam: Any,
    proposals_round: Round,
    submitted_in_review: Proposal,
    amount: str,
) -> None:
    login(client, resident_alice)
    proposal = _post_raw(
        client,
        f"/api/v1/rounds/{proposals_round.pk}/proposals/",
        '{"title": "t", "summary": "s", "description": "d", "category": "Parks",'
        f' "cost_pence": {amount}}}',
    )
    assert proposal.status_code == 400 and "pence" in proposal.json()["reason"]
    login(client, councillor_sam)
    round = _post_raw(
        client,
        "/api/v1/rounds/",
        f'{{"ward": "sparkbrook", "title": "t", "budget_pence": {amount}}}',
    )
    assert round.status_code == 400 and "pence" in round.json()["reason"]
    changed = client.patch(
        f"/api/v1/rounds/{proposals_round.pk}/",
        data=f'{{"budget_pence": {amount}}}',
        content_type="application/json",
    )
    assert changed.status_code == 400 and "pence" in changed.json()["reason"]
    review = _post_raw(
        client,
        f"/api/v1/proposals/{submitted_in_review.pk}/review/",
        f'{{"decision": "feasible_changed_cost", "reason": "q", "new_cost_pence": {amount}}}',
    )
    assert review.status_code == 400 and "pence" in review.json()["reason"]


def test_the_database_and_the_model_refuse_amounts_past_the_bound(sparkbrook: Ward) -> None:
    with pytest.raises(ValidationError) as refused:
        Round(ward=sparkbrook, title="t", budget_pence=MAX_PENCE + 1).full_clean()
    assert refused.value.message_dict["budget_pence"] == [TOO_MUCH]
    with pytest.raises(IntegrityError), transaction.atomic():
        make_round(sparkbrook, budget_pence=MAX_PENCE + 1)
    round = make_round(sparkbrook)
    with pytest.raises(IntegrityError), transaction.atomic():
        Proposal.objects.create(
            round=round, title="t", summary="s", description="d",
            estimated_cost_pence=MAX_PENCE + 1, cost_pence=100,
        )  # fmt: skip
    sparkbrook.chest_pence = MAX_PENCE + 1
    with pytest.raises(IntegrityError), transaction.atomic():
        sparkbrook.save()
