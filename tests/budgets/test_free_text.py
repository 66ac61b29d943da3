"""Free text is cleaned alike by the page, the API and the services (wards.text): a title is one
line, whatever was typed or sent, so every round can be counted and published."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from budgets import services
from budgets.models import Proposal, Round
from tests.conftest import login
from wards.models import Ward

pytestmark = pytest.mark.django_db

DIRTY_TITLE = " Lights\non\u2028Ladypool\r\nRoad\u200b\u202e\t "
CLEAN_TITLE = "Lights on Ladypool Road"

PROPOSAL_POST = {
    "title": DIRTY_TITLE, "summary": "Brighter\r\nlamps",
    "description": "Six lamps.\r\nBy the gates.",
    "cost": "£12,500.50", "category": "Parks", "location": "Stratford\nRoad",
}  # fmt: skip


def test_the_page_stores_a_title_as_one_line(
    client: Client, resident_alice: Any, proposals_round: Round
) -> None:
    url = f"/rounds/{proposals_round.pk}/proposals/new/"
    response = login(client, resident_alice).post(url, PROPOSAL_POST)
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.title == CLEAN_TITLE and proposal.location == "Stratford Road"
    assert proposal.description == "Six lamps.\nBy the gates."


def test_the_api_stores_a_title_as_one_line(
    client: Client, resident_alice: Any, proposals_round: Round
) -> None:
    body = {"title": DIRTY_TITLE, "summary": "s", "description": "d\r\ne", "cost_pence": 800_000,
            "category": "Parks\u200b"}  # fmt: skip
    url = f"/api/v1/rounds/{proposals_round.pk}/proposals/"
    response = login(client, resident_alice).post(url, body, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["title"] == CLEAN_TITLE and response.json()["description"] == "d\ne"


@pytest.mark.parametrize("title", ["\u200b\u200b", "\n\u2028 ", "\u202e"])
def test_an_invisible_title_is_required_on_the_page_and_in_the_api(
    client: Client, resident_alice: Any, proposals_round: Round, title: str
) -> None:
    login(client, resident_alice)
    page = client.post(
        f"/rounds/{proposals_round.pk}/proposals/new/", {**PROPOSAL_POST, "title": title}
    )
    assert page.status_code == 200 and "This field is required." in page.content.decode()
    api = client.post(
        f"/api/v1/rounds/{proposals_round.pk}/proposals/",
        {"title": title, "summary": "s", "description": "d", "cost_pence": 800_000},
        content_type="application/json",
    )
    assert api.status_code == 400 and "title" in api.json()["errors"]
    assert not Proposal.objects.exists()


def test_the_services_clean_text_whoever_calls(
    resident_alice: Any, councillor_sam: Any, proposals_round: Round, sparkbrook: Ward
) -> None:
    proposal = services.submit_proposal(
        proposals_round, by=resident_alice, title=DIRTY_TITLE, summary="s", description="d",
        estimated_cost_pence=800_000, category="Parks",
    )  # fmt: skip
    assert proposal.title == CLEAN_TITLE
    edited = services.edit_proposal(proposal, by=resident_alice, title="Two\nlines")
    assert edited.title == "Two lines"
    round = services.create_round(
        sparkbrook, by=councillor_sam, title="Round\u2029two", description="a\r\nb",
        categories=["Parks\n", "Parks", "\u200b", "Young\u2028people"],
    )  # fmt: skip
    assert round.title == "Round two" and round.description == "a\nb"
    assert round.categories == ["Parks", "Young people"]
    updated = services.update_round(round, by=councillor_sam, title="Round\x0bthree")
    assert updated.title == "Round three"


def test_the_round_form_cleans_its_title_and_categories(
    client: Client, councillor_sam: Any, sparkbrook: Ward
) -> None:
    post = {
        "title": "Sparkbrook\n2027", "description": "", "neighbourhood": "", "budget": "40,000",
        "categories_text": "Parks\u200b\nStreets\u2028Lanes\n", "ballot_type": "knapsack",
        "rule": "greedy", "sat": "cost", "eligible_live": "on", "min_age": "16",
        "allow_postcode_voting": "on", "allow_code_voting": "on", "seal_batch_size": "25",
    }  # fmt: skip
    response = login(client, councillor_sam).post("/rounds/new/sparkbrook/", post)
    assert response.status_code == 302, response.content.decode()
    round = Round.objects.get()
    assert round.title == "Sparkbrook 2027"
    assert round.categories == ["Parks", "Streets", "Lanes"]
