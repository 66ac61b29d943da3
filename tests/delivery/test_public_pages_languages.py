"""The public delivery pages, the audit trail and the city dashboard in the reader's language:
Urdu (right to left) and Polish."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from budgets.models import Round
from delivery import services

pytestmark = pytest.mark.django_db

HTML = {"ur": '<html lang="ur" dir="rtl">', "pl": '<html lang="pl" dir="ltr">'}


def _get(client: Client, url: str, lang: str) -> str:
    response = client.get(url, headers={"accept-language": lang})
    assert response.status_code == 200
    page = response.content.decode()
    assert HTML[lang] in page
    return page


@pytest.mark.parametrize(
    ("lang", "overview", "project"),
    [
        (
            "ur",
            [
                "پیسے سے کیا ہوا",
                "اب تک خرچ",
                "مکمل",
                "تازہ ترین خبر",
                "وارڈ کے ایک کونسلر کی طرف سے",
            ],
            ["منظور شدہ رقم", "آخری لاگت", "سنگ میل", "تازہ خبریں", "مکمل"],
        ),
        (
            "pl",
            ["Co dały pieniądze", "Wydano do tej pory", "Zrealizowany", "dodał(a) radny okręgu"],
            ["Sfinansowano na kwotę", "Koszt końcowy", "Etapy", "Informacje", "Zrealizowany"],
        ),
    ],
)
def test_the_delivery_pages_are_in_the_readers_language(
    client: Client,
    published_round: Round,
    funded: list[int],
    councillor_sam: Any,
    lang: str,
    overview: list[str],
    project: list[str],
) -> None:
    services.post_update(
        published_round, funded[0], by=councillor_sam, text="Benches in.", status="delivered"
    )
    page = _get(client, f"/rounds/{published_round.pk}/delivery/", lang)
    for word in overview:
        assert word in page, word
    assert "What the money did" not in page and "by a councillor" not in page
    assert "£" in page  # money keeps pounds
    page = _get(client, f"/rounds/{published_round.pk}/delivery/{funded[0]}/", lang)
    for word in project:
        assert word in page, word
    assert "Funded at" not in page and "Milestones" not in page


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("ur", ["ریکارڈ", "تمام واقعات", "مرحلہ بنایا گیا", "پورا ریکارڈ", "لوگوں نے جو لکھا"]),
        (
            "pl",
            [
                "Rejestr zdarzeń",
                "Wszystkie zdarzenia",
                "Edycja utworzona",
                "Cały rejestr",
                "To, co ludzie wpisali",
            ],
        ),
    ],
)
def test_the_audit_trail_is_in_the_readers_language(
    client: Client, published_round: Round, lang: str, words: list[str]
) -> None:
    for url in ("/audit/", f"/audit/rounds/{published_round.pk}/"):
        page = _get(client, url, lang)
        for word in words:
            assert word in page, (url, word)
        assert "All events" not in page and "Round created" not in page
        # Each event's sentence is in the reader's language too (audit/describe.py).
        assert "published the result" not in page and "The ledger was signed" not in page
    english = client.get("/audit/").content.decode()
    assert "All events" in english and "described in English" not in english


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("ur", ["پورے شہر کی تعداد", "ووٹ دینے والے لوگ", "موجودہ مراحل کا بجٹ", "شائع شدہ نتائج"]),
        ("pl", ["Dane dla całego miasta", "Głosujący", "Budżet w obecnych edycjach", "Okręgi"]),
    ],
)
def test_the_city_dashboard_is_in_the_readers_language(
    client: Client, published_round: Round, lang: str, words: list[str]
) -> None:
    page = _get(client, "/dashboard/", lang)
    for word in words:
        assert word in page, word
    assert "City totals" not in page and "People who voted" not in page


def test_audit_dates_use_the_readers_month_names() -> None:
    from django.utils import translation

    from audit.describe import when

    assert when("2026-11-24T23:41:33Z") == "24 Nov 2026, 23:41 UTC"
    with translation.override("pl"):
        assert when("2026-11-24T23:41:33Z") == "24 Lis 2026, 23:41 UTC"
        assert when("2026-11-24") == "24 Lis 2026"
