"""Proposals' own words carry the language they were written in wherever a resident reads them
beside the page's words (the proposal list, the ballot, the review step, the report form), so a
screen reader switches voice and Urdu or Arabic runs right to left on an English page; a hidden
proposal's notice is in the page's language and is not marked."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from budgets import services
from budgets.models import Phase, Round
from tests.budgets.conftest import make_feasible, make_proposal, make_round
from wards.models import Ward

pytestmark = pytest.mark.django_db


@pytest.fixture
def voting(sparkbrook: Ward) -> Round:
    return make_round(sparkbrook, Phase.VOTING)


def test_an_urdu_proposal_is_marked_on_english_list_and_ballot_pages(
    client: Client, voting: Round, resident_alice: Any
) -> None:
    words = {"title": "روشنی", "summary": "پارک میں روشنی", "language": "ur"}
    urdu = make_feasible(make_proposal(voting, resident_alice, **words))
    english = make_feasible(make_proposal(voting, resident_alice, title="Benches"))
    listing = client.get(f"/rounds/{voting.pk}/proposals/").content.decode()
    assert f'<a href="/proposals/{urdu.pk}/" lang="ur" dir="rtl">روشنی</a>' in listing
    assert '<p lang="ur" dir="rtl">پارک میں روشنی</p>' in listing
    assert f'<a href="/proposals/{english.pk}/">Benches</a>' in listing
    ballot = client.get(f"/rounds/{voting.pk}/vote/").content.decode()
    assert '<strong lang="ur" dir="rtl">روشنی</strong>' in ballot
    assert '<span lang="ur" dir="rtl">پارک میں روشنی</span>' in ballot
    assert "<strong>Benches</strong>" in ballot
    # On an Urdu page the Urdu proposal needs no mark, and the English one gets one.
    in_urdu = client.get(f"/rounds/{voting.pk}/vote/", headers={"accept-language": "ur"})
    page = in_urdu.content.decode()
    assert "<strong>روشنی</strong>" in page
    assert '<strong lang="en-gb" dir="ltr">Benches</strong>' in page


def test_a_hidden_proposals_notice_is_not_marked_as_the_proposals_language(
    client: Client, voting: Round, resident_alice: Any, councillor_sam: Any
) -> None:
    proposal = make_feasible(make_proposal(voting, resident_alice, title="Lampy", language="pl"))
    services.hide_proposal(proposal, by=councillor_sam, reason="Insulting words.")
    listing = client.get(f"/rounds/{voting.pk}/proposals/").content.decode()
    assert "<p>Hidden by the ward&#x27;s councillors: Insulting words.</p>" in listing
    assert 'lang="pl" dir="ltr">Lampy</a>' in listing  # the title is still the proposer's
