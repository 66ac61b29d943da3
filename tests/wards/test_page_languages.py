"""The home page's "happening now", find-your-ward, help, accessibility and privacy pages, the
error pages and the ward subscription pages are in the reader's language, errors included."""

from __future__ import annotations

import datetime

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import timezone, translation

from budgets.models import Phase, Round
from tests.ballots.conftest import make_voting_round
from wards.models import Ward

pytestmark = pytest.mark.django_db

URDU = {"accept-language": "ur"}
POLISH = {"accept-language": "pl"}
RTL = '<html lang="ur" dir="rtl">'
POLISH_TAG = '<html lang="pl" dir="ltr">'


@pytest.fixture
def voting(sparkbrook: Ward) -> Round:
    end = timezone.make_aware(datetime.datetime(2026, 12, 17, 18, 0))
    return make_voting_round(sparkbrook, voting_end=end)


@pytest.mark.parametrize(
    ("header", "tag", "words"),
    [
        (
            URDU,
            RTL,
            [
                '<h2 id="now-heading">ابھی کیا ہو رہا ہے</h2>',
                "Sparkbrook میں 17 دسمبر تک ووٹنگ ہو رہی ہے۔",
                ">Sparkbrook میں ووٹ دیں</a>",
                ">Sparkbrook کے بارے میں</a>",
            ],
        ),
        (
            POLISH,
            POLISH_TAG,
            [
                "Co dzieje się teraz",
                # The month as a date needs: 17 grudnia, not 17 grudzień.
                "Głosowanie trwa teraz w Sparkbrook, do 17 grudnia.",
                ">Głosuj w Sparkbrook</a>",
            ],
        ),
    ],
)
def test_the_home_page_says_who_is_voting_now_in_the_readers_language(
    client: Client, voting: Round, header: dict[str, str], tag: str, words: list[str]
) -> None:
    page = client.get("/", headers=header).content.decode()
    assert tag in page
    for text in words:
        assert text in page
    assert "Voting now in" not in page and "Happening now" not in page


def test_a_round_asking_for_ideas_is_announced_in_bengali(client: Client, sparkbrook: Ward) -> None:
    Round.objects.create(ward=sparkbrook, title="Ideas", budget_pence=1000, phase=Phase.PROPOSALS)
    page = client.get("/", headers={"accept-language": "bn"}).content.decode()
    assert "Sparkbrook ধারণা চাইছে।" in page
    assert ">Sparkbrook-এ একটি প্রকল্পের প্রস্তাব দিন</a>" in page


def test_with_nothing_happening_the_home_page_says_so_in_arabic(
    client: Client, sparkbrook: Ward
) -> None:
    page = client.get("/", headers={"accept-language": "ar"}).content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert "لا توجد دائرة تصوّت أو تطلب أفكارًا الآن." in page


@pytest.mark.parametrize(
    ("header", "postcode", "error", "heading"),
    [
        (URDU, "not a postcode", "پورا برطانوی پوسٹ کوڈ درج کریں، جیسے B11 1AA۔", "ہر وارڈ"),
        (URDU, "", "اپنا پوسٹ کوڈ درج کریں، جیسے B11 1AA۔", "ہر وارڈ"),
        (
            POLISH,
            "B99 9ZZ",
            "Nie znaleźliśmy B99 9ZZ na liście żadnego okręgu.",
            "Wszystkie okręgi",
        ),
    ],
)
def test_find_your_ward_errors_are_in_the_readers_language(
    client: Client,
    sparkbrook: Ward,
    header: dict[str, str],
    postcode: str,
    error: str,
    heading: str,
) -> None:
    response = client.get("/find-your-ward/", {"postcode": postcode}, headers=header)
    page = response.content.decode()
    assert response.status_code == 400
    assert error in page
    assert f"<h2>{heading}</h2>" in page
    assert 'href="#find-postcode"' in page  # the summary still links to the box
    assert "Enter" not in page and "Every ward" not in page


@pytest.mark.parametrize(
    ("path", "urdu", "polish"),
    [
        ("/help/", "<h2>کاغذ پر ووٹ دینا</h2>", "<h2>Głosowanie na papierze</h2>"),
        ("/help/", "ابھی کوئی وارڈ ووٹنگ نہیں کر رہا۔", "Teraz żaden okręg nie głosuje."),
        ("/accessibility/", "<h1>رسائی کا بیان</h1>", "<h1>Deklaracja dostępności</h1>"),
        ("/accessibility/", "320 پکسل", "320 pikseli"),
        ("/privacy/", "<h1>رازداری کا نوٹس</h1>", "<h1>Informacja o prywatności</h1>"),
        ("/privacy/", "آپ کا ووٹ خفیہ ہے۔", "Twój głos jest tajny."),
    ],
)
def test_help_accessibility_and_privacy_are_translated(
    client: Client, sparkbrook: Ward, path: str, urdu: str, polish: str
) -> None:
    page = client.get(path, headers=URDU).content.decode()
    assert RTL in page and urdu in page
    page = client.get(path, headers=POLISH).content.decode()
    assert POLISH_TAG in page and polish in page


