"""A round's budget fits what the ward's chest has left for its budget year; voting opens only
when a project on the ballot fits the budget. Each refusal says why, in numbers."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone

from budgets import services
from budgets.models import Phase, ProposalStatus, Round
from tests.budgets.conftest import make_proposal, make_round
from tests.conftest import login, make_user
from tests.threads import run_at_once
from wards.models import Membership, Neighbourhood, Role, Ward

# Budget year 2026/27 (April 2026 to March 2027), and the next one.
JUNE_2026 = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)
MAY_2027 = datetime.datetime(2027, 5, 1, 9, 0, tzinfo=datetime.UTC)
REFUSAL = (
    "The ward's chest for 2026/27 is £100,000; other rounds already hold £80,000, so this "
    "round can have at most £20,000."
)


def _held(ward: Ward, pence: int, **extra: Any) -> Round:
    return make_round(ward, Phase.PROPOSALS, budget_pence=pence, voting_start=JUNE_2026, **extra)


@pytest.mark.django_db
def test_a_new_round_gets_what_the_chest_has_left_and_no_more(
    sparkbrook: Ward, councillor_sam: Any
) -> None:
    _held(sparkbrook, 8_000_000)
    with pytest.raises(ValidationError) as refused:
        services.create_round(
            sparkbrook,
            by=councillor_sam,
            title="Too big",
            budget_pence=2_000_001,
            voting_start=JUNE_2026,
        )
    assert refused.value.message_dict == {"budget_pence": [REFUSAL]}
    fits = services.create_round(
        sparkbrook, by=councillor_sam, title="Fits", budget_pence=2_000_000, voting_start=JUNE_2026
    )
    assert fits.budget_pence == 2_000_000
    with pytest.raises(ValidationError, match="so nothing is left for this round"):
        services.create_round(
            sparkbrook, by=councillor_sam, title="More", budget_pence=100, voting_start=JUNE_2026
        )
    assert Round.objects.filter(ward=sparkbrook).count() == 2


@pytest.mark.django_db
def test_the_default_budget_is_what_is_left(sparkbrook: Ward, councillor_sam: Any) -> None:
    make_round(sparkbrook, Phase.PROPOSALS, budget_pence=3_000_000)  # this year, by creation
    round = services.create_round(sparkbrook, by=councillor_sam, title="The rest")
    assert round.budget_pence == 7_000_000


@pytest.mark.django_db
def test_neighbourhood_rounds_count_cancelled_rounds_and_other_years_and_wards_do_not(
    sparkbrook: Ward, aston: Ward, councillor_sam: Any
) -> None:
    hood = Neighbourhood.objects.get(ward=sparkbrook)
    _held(sparkbrook, 5_000_000, neighbourhood=hood)
    _held(sparkbrook, 3_000_000)
    _held(aston, 10_000_000)  # another ward's chest
    make_round(sparkbrook, Phase.PROPOSALS, budget_pence=10_000_000, voting_start=MAY_2027)
    gone = _held(sparkbrook, 9_000_000, title="Cancelled one")
    services.cancel_round(gone, by=councillor_sam, reason="Replaced")
    with pytest.raises(ValidationError, match="other rounds already hold £80,000"):
        services.create_round(
            sparkbrook, by=councillor_sam, title="x", budget_pence=2_500_000, voting_start=JUNE_2026
        )
    services.create_round(
        sparkbrook, by=councillor_sam, title="x", budget_pence=2_000_000, voting_start=JUNE_2026
    )


@pytest.mark.django_db
def test_changing_a_budget_or_its_year_is_checked_and_shrinking_always_allowed(
    sparkbrook: Ward, councillor_sam: Any
) -> None:
    _held(sparkbrook, 8_000_000)
    round = make_round(sparkbrook, Phase.DRAFT, budget_pence=2_000_000, voting_start=MAY_2027)
    next_year_full = make_round(
        sparkbrook, Phase.DRAFT, budget_pence=10_000_000, voting_start=MAY_2027
    )
    with pytest.raises(ValidationError) as refused:
        services.update_round(round, by=councillor_sam, budget_pence=2_000_001)
    assert "The ward's chest for 2027/28 is £100,000" in refused.value.messages[0]
    with pytest.raises(ValidationError, match="can have at most £20,000"):
        services.update_round(next_year_full, by=councillor_sam, voting_start=JUNE_2026)
    services.update_round(round, by=councillor_sam, voting_start=JUNE_2026)  # just fits
    # The chest was lowered after the rounds were set: a smaller budget is still accepted.
    Ward.objects.filter(pk=sparkbrook.pk).update(chest_pence=5_000_000)
    services.update_round(round, by=councillor_sam, budget_pence=1_000_000)
    with pytest.raises(ValidationError, match=r"is £50,000; .* so nothing is left"):
        services.update_round(round, by=councillor_sam, budget_pence=1_500_000)
    services.update_round(round, by=councillor_sam, title="Renamed")  # budget not touched
    assert Round.objects.get(pk=round.pk).budget_pence == 1_000_000


ROUND_POST = {
    "title": "Second round",
    "budget": "30000",
    "ballot_type": "knapsack",
    "rule": "greedy",
    "sat": "cost",
    "min_age": "16",
    "seal_batch_size": "25",
    "allow_postcode_voting": "on",
    "allow_code_voting": "on",
    "eligible_live": "on",
}


@pytest.mark.django_db
def test_the_form_starts_from_what_is_left_and_says_why_it_refuses(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    make_round(sparkbrook, Phase.PROPOSALS, budget_pence=8_000_000)  # this budget year
    login(client, councillor_sam)
    page = client.get("/rounds/new/sparkbrook/").text
    assert 'value="20000' in page and "other rounds already hold £80,000" in page
    refused = client.post("/rounds/new/sparkbrook/", ROUND_POST)
    assert refused.status_code == 200
    assert "so this round can have at most £20,000." in refused.text
    assert Round.objects.count() == 1
    ok = client.post("/rounds/new/sparkbrook/", {**ROUND_POST, "budget": "20000"})
    assert ok.status_code == 302 and Round.objects.count() == 2


@pytest.mark.django_db
def test_the_api_says_why_it_refuses(client: Client, sparkbrook: Ward, councillor_sam: Any) -> None:
    held = make_round(sparkbrook, Phase.PROPOSALS, budget_pence=8_000_000)
    login(client, councillor_sam)
    body = {"ward": "sparkbrook", "title": "Extra", "budget_pence": 3_000_000}
    created = client.post("/api/v1/rounds/", body, content_type="application/json")
    assert created.status_code == 400
    assert "so this round can have at most £20,000" in created.json()["reason"]
    assert "budget_pence" in created.json()["errors"]
    changed = client.patch(
        f"/api/v1/rounds/{held.pk}/", {"budget_pence": 10_000_001}, content_type="application/json"
    )
    assert changed.status_code == 400 and "at most £100,000" in changed.json()["reason"]


# --- voting needs a project that fits -----------------------------------------------------------


@pytest.mark.django_db
def test_voting_cannot_open_while_no_project_fits_the_budget(
    review_round: Round, councillor_sam: Any
) -> None:
    for cost in (3_000_000, 4_500_000):
        make_proposal(
            review_round, estimated_cost_pence=cost, cost_pence=cost, status=ProposalStatus.FEASIBLE
        )
    review_round = services.update_round(review_round, by=councillor_sam, budget_pence=2_000_000)
    problems = services.voting_blockers(review_round)
    assert (
        "No project on the ballot fits the budget: the cheapest costs £30,000, more than the "
        "round's budget of £20,000. Raise the budget or lower a cost in review." in problems
    )
    with pytest.raises(ValidationError, match="cheapest costs £30,000"):
        services.change_phase(review_round, Phase.VOTING, by=councillor_sam)
    review_round = services.update_round(review_round, by=councillor_sam, budget_pence=3_000_000)
    assert not any("fits the budget" in p for p in services.voting_blockers(review_round))


# --- two councillors at once, on PostgreSQL ------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_rounds_created_at_once_cannot_overspend_the_chest() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (set DATABASE_URL); SQLite serialises")
    ward = Ward.objects.create(name="Nechells", slug="nechells", chest_pence=10_000_000)
    people = []
    for name in ("nia", "noor", "ned", "nell"):
        user = make_user(name)
        Membership.objects.create(user=user, ward=ward, role=Role.COUNCILLOR)
        people.append(user)
    start = timezone.now() + datetime.timedelta(days=30)

    def create(by: Any) -> Callable[[], Round]:
        return lambda: services.create_round(
            ward, by=by, title=f"Round by {by.username}", budget_pence=6_000_000, voting_start=start
        )

    results = run_at_once([create(p) for p in people])
    made = [r for r in results if isinstance(r, Round)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(made) == 1 and len(refused) == 3, results
    assert all("can have at most £40,000" in e.messages[0] for e in refused)
    assert sum(Round.objects.filter(ward=ward).values_list("budget_pence", flat=True)) == 6_000_000
