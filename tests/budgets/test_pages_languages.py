"""The proposal, discussion, support and pledge pages in the reader's language: Urdu (right to
left) and Polish, with their forms' labels, refusals and errors translated too."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from budgets import services
from budgets.models import Phase, Proposal, Round
from tests.budgets.conftest import make_proposal
from tests.budgets.test_support import feasible, resident, support_round
from tests.conftest import login
from wards.models import Ward

pytestmark = pytest.mark.django_db

HTML = {"ur": '<html lang="ur" dir="rtl">', "pl": '<html lang="pl" dir="ltr">'}


def _get(client: Client, url: str, lang: str) -> str:
    response = client.get(url, headers={"accept-language": lang})
    assert response.status_code == 200
    page = response.content.decode()
    assert HTML[lang] in page
    return page


def _post(client: Client, url: str, data: dict[str, Any], lang: str, **kw: Any) -> str:
    response = client.post(url, data, headers={"accept-language": lang}, **kw)
    page = response.content.decode()
    assert HTML[lang] in page
    return page


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("ur", ["تجاویز چھانٹیں", "لاگو کریں", "نیا پہلے", "تمام زمرے", "1 تجویز"]),
        (
            "pl",
            ["Filtruj propozycje", "Zastosuj", "Od najnowszych", "Sortuj według", "1 propozycja"],
        ),
    ],
)
def test_the_proposal_list_is_in_the_readers_language(
    client: Client, alices_proposal: Proposal, lang: str, words: list[str]
) -> None:
    page = _get(client, f"/rounds/{alices_proposal.round_id}/proposals/", lang)
    for word in words:
        assert word in page, word
    assert "Filter proposals" not in page and "Newest first" not in page
    assert alices_proposal.title in page  # a proposal stays as it was written


@pytest.mark.parametrize(
    ("lang", "words", "error"),
    [
        (
            "ur",
            ["عنوان", "خلاصہ", "پاؤنڈ میں اندازاً لاگت", "(اختیاری)", "ایک مسئلہ ہے"],
            "پاؤنڈ میں رقم لکھیں",
        ),
        (
            "pl",
            ["Tytuł", "Streszczenie", "Szacowany koszt w funtach", "(nieobowiązkowe)"],
            "Wpisz kwotę w funtach",
        ),
    ],
)
def test_a_proposal_form_error_comes_back_translated(
    client: Client,
    proposals_round: Round,
    resident_alice: Any,
    lang: str,
    words: list[str],
    error: str,
) -> None:
    login(client, resident_alice)
    _get(client, f"/rounds/{proposals_round.pk}/proposals/new/", lang)
    data = {"title": "Benches", "summary": "Two benches.", "description": "By the pool."}
    url = f"/rounds/{proposals_round.pk}/proposals/new/"
    page = _post(client, url, {**data, "cost": "lots"}, lang)
    for word in words:
        assert word in page, word
    assert error in page
    assert "There is a problem" not in page and "Enter an amount" not in page
    assert "Benches" in page  # nothing typed is lost


@pytest.mark.parametrize(
    ("lang", "heading", "error"),
    [
        ("ur", "”%(title)s“ کے لیے مدد کا وعدہ کریں", "کچھ گھنٹوں کا وعدہ کریں"),
        ("pl", "Obiecaj pomoc dla „%(title)s”", "Obiecaj kilka godzin albo napisz"),
    ],
)
def test_the_pledge_page_and_its_refusal_are_translated(
    client: Client,
    alices_proposal: Proposal,
    resident_alice: Any,
    lang: str,
    heading: str,
    error: str,
) -> None:
    login(client, resident_alice)
    url = f"/proposals/{alices_proposal.pk}/pledge/"
    page = _get(client, url, lang)
    assert heading % {"title": alices_proposal.title} in page
    page = _post(client, url, {"hours": "", "in_kind": ""}, lang)
    assert error in page and "Pledge some hours" not in page


@pytest.mark.parametrize(
    ("lang", "words", "already"),
    [
        (
            "ur",
            ["وارڈ کے کونسلرز کو اسے کیوں دیکھنا چاہیے؟", "اسپیم یا اشتہار", "شکایت بھیجیں"],
            "آپ یہ شکایت پہلے ہی کر چکے ہیں",
        ),
        (
            "pl",
            ["Dlaczego radni okręgu powinni się temu przyjrzeć?", "Spam lub reklama"],
            "To już zostało przez ciebie zgłoszone",
        ),
    ],
)
def test_the_report_form_and_a_second_report_are_translated(
    client: Client,
    alices_proposal: Proposal,
    resident_alice: Any,
    lang: str,
    words: list[str],
    already: str,
) -> None:
    login(client, resident_alice)
    url = f"/proposals/{alices_proposal.pk}/report/"
    page = _get(client, url, lang)
    for word in words:
        assert word in page, word
    _post(client, url, {"reason": "spam"}, lang, follow=True)
    page = _post(client, url, {"reason": "spam"}, lang, follow=True)
    assert already in page and "You have already reported" not in page


@pytest.mark.parametrize(
    ("lang", "label", "done"),
    [
        ("ur", "آپ کا تبصرہ", "آپ کا تبصرہ شائع ہو گیا۔"),
        ("pl", "Twój komentarz", "Komentarz jest dodany."),
    ],
)
def test_the_comment_form_and_its_confirmation_are_translated(
    client: Client, alices_proposal: Proposal, resident_alice: Any, lang: str, label: str, done: str
) -> None:
    login(client, resident_alice)
    url = f"/proposals/{alices_proposal.pk}/comments/new/"
    assert label in _get(client, url, lang)
    page = _post(client, url, {"body": "Yes please"}, lang, follow=True)
    assert done in page and "Your comment is posted." not in page


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        (
            "ur",
            [
                "<strong>2 رہائشی</strong> اس تجویز کی حمایت کرتے ہیں۔",
                "مختصر فہرست میں نہیں: 2 حمایتیں کم رہیں۔",
            ],
        ),
        (
            "pl",
            [
                "<strong>2 mieszkańców</strong> popiera tę propozycję.",
                "Nie na krótkiej liście: zabrakło 2 poparć.",
            ],
        ),
    ],
)
def test_support_counts_and_the_shortlist_miss_are_translated(
    client: Client, sparkbrook: Ward, councillor_sam: Any, lang: str, words: list[str]
) -> None:
    round = support_round(sparkbrook, shortlist_top=1)
    a, b = feasible(round, "A"), feasible(round, "B")
    services.support_proposal(a, by=resident(sparkbrook, "r1"))
    services.support_proposal(a, by=resident(sparkbrook, "r2"))
    shown = _get(client, f"/proposals/{a.pk}/", lang)
    assert words[0] in shown
    services.change_phase(round, Phase.VOTING, by=councillor_sam)
    missed = _get(client, f"/proposals/{b.pk}/", lang)
    assert words[1] in missed and "missed the shortlist" not in missed


def test_a_proposals_refusal_follows_the_language(
    client: Client, sparkbrook: Ward, resident_alice: Any
) -> None:
    """The round has stopped taking proposals: the proposal form says so in Polish."""
    round = support_round(sparkbrook, phase=Phase.REVIEW)
    make_proposal(round)
    login(client, resident_alice)
    page = _get(client, f"/rounds/{round.pk}/proposals/new/", "pl")
    assert "Ta edycja nie przyjmuje już propozycji" in page
