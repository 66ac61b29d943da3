"""Councillors' pages in their language: the round settings form (its plain words, labels and
errors), cancelling, polling places, the ward's team and postcodes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from budgets.models import Round
from tests.budgets.test_views import ROUND_POST
from tests.conftest import login
from wards.models import Ward

pytestmark = pytest.mark.django_db

SETTINGS = {
    "ur": (
        '<html lang="ur" dir="rtl">',
        "راؤنڈ کے بارے میں",  # About the round
        "لوگ ووٹ کیسے دیتے ہیں؟",  # How do people vote?
        "برابر حصے (تجویز کردہ)",  # Equal Shares (recommended)
        "اعلیٰ ترتیبات",  # Advanced settings
        "ایک شخص کو ایک ووٹ کیسے ملتا ہے",
    ),
    "pl": (
        '<html lang="pl" dir="ltr">',
        "O rundzie",
        "Jak ludzie głosują?",
        "Równe Udziały (zalecane)",
        "Ustawienia zaawansowane",
        "Jak jedna osoba ma jeden głos",
    ),
}


@pytest.mark.parametrize("language", sorted(SETTINGS))
def test_the_round_settings_form_is_in_the_councillor_s_language(
    client: Client, councillor_sam: Any, sparkbrook: Ward, draft_round: Round, language: str
) -> None:
    login(client, councillor_sam)
    for url in ("/rounds/new/sparkbrook/", f"/rounds/{draft_round.pk}/edit/"):
        page = client.get(url, headers={"accept-language": language}).content.decode()
        for words in SETTINGS[language]:
            assert words in page, (url, words)
        assert "About the round" not in page
        assert "How do people vote?" not in page
        # The codes stay what the database and the API use.
        assert 'value="mes-add1"' in page


@pytest.mark.parametrize(
    ("language", "message"),
    [("ur", "بجٹ £0 سے زیادہ ہونا چاہیے۔"), ("pl", "Budżet musi być większy niż 0\xa0£.")],
)
def test_a_round_settings_error_comes_back_translated(
    client: Client, councillor_sam: Any, sparkbrook: Ward, language: str, message: str
) -> None:
    login(client, councillor_sam)
    data = {**ROUND_POST, "budget": "0"}
    headers = {"accept-language": language}
    page = client.post("/rounds/new/sparkbrook/", data, headers=headers).content.decode()
    assert message in page
    assert "The budget must be more than £0." not in page


def test_cancelling_a_round_is_explained_and_refused_in_arabic(
    client: Client, councillor_sam: Any, draft_round: Round
) -> None:
    login(client, councillor_sam)
    url = f"/rounds/{draft_round.pk}/cancel/"
    page = client.get(url, headers={"accept-language": "ar"}).content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "السبب العلني للإلغاء" in page
    refused = client.post(
        url, {"action": "cancel", "reason": "A mistake"}, headers={"accept-language": "ar"}
    ).content.decode()
    assert "ضع علامة في المربع لتأكيد أن الجولة يجب أن تُلغى." in refused


def test_polling_places_page_and_its_errors_in_punjabi(
    client: Client, councillor_sam: Any, draft_round: Round
) -> None:
    login(client, councillor_sam)
    url = f"/rounds/{draft_round.pk}/places/"
    page = client.get(url, headers={"accept-language": "pa"}).content.decode()
    assert "ਪੋਲਿੰਗ ਥਾਵਾਂ ਅਤੇ ਹੈਲਪ ਡੈਸਕ" in page
    assert "ਇੱਕ ਪੋਲਿੰਗ ਥਾਂ ਜੋੜੋ" in page
    refused = client.post(
        url, {"action": "add", "name": ""}, headers={"accept-language": "pa"}
    ).content.decode()
    assert "ਇੱਕ ਸਮੱਸਿਆ ਹੈ" in refused


def test_the_ward_s_team_and_postcode_pages_are_in_urdu(
    client: Client, councillor_sam: Any, sparkbrook: Ward
) -> None:
    login(client, councillor_sam)
    team = client.get("/wards/sparkbrook/team/", headers={"accept-language": "ur"})
    assert "وارڈ کی ٹیم" in team.content.decode()
    assert "کلرک شامل کریں: ان کے اکاؤنٹ کا یوزر نیم" in team.content.decode()
    postcodes = client.get("/wards/sparkbrook/postcodes/", headers={"accept-language": "ur"})
    assert "پوسٹ کوڈ کی فہرست اپ لوڈ کریں" in postcodes.content.decode()


def test_a_postcode_upload_names_each_bad_line_in_polish(
    client: Client, councillor_sam: Any, sparkbrook: Ward
) -> None:
    login(client, councillor_sam)
    upload = SimpleUploadedFile("p.csv", b"postcode\nB11 1AA\nnot a postcode\n", "text/csv")
    page = client.post(
        "/wards/sparkbrook/postcodes/", {"postcodes_csv": upload}, headers={"accept-language": "pl"}
    ).content.decode()
    assert "Nic nie zaimportowano. Popraw te wiersze: wiersz 3:" in page
    assert "to nie jest pełny brytyjski kod pocztowy" in page
