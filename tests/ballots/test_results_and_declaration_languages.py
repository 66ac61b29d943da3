"""The pending-results page, the results' auditors' table and chart, the rule and ballot names, who
can vote and the errors about the declaration and the code's format are in the reader's language."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import timezone

from ballots import services
from budgets.models import BallotType, Round
from tests.ballots.conftest import make_voting_round, project_ids
from tests.conftest import DECLARED
from wards.models import Ward

pytestmark = pytest.mark.django_db

URDU = {"accept-language": "ur"}
POLISH = {"accept-language": "pl"}


def _published(ward: Ward) -> Round:
    round = make_voting_round(ward, scale=1000)
    ids = project_ids(round)
    for code, pid in zip(services.issue_codes(round, 3), ids[:3], strict=True):
        services.cast_ballot(round, [pid], code=code, declaration=DECLARED)
    services.close_round(round)
    services.publish_round(round)
    return round


@pytest.mark.parametrize(
    ("header", "words"),
    [
        (URDU, ["ووٹنگ کھلی ہے۔", "اب تک 2 لوگوں نے ووٹ دیا ہے۔", ">ابھی ووٹ دیں</a>"]),
        (POLISH, ["Głosowanie trwa.", "Do tej pory zagłosowały 2 osoby.", ">Zagłosuj teraz</a>"]),
    ],
)
def test_results_before_the_close_say_so_in_the_readers_language(
    client: Client, sparkbrook: Ward, header: dict[str, str], words: list[str]
) -> None:
    round = make_voting_round(sparkbrook)
    ids = project_ids(round)
    for code in services.issue_codes(round, 2):
        services.cast_ballot(round, [ids[0]], code=code, declaration=DECLARED)
    page = client.get(f"/rounds/{round.pk}/results/", headers=header).content.decode()
    for text in words:
        assert text in page
    assert "Voting is open" not in page and "have voted" not in page


def test_the_auditors_table_and_chart_are_in_urdu(client: Client, sparkbrook: Ward) -> None:
    round = _published(sparkbrook)
    page = client.get(f"/rounds/{round.pk}/results/", headers=URDU).content.decode()
    assert '<html lang="ur" dir="rtl">' in page
    precise = page[page.index('id="precise"') :]
    # The rule's name, the headings and the outcome words are Urdu ...
    assert "<strong>سب سے زیادہ ووٹ پہلے:" in precise
    for heading in ("منصوبہ", "ووٹ", "لاگت", "نتیجہ"):
        assert f">{heading}</th>" in precise
    assert "<td>پیسہ ملا۔ " in precise and "<td>پیسہ نہیں ملا۔ " in precise
    assert "<h3>گنتی کے دوسرے اصول کن منصوبوں کو پیسہ دیتے</h3>" in precise
    # ... and the counting program's own reasons say they are English, and are marked so.
    assert "اس جدول میں درست وجوہات انگریزی میں ہیں" in precise
    assert '<span lang="en" dir="ltr">' in precise
    chart = page[page.index("<svg") : page.index("</svg>")]
    assert chart.count("✓ منظور") == 2
    assert "ہر منصوبے کے ووٹوں کا بار چارٹ" in chart
    for english in ("Bar chart of", "✓ funded", ">Outcome<", "Counted with the", ">Ties<"):
        assert english not in page


def test_the_english_results_keep_their_words_and_need_no_note(
    client: Client, sparkbrook: Ward
) -> None:
    round = _published(sparkbrook)
    page = client.get(f"/rounds/{round.pk}/results/").content.decode()
    assert "Counted with the rule <strong>Greedy:" in page
    assert "<td>Funded. <span" in page and "<td>Not funded. <span" in page
    assert "as the counting program writes them" not in page


@pytest.mark.parametrize(
    ("header", "ballot", "rule", "who"),
    [
        (
            URDU,
            "بجٹ کے اندر: ایسے منصوبے چنیں",
            "سب سے زیادہ ووٹ پہلے:",
            "16 سال یا اس سے زیادہ عمر کے لوگ جو Sparkbrook میں رہتے، کام کرتے یا پڑھتے ہیں",
        ),
        (
            POLISH,
            "W ramach budżetu: wybierz projekty",
            "Najwięcej głosów najpierw:",
            "Osoby w wieku 16 lat lub starsze, które mieszkają, pracują lub uczą się w Sparkbrook",
        ),
    ],
)
def test_the_round_page_names_the_ballot_rule_and_voters_in_the_readers_language(
    client: Client, sparkbrook: Ward, header: dict[str, str], ballot: str, rule: str, who: str
) -> None:
    round = make_voting_round(sparkbrook)
    page = client.get(f"/rounds/{round.pk}/", headers=header).content.decode()
    assert ballot in page and rule in page and who in page
    assert "Knapsack" not in page and "Greedy" not in page and "People aged" not in page


def test_the_limits_of_a_points_ballot_are_in_polish(client: Client, sparkbrook: Ward) -> None:
    round = make_voting_round(sparkbrook, BallotType.CUMULATIVE)
    page = client.get(f"/rounds/{round.pk}/", headers=POLISH).content.decode()
    assert "Punkty: rozdziel pulę punktów między projekty (10 punktów)" in page


def _vote(client: Client, round: Round, header: dict[str, str], **form: object) -> str:
    ids = project_ids(round)
    data = {"step": "review", "projects": [ids[0]], **form}
    return client.post(f"/rounds/{round.pk}/vote/", data, headers=header).content.decode()


@pytest.mark.parametrize(
    ("header", "form", "error"),
    [
        (
            POLISH,
            {"age_confirmed": "1", "code": "X"},
            "Powiedz, czy mieszkasz, pracujesz lub uczysz się w Sparkbrook.",
        ),
        (
            URDU,
            {"basis": "live", "code": "X"},
            "تصدیق کریں کہ آپ کی عمر 16 سال یا زیادہ ہے",
        ),
        (
            POLISH,
            {"basis": "visit", "age_confirmed": "1", "code": "X"},
            "To głosowanie jest dla osób w wieku 16 lat lub starszych, które mieszkają, pracują "
            "lub uczą się w Sparkbrook. Wybierz jedno z: live, work, study.",
        ),
        (
            POLISH,
            {"basis": "live", "age_confirmed": "1", "code": "ABC"},
            "Kod do głosowania ma 18 liter i cyfr; wpisałeś 3.",
        ),
        (
            {"accept-language": "ar"},
            {"basis": "live", "age_confirmed": "1", "code": "0" * 18},
            "لا يمكن أن يحتوي رمز التصويت على 0 (لا تستخدم الرموز أبدًا 0 أو 1 أو O أو I).",
        ),
        (
            {"accept-language": "bn"},
            {"basis": "live", "age_confirmed": "1", "code": "ABCDEF-GHJKLM-NPQRST"},
            "কোডটিতে লেখার ভুল আছে।",
        ),
    ],
)
def test_declaration_and_code_errors_are_in_the_voters_language(
    client: Client, sparkbrook: Ward, header: dict[str, str], form: dict[str, str], error: str
) -> None:
    round = make_voting_round(sparkbrook)
    page = _vote(client, round, header, **form)
    assert error in page


def test_who_can_vote_and_the_radio_labels_are_in_urdu(client: Client, sparkbrook: Ward) -> None:
    round = make_voting_round(sparkbrook, eligible_study=False)
    page = client.get(f"/rounds/{round.pk}/vote/", headers=URDU).content.decode()
    assert (
        "یہ ووٹ 16 سال یا اس سے زیادہ عمر کے ان لوگوں کے لیے ہے جو Sparkbrook میں رہتے یا کام "
        "کرتے ہیں۔"
    ) in page
    assert '<label for="basis-live">میں Sparkbrook میں رہتا/رہتی ہوں</label>' in page
    assert '<label for="basis-work">میں Sparkbrook میں کام کرتا/کرتی ہوں</label>' in page
    assert "basis-study" not in page
    english = client.get(f"/rounds/{round.pk}/vote/").content.decode()
    assert "This vote is for people aged 16 or over who live or work in Sparkbrook." in english
    assert '<label for="basis-live">I live in Sparkbrook</label>' in english


def test_a_code_that_is_not_valid_is_refused_in_polish(sparkbrook: Ward) -> None:
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from ballots import codes

    round = make_voting_round(sparkbrook)
    with translation.override("pl"), pytest.raises(ValidationError) as refused:
        services.cast_ballot(
            round, [project_ids(round)[0]], code=codes.new_code(), declaration=DECLARED
        )
    assert refused.value.messages == [
        "Ten kod do głosowania nie działa w tym głosowaniu. Sprawdź go z listem; każdym kodem "
        "można zagłosować w jednej edycji, przez internet albo na papierze."
    ]
    # The English the services compare with is unchanged.
    assert services.INVALID_CODE.startswith("That voting code is not valid")


@pytest.mark.parametrize(
    ("phase", "urdu"),
    [
        ("closed", "اس مرحلے میں ووٹنگ بند ہو چکی ہے۔"),
        ("review", "اس مرحلے میں ووٹنگ ابھی شروع نہیں ہوئی۔"),
        ("cancelled", "یہ مرحلہ منسوخ کر دیا گیا، اس لیے اس میں ووٹ نہیں لیے جاتے۔"),
    ],
)
def test_a_ballot_outside_the_voting_window_is_refused_in_urdu(
    sparkbrook: Ward, phase: str, urdu: str
) -> None:
    from django.core.exceptions import ValidationError
    from django.utils import translation

    round = make_voting_round(sparkbrook)
    (code,) = services.issue_codes(round, 1)
    extra = {}
    if phase == "cancelled":
        extra = {
            "cancelled_at": timezone.now(),
            "cancel_reason": "Flooded",
            "cancelled_from": "voting",
        }
    Round.objects.filter(pk=round.pk).update(phase=phase, **extra)
    round.refresh_from_db()
    with translation.override("ur"), pytest.raises(ValidationError) as refused:
        services.cast_ballot(round, [project_ids(round)[0]], code=code, declaration=DECLARED)
    assert refused.value.messages == [urdu]
