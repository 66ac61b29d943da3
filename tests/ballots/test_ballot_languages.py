"""The ballot a resident reads is in their language: the page, its totals and its errors."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from ballots import services
from ballots.models import Ballot
from tests.ballots.conftest import make_voting_round, project_ids
from tests.conftest import DECLARED
from wards.models import Ward

pytestmark = pytest.mark.django_db


def _vote(round_pk: int) -> str:
    return f"/rounds/{round_pk}/vote/"


def test_the_ballot_is_in_urdu_right_to_left(client: Client, sparkbrook: Ward) -> None:
    round = make_voting_round(sparkbrook)
    page = client.get(_vote(round.pk), headers={"accept-language": "ur"}).content.decode()
    assert '<html lang="ur" dir="rtl">' in page
    assert f"<h1>ووٹ: {round.title}</h1>" in page
    assert '<legend class="label">بیلٹ پر منصوبے</legend>' in page
    assert ">اپنا ووٹ دیکھیں</button>" in page
    assert ">میرا کل دیکھیں</button>" in page
    # Money keeps its Western digits and pound sign in every language, set apart (<bdi>) from
    # the right-to-left words around it.
    assert "<bdi>£100,000</bdi> میں سے <bdi>£0</bdi> چنے گئے" in page


def test_without_accept_language_the_ballot_stays_in_english(
    client: Client, sparkbrook: Ward
) -> None:
    round = make_voting_round(sparkbrook)
    page = client.get(_vote(round.pk)).content.decode()
    assert f"<h1>Vote: {round.title}</h1>" in page
    assert ">Review my vote</button>" in page


def test_errors_on_the_ballot_are_in_the_voter_s_language(client: Client, sparkbrook: Ward) -> None:
    round = make_voting_round(sparkbrook)
    ids = project_ids(round)
    page = client.post(
        _vote(round.pk),
        {"step": "review", "projects": ids, "basis": "live", "age_confirmed": "1"},
        headers={"accept-language": "pl"},
    ).content.decode()
    assert '<html lang="pl" dir="ltr">' in page
    assert ">Wystąpił problem</h2>" in page
    assert "Wpisz kod do głosowania z listu." in page
    # Polish separators and sign placement (1 234,50 £), Western digits.
    assert re.search(
        r"Wybrane projekty kosztują \d{3}\xa0\d{3}\xa0£, więcej niż budżet 100\xa0000\xa0£\.", page
    )


def test_a_resident_casts_a_vote_in_bengali(client: Client, sparkbrook: Ward) -> None:
    round = make_voting_round(sparkbrook)
    ids = project_ids(round)
    (code,) = services.issue_codes(round, 1)
    form = {"projects": [ids[0]], "basis": "live", "age_confirmed": "1", "code": code}
    bengali = {"accept-language": "bn"}
    review = client.post(_vote(round.pk), {**form, "step": "review"}, headers=bengali)
    page = review.content.decode()
    assert "<h1>আপনার ভোট যাচাই করুন</h1>" in page
    token = re.search(r'name="cast_token" value="([^"]+)"', page)
    assert token is not None
    cast = client.post(
        _vote(round.pk),
        {**form, "step": "confirm", "cast_token": token.group(1)},
        headers=bengali,
        follow=True,
    )
    page = cast.content.decode()
    assert "<h1>আপনার ভোট দেওয়া হয়েছে</h1>" in page
    assert Ballot.objects.get().receipt in page


def test_the_receipt_pages_are_in_arabic(client: Client, sparkbrook: Ward) -> None:
    round = make_voting_round(sparkbrook)
    (code,) = services.issue_codes(round, 1)
    receipt = services.cast_ballot(
        round, [project_ids(round)[0]], code=code, declaration=DECLARED
    ).receipt
    arabic = {"accept-language": "ar"}
    page = client.get(f"/receipts/{receipt}", headers=arabic).content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert f'<h1>الإيصال <span class="receipt-code">{receipt}</span></h1>' in page
    assert "<strong>قيد الانتظار.</strong>" in page
    page = client.get("/receipts/", {"receipt": "nonsense"}, headers=arabic).content.decode()
    assert "<h1>تحقق من إيصالك</h1>" in page
    assert "لا تحتوي الإيصالات أبدًا على 0 أو 1 أو O أو I." in page


def test_the_results_page_frame_is_in_urdu(client: Client, sparkbrook: Ward) -> None:
    round = make_voting_round(sparkbrook, scale=1000)
    ids = project_ids(round)
    for code, pid in zip(services.issue_codes(round, 3), ids[:3], strict=True):
        services.cast_ballot(round, [pid], code=code, declaration=DECLARED)
    services.close_round(round)
    services.publish_round(round)
    page = client.get(f"/rounds/{round.pk}/results/", headers={"accept-language": "ur"})
    text = page.content.decode()
    assert '<html lang="ur" dir="rtl">' in text
    assert f"<h1>نتائج: {round.title}</h1>" in text
    assert "3 لوگوں نے ووٹ دیا: 3 آن لائن اور 0 کاغذ پر۔" in text
    assert "<h2>ہر منصوبہ کیوں جیتا یا ہارا</h2>" in text
    # The plain-words sentences too: why each project won or lost, and the money left over.
    assert "پیسہ ملا: 1 شخص نے اسے چنا اور یہ بچے ہوئے پیسے میں پورا آیا۔" in text
    assert "Funded: 1 person chose it" not in text
