"""Councillors' and clerks' pages in their language: the voting desk, the paper ballot residents
read, paper entry and its errors, closing, the help desk and what stops voting from opening."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from budgets.models import Phase, Proposal, ProposalStatus
from budgets.services import voting_blockers
from tests.ballots.conftest import make_voting_round
from tests.conftest import login
from wards.models import Ward

pytestmark = pytest.mark.django_db

DESK = {
    "ur": ('<html lang="ur" dir="rtl">', "ووٹنگ ڈیسک:", "آزمائشی گنتی", "ووٹنگ کوڈ منسوخ کریں"),
    "pl": ('<html lang="pl" dir="ltr">', "Biuro głosowania:", "Liczenie testowe", "Unieważnij kod"),
}


@pytest.mark.parametrize("language", sorted(DESK))
def test_the_voting_desk_speaks_the_councillor_s_language(
    client: Client, sparkbrook: Ward, councillor_sam: Any, language: str
) -> None:
    round = make_voting_round(sparkbrook)
    login(client, councillor_sam)
    page = client.get(
        f"/rounds/{round.pk}/voting-desk/", headers={"accept-language": language}
    ).content.decode()
    for words in DESK[language]:
        assert words in page
    assert "Voting desk:" not in page
    assert "Revoke a voting code" not in page


def test_the_printed_paper_ballot_tells_residents_how_to_vote_in_urdu(
    client: Client, sparkbrook: Ward
) -> None:
    round = make_voting_round(sparkbrook)
    page = client.get(
        f"/rounds/{round.pk}/paper-ballot/", headers={"accept-language": "ur"}
    ).content.decode()
    assert '<html lang="ur" dir="rtl">' in page
    assert f"بیلٹ پیپر: {round.title}" in page
    assert "ووٹ کیسے دیں" in page
    # The rules printed on the paper, with the budget's Western digits.
    assert "آپ کے چنے ہوئے منصوبوں کی کل لاگت £100,000 کے بجٹ سے زیادہ نہیں ہونی چاہیے۔" in page
    assert "اپنے خط کا ووٹنگ کوڈ کوڈ کے خانے میں لکھیں۔" in page
    assert "Put a cross" not in page


def test_a_paper_entry_error_comes_back_in_polish(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    round = make_voting_round(sparkbrook)
    login(client, councillor_sam)
    response = client.post(
        f"/rounds/{round.pk}/paper/",
        {
            "polling_place": "Library",
            "issued": 1,
            "spoilt": 0,
            "unused": 0,
            "cast": 1,
            "ballots": "ABCDEF-GHJKLM-NPQRST 1, 2",
        },
        headers={"accept-language": "pl"},
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert ">Wystąpił problem</h2>" in page
    assert "W wierszu 1 brakuje dwukropka między kodem a projektami." in page
    assert "Wydane karty" in page


def test_the_close_page_and_its_refusal_are_in_urdu(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    round = make_voting_round(sparkbrook)
    login(client, councillor_sam)
    response = client.post(f"/rounds/{round.pk}/close/", {}, headers={"accept-language": "ur"})
    page = response.content.decode()
    assert response.status_code == 400
    assert f"ووٹنگ بند کریں: {round.title}" in page
    assert "تصدیق کے لیے خانے پر ٹِک لگائیں کہ ووٹنگ ابھی بند ہونی چاہیے۔" in page


def test_the_help_desk_explains_itself_in_bengali_when_it_cannot_take_ballots(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    round = make_voting_round(sparkbrook, allow_code_voting=False)
    login(client, councillor_sam)
    page = client.get(
        f"/rounds/{round.pk}/help-desk/", headers={"accept-language": "bn"}
    ).content.decode()
    assert f"হেল্প ডেস্ক: {round.title}" in page
    assert "এই রাউন্ডে ভোটিং কোড দিয়ে ভোট হয় না" in page


def test_what_stops_voting_from_opening_is_said_in_the_reader_s_language(
    sparkbrook: Ward,
) -> None:
    round = make_voting_round(sparkbrook, phase=Phase.REVIEW, settings_frozen_at=None)
    Proposal.objects.filter(round=round).update(status=ProposalStatus.SUBMITTED)
    with translation.override("pl"):
        problems = voting_blockers(round)
    assert "Żadna propozycja nie została uznana za wykonalną, więc karta byłaby pusta." in problems
    assert "5 propozycji wciąż czeka na ocenę." in problems
    with translation.override("ar"):
        assert "لم يُعتبر أي مقترح قابلًا للتنفيذ، لذلك ستكون ورقة الاقتراع فارغة." in (
            voting_blockers(round)
        )


def test_the_help_desk_ballot_asks_for_the_declaration_in_urdu(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    round = make_voting_round(sparkbrook, eligible_work=True, eligible_study=False)
    login(client, councillor_sam)
    page = client.get(
        f"/rounds/{round.pk}/help-desk/", headers={"accept-language": "ur"}
    ).content.decode()
    assert f"ہیلپ ڈیسک: {round.title}" in page
    assert "یہ ہیلپ ڈیسک کا بیلٹ ہے: ہر ووٹر کے لیے نیا۔" in page
    assert "میں Sparkbrook میں رہتا/رہتی ہوں" in page
    who = "16 سال یا اس سے زیادہ عمر کے ان لوگوں کے لیے ہے جو Sparkbrook میں رہتے یا کام کرتے"
    assert who in page
    assert "I live in" not in page


def test_a_ballot_paper_account_that_does_not_balance_is_refused_in_urdu(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    round = make_voting_round(sparkbrook)
    login(client, councillor_sam)
    data = {"polling_place": "Library", "issued": 5, "spoilt": 0, "unused": 0, "cast": 1}
    data["ballots"] = "ABCDEF-GHJKLM-NPQRST: 1"
    page = client.post(
        f"/rounds/{round.pk}/paper/", data, headers={"accept-language": "ur"}
    ).content.decode()
    assert "بیلٹ پیپر کا حساب برابر نہیں: 5 جاری کیے گئے" in page
