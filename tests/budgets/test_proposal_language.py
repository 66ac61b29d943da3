"""A proposal stays in the language it was written in, and its page says which."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import translation

from budgets import services
from budgets.models import Proposal, Round
from tests.budgets.conftest import make_proposal
from tests.conftest import login

pytestmark = pytest.mark.django_db

POST = {
    "title": "Lampy na Ladypool Road",
    "summary": "Jaśniejsze latarnie przy parku.",
    "description": "Sześć lamp LED między bramą parku a przystankiem.",
    "cost": "12,500",
    "category": "Parks",
    "location": "Ladypool Road",
}


def test_a_proposal_takes_the_proposers_page_language(
    client: Client, resident_alice: Any, proposals_round: Round
) -> None:
    login(client, resident_alice)
    client.post("/i18n/setlang/", {"language": "pl", "next": "/"})
    answer = client.post(f"/rounds/{proposals_round.pk}/proposals/new/", POST)
    assert answer.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.language == "pl"
    # In Polish, the page has nothing to say about it.
    page = client.get(answer["Location"]).content.decode()
    assert "Napisano w języku" not in page
    assert "<h1>Lampy na Ladypool Road</h1>" in page


def test_its_page_in_another_language_says_which_and_marks_the_text(
    client: Client, proposals_round: Round, resident_alice: Any
) -> None:
    proposal = make_proposal(proposals_round, resident_alice, title="روشنی", language="ur")
    page = client.get(f"/proposals/{proposal.pk}/").content.decode()
    assert '<p class="language-written">Written in Urdu</p>' in page
    assert '<h1 lang="ur" dir="rtl">روشنی</h1>' in page
    assert f'<p class="lead" lang="ur" dir="rtl">{proposal.summary}</p>' in page
    # An Urdu reader sees it with no note.
    urdu = client.get(f"/proposals/{proposal.pk}/", headers={"accept-language": "ur"})
    assert "language-written" not in urdu.content.decode()
    # A Polish reader is told in Polish.
    polish = client.get(f"/proposals/{proposal.pk}/", headers={"accept-language": "pl"})
    assert "Napisano w języku: urdu" in polish.content.decode()


def test_english_proposals_say_nothing_on_english_pages(
    client: Client, alices_proposal: Proposal
) -> None:
    assert alices_proposal.language == "en-gb"
    page = client.get(f"/proposals/{alices_proposal.pk}/").content.decode()
    assert "Written in" not in page
    assert f"<h1>{alices_proposal.title}</h1>" in page


def test_the_service_takes_a_language_and_refuses_one_not_offered(
    proposals_round: Round, resident_alice: Any
) -> None:
    fields: dict[str, Any] = {
        "title": "Benches",
        "summary": "Two benches.",
        "description": "By the pond.",
        "estimated_cost_pence": 100_000,
        "category": "Parks",
    }
    with translation.override("bn"):
        made = services.submit_proposal(proposals_round, by=resident_alice, **fields)
    assert made.language == "bn"
    chosen = services.submit_proposal(
        proposals_round, by=resident_alice, language="ar-EG", **fields
    )
    assert chosen.language == "ar"
    with pytest.raises(ValidationError, match="languages the site offers"):
        services.submit_proposal(proposals_round, by=resident_alice, language="fr", **fields)
    assert Proposal.objects.count() == 2