def test_the_help_page_lists_places_in_urdu_with_the_phone_left_to_right(
    client: Client, voting: Round
) -> None:
    from budgets.models import HelpDesk, PollingPlace

    PollingPlace.objects.create(round=voting, name="Sparkbrook Library", opening_times="Sat")
    HelpDesk.objects.create(round=voting, where="Ladypool Road", phone="0121 000 0000")
    page = client.get("/help/", headers=URDU).content.decode()
    assert "<p><strong>پولنگ اسٹیشن</strong></p>" in page
    assert "<br>کھلنے کے اوقات: Sat</li>" in page
    assert 'فون: <a href="tel:01210000000" class="code">0121 000 0000</a>' in page
    assert ">Sparkbrook میں آن لائن ووٹ دیں</a>" in page


@pytest.mark.parametrize(
    ("header", "tag", "words"),
    [
        (URDU, RTL, "<h1>صفحہ نہیں ملا</h1>"),
        ({"accept-language": "ar"}, '<html lang="ar" dir="rtl">', "<h1>الصفحة غير موجودة</h1>"),
        (POLISH, POLISH_TAG, "<h1>Nie znaleziono strony</h1>"),
    ],
)
def test_the_not_found_page_is_translated(
    client: Client, header: dict[str, str], tag: str, words: str
) -> None:
    response = client.get("/no-such-page/", headers=header)
    page = response.content.decode()
    assert response.status_code == 404
    assert tag in page and words in page
    assert 'href="/"' in page  # the way back still works


def test_the_server_error_page_needs_no_request_and_follows_the_language() -> None:
    with translation.override("ur"):
        page = render_to_string("500.html")
    assert RTL in page
    assert "<h1>معذرت، سروس میں ایک مسئلہ ہے</h1>" in page
    english = render_to_string("500.html")
    assert "Sorry, there is a problem with the service" in english


def test_the_forbidden_page_is_translated() -> None:
    from django.core.exceptions import PermissionDenied
    from django.test import RequestFactory
    from django.views.defaults import permission_denied

    request = RequestFactory().get("/")
    with translation.override("pl"):
        response = permission_denied(request, PermissionDenied())
    page = response.content.decode()
    assert response.status_code == 403
    assert "<h1>Nie możesz tego tutaj zrobić</h1>" in page
    assert "Nie masz pozwolenia, aby zobaczyć tę stronę." in page


def test_the_subscription_form_is_in_urdu_and_its_error_in_polish(
    client: Client, sparkbrook: Ward
) -> None:
    page = client.get("/wards/sparkbrook/subscribe/", headers=URDU).content.decode()
    assert RTL in page
    assert "<h1>Sparkbrook کے بارے میں ای میلز حاصل کریں</h1>" in page
    assert ">مجھے تصدیق کا لنک بھیجیں</button>" in page
    answer = client.post("/wards/sparkbrook/subscribe/", {"email": ""}, headers=POLISH)
    page = answer.content.decode()
    assert answer.status_code == 400
    assert ">Wystąpił problem</h2>" in page
    # The error under the box starts with a hidden "Error:" that a screen reader reads first.
    assert '<span class="error-message"><span class="visually-hidden">Błąd:</span> ' in page
    assert ">Wyślij mi link potwierdzający</button>" in page


def test_the_check_your_email_page_is_in_polish(client: Client, sparkbrook: Ward) -> None:
    page = client.get("/wards/sparkbrook/subscribe/sent/", headers=POLISH).content.decode()
    assert POLISH_TAG in page
    assert "Link działa przez 7 dni" in page
    assert ">Wróć do okręgu Sparkbrook</a>" in page


@pytest.mark.parametrize("kind", ["confirm", "unsubscribe"])
@pytest.mark.parametrize(
    ("header", "words"),
    [
        (URDU, "یہ لنک درست نہیں۔ دیکھیں کہ آپ نے پورا لنک کاپی کیا ہے۔"),
        (POLISH, "Ten link jest nieprawidłowy. Sprawdź, czy skopiowałeś go w całości."),
    ],
)
def test_a_broken_subscription_link_is_explained_in_the_readers_language(
    client: Client, kind: str, header: dict[str, str], words: str
) -> None:
    response = client.get(f"/wards/subscriptions/{kind}/not-a-token/", headers=header)
    page = response.content.decode()
    assert response.status_code == 404
    assert words in page
    assert "This link is not valid" not in page


@pytest.mark.parametrize(
    ("header", "words"),
    [(URDU, "آپ یہاں کے رہائشی ہیں۔"), (POLISH, "Jesteś tu mieszkańcem.")],
)
def test_the_ward_page_names_a_residents_role_in_their_language(
    client: Client, resident_alice: object, header: dict[str, str], words: str
) -> None:
    from tests.conftest import login

    page = login(client, resident_alice).get("/wards/sparkbrook/", headers=header)
    assert f'<p class="tag-line">{words}</p>' in page.content.decode()
