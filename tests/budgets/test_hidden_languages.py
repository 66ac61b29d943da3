"""A hidden proposal's or comment's notice is written in the reader's language when a page is
drawn; what is stored is in no language (an empty summary), and the councillor's reason is shown
as they typed it."""

from __future__ import annotations

import html
from typing import Any

import pytest
from django.test import Client

from budgets import services
from budgets.models import Phase, Proposal, Round
from tests.budgets.conftest import make_feasible, make_proposal, make_round
from wards.models import Ward

pytestmark = pytest.mark.django_db

REASON = "Insulting words."
NOTICE = {
    "en-gb": "Hidden by the ward's councillors: Insulting words.",
    "pl": "Ukryte przez radnych okręgu: Insulting words.",
    "ur": "وارڈ کے کونسلرز نے چھپا دیا: Insulting words.",
}
ENGLISH = "Hidden by the ward's councillors"


@pytest.fixture
def voting(sparkbrook: Ward) -> Round:
    return make_round(sparkbrook, Phase.VOTING)


@pytest.fixture
def hidden(voting: Round, resident_alice: Any, councillor_sam: Any) -> Proposal:
    proposal = make_feasible(make_proposal(voting, resident_alice))
    services.hide_proposal(proposal, by=councillor_sam, reason=REASON)
    proposal.refresh_from_db()
    return proposal


def pages(proposal: Proposal) -> list[str]:
    return [
        f"/proposals/{proposal.pk}/",
        f"/rounds/{proposal.round_id}/proposals/",
        f"/rounds/{proposal.round_id}/vote/",
    ]


def read(client: Client, url: str, language: str) -> str:
    client.cookies["django_language"] = language
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


@pytest.mark.parametrize("language", ["pl", "ur", "en-gb"])
def test_a_hidden_proposal_says_so_in_the_readers_language(
    client: Client, hidden: Proposal, language: str
) -> None:
    assert hidden.summary == "" and hidden.description == ""  # nothing stored in English
    for url in pages(hidden):
        page = read(client, url, language)
        assert NOTICE[language] in page, url
        assert "Brighter street lights" not in page, url
        if language != "en-gb":
            assert ENGLISH not in page, url


def test_the_api_gives_the_notice_in_the_language_asked_for(
    client: Client, hidden: Proposal
) -> None:
    api = client.get(f"/api/v1/proposals/{hidden.pk}/", HTTP_ACCEPT_LANGUAGE="pl").json()
    assert api["summary"] == api["description"] == "Ukryte przez radnych okręgu: Insulting words."
    assert "Six LED lamps" not in str(api)


def test_a_proposal_hidden_before_the_change_is_shown_in_the_readers_language_too(
    client: Client, hidden: Proposal
) -> None:
    # Hidings before this stored the notice in English in the summary; no migration rewrites them.
    stored = f"Hidden by the ward's councillors: {REASON}"
    Proposal.objects.filter(pk=hidden.pk).update(summary=stored, description=stored)
    for url in pages(hidden):
        page = read(client, url, "pl")
        assert NOTICE["pl"] in page and ENGLISH not in page, url


def test_a_summary_that_only_looks_like_a_notice_is_the_proposers_own_words(
    client: Client, voting: Round, resident_alice: Any
) -> None:
    words = "Hidden by the ward's councillors: nothing, this is my summary."
    proposal = make_proposal(voting, resident_alice, summary=words)
    page = read(client, f"/rounds/{voting.pk}/proposals/", "pl")
    assert words in page
    assert proposal.shown_summary == words


def test_a_hidden_comment_says_so_in_the_readers_language(
    client: Client, voting: Round, resident_alice: Any, councillor_sam: Any
) -> None:
    proposal = make_proposal(voting, resident_alice)
    comment = services.post_comment(proposal, by=resident_alice, body="Rude words here.")
    services.hide_comment(comment, by=councillor_sam, reason=REASON)
    for language in ("pl", "ur"):
        page = read(client, f"/proposals/{proposal.pk}/", language)
        assert NOTICE[language] in page and "Rude words here." not in page
