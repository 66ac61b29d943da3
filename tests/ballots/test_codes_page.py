"""Issuing voting codes and letters from the voting desk: GET /rounds/<id>/codes/ answers a form,
POST one ZIP download (codes.csv and letters.html); only the ward's councillors and staff."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from typing import Any

import pytest
import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from audit import kinds
from audit.models import Event
from ballots import codes, services
from ballots.models import VotingCode
from budgets.models import Phase, PollingPlace, Round
from tests.ballots.conftest import project_ids
from tests.conftest import DECLARED, login


def _url(round: Round) -> str:
    return reverse("ballots:issue_codes", args=[round.pk])


def _zip(response: Any) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(response.content))


def _issue(client: Client, round: Round, **data: Any) -> Any:
    """One submission of a freshly rendered form (each has its own batch secret)."""
    form = {"count": 3, "polling_place": "", "language": "en", "batch": services.new_batch_secret()}
    return client.post(_url(round), {**form, **data})


def test_the_url_is_the_issue_s() -> None:
    assert reverse("ballots:issue_codes", args=[7]) == "/rounds/7/codes/"


def test_a_councillor_downloads_codes_and_letters_and_each_code_votes(
    client: Client, councillor_sam: Any, voting_round: Round
) -> None:
    login(client, councillor_sam)
    form = client.get(_url(voting_round))
    assert form.status_code == 200 and 'name="count"' in form.content.decode()

    library = PollingPlace.objects.create(round=voting_round, name="Sparkbrook Library")
    answer = _issue(client, voting_round, polling_place=library.pk)
    assert answer.status_code == 200
    assert answer["Content-Type"] == "application/zip"
    assert answer["Content-Disposition"].startswith("attachment;")
    archive = _zip(answer)
    assert sorted(archive.namelist()) == ["codes.csv", "letters.html"]

    rows = list(csv.reader(io.StringIO(archive.read("codes.csv").decode("utf-8"))))
    assert rows[0][0] == "code"
    issued = [row[0] for row in rows[1:]]
    assert len(issued) == 3 and len(set(issued)) == 3

    letters = archive.read("letters.html").decode("utf-8")
    assert letters.count('<section class="letter">') == 3
    assert all(code in letters for code in issued)
    assert "Sparkbrook Library" in letters and voting_round.ward.name in letters
    # The print styles travel inside the file (it is printed from disk, often offline); no
    # script, no inline style attributes.
    assert "<style>" in letters and "@page" in letters
    assert "<script" not in letters and "style=" not in letters

    ids = project_ids(voting_round)
    for code in issued:
        services.cast_ballot(voting_round, [ids[0]], code=code, declaration=DECLARED)
    assert services.turnout(voting_round)["online"] == 3


def test_no_code_is_in_any_link_or_the_qr_code(
    client: Client, councillor_sam: Any, voting_round: Round
) -> None:
    login(client, councillor_sam)
    archive = _zip(_issue(client, voting_round, count=2))
    letters = archive.read("letters.html").decode("utf-8")
    issued = [r[0] for r in list(csv.reader(io.StringIO(archive.read("codes.csv").decode())))[1:]]
    ballot = f"{settings.PUBLIC_BASE_URL.rstrip('/')}/rounds/{voting_round.pk}/vote/"
    addresses = re.findall(r'(?:href|src)="([^"]*)"', letters)
    addresses += re.findall(r"https?://\S+", letters)
    assert ballot in letters
    for address in addresses:
        for code in issued:
            assert code not in address
            assert codes.normalise_code(code).replace("-", "") not in address.replace("-", "")
    # The QR code drawn on every letter is the bare ballot address, the same for every letter.
    bare = segno.make(ballot, error="m").svg_inline(scale=1, dark="#000")
    path = re.search(r' d="([^"]+)"', bare)
    assert path is not None and letters.count(path.group(1)) == 1
    assert letters.count('<use href="#qr"/>') == 2


def test_the_database_holds_only_hmacs_and_the_ledger_only_the_count(
    client: Client, councillor_sam: Any, voting_round: Round
) -> None:
    login(client, councillor_sam)
    archive = _zip(_issue(client, voting_round, count=4))
    issued = [r[0] for r in list(csv.reader(io.StringIO(archive.read("codes.csv").decode())))[1:]]
    stored = set(VotingCode.objects.filter(round=voting_round).values_list("code_hash", flat=True))
    assert stored == {codes.hash_code(voting_round, c) for c in issued}
    event = Event.objects.get(kind=kinds.CODES_ISSUED, round_id=voting_round.pk)
    assert event.payload == {"count": 4} and event.actor_role == "councillor"
    for code in issued:
        assert code not in event.body
        assert not VotingCode.objects.filter(code_hash__contains=code.replace("-", "")).exists()


def test_staff_may_issue_codes(client: Client, staff_dave: Any, voting_round: Round) -> None:
    login(client, staff_dave)
    assert client.get(_url(voting_round)).status_code == 200
    assert _issue(client, voting_round)["Content-Type"] == "application/zip"


@pytest.mark.parametrize("who", ["resident_alice", "councillor_bob", "resident_rhys"])
def test_others_get_no_form_and_issue_nothing(
    client: Client, request: pytest.FixtureRequest, who: str, voting_round: Round
) -> None:
    login(client, request.getfixturevalue(who))
    assert client.get(_url(voting_round)).status_code == 403
    answer = _issue(client, voting_round)
    assert answer.status_code == 403 and answer["Content-Type"] != "application/zip"
    assert not VotingCode.objects.exists()


def test_anonymous_is_sent_to_sign_in(client: Client, voting_round: Round) -> None:
    for answer in (client.get(_url(voting_round)), _issue(client, voting_round)):
        assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
    assert not VotingCode.objects.exists()


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_wrong_method(
    client: Client, councillor_sam: Any, voting_round: Round, method: str
) -> None:
    login(client, councillor_sam)
    assert getattr(client, method)(_url(voting_round)).status_code == 405
    assert not VotingCode.objects.exists()


def test_a_draft_round_is_not_found(client: Client, councillor_sam: Any, sparkbrook: Any) -> None:
    draft = Round.objects.create(ward=sparkbrook, title="Draft", budget_pence=100)
    login(client, councillor_sam)
    assert client.get(_url(draft)).status_code == 404


@pytest.mark.parametrize(
    "count", ["0", "10001", "-3", "three", "", "1e3", "99999999999999999999999"]
)
def test_bad_counts_are_form_errors(
    client: Client, councillor_sam: Any, voting_round: Round, count: str
) -> None:
    login(client, councillor_sam)
    answer = _issue(client, voting_round, count=count)
    assert answer.status_code == 400
    assert "There is a problem" in answer.content.decode()
    assert not VotingCode.objects.exists()
    assert not Event.objects.filter(kind=kinds.CODES_ISSUED).exists()


@pytest.mark.parametrize("data", [{"language": "xx"}, {"polling_place": "x" * 121}])
def test_bad_language_or_place_is_a_form_error(
    client: Client, councillor_sam: Any, voting_round: Round, data: dict[str, str]
) -> None:
    login(client, councillor_sam)
    assert _issue(client, voting_round, **data).status_code == 400
    assert not VotingCode.objects.exists()


@pytest.mark.parametrize("phase", [Phase.CLOSED, Phase.PUBLISHED])
def test_a_closed_round_refuses_with_a_reason(
    client: Client, councillor_sam: Any, voting_round: Round, phase: str
) -> None:
    Round.objects.filter(pk=voting_round.pk).update(phase=phase)
    login(client, councillor_sam)
    answer = _issue(client, voting_round)
    assert answer.status_code == 400 and "closed" in answer.content.decode()
    assert not VotingCode.objects.exists()


def test_a_round_without_codes_refuses_with_a_reason(
    client: Client, councillor_sam: Any, voting_round: Round
) -> None:
    Round.objects.filter(pk=voting_round.pk).update(allow_code_voting=False)
    login(client, councillor_sam)
    answer = _issue(client, voting_round)
    assert answer.status_code == 400 and "does not use voting codes" in answer.content.decode()


def test_the_desk_links_to_the_form_only_while_codes_can_be_issued(
    client: Client, councillor_sam: Any, voting_round: Round
) -> None:
    login(client, councillor_sam)
    desk = reverse("ballots:voting_desk", args=[voting_round.pk])
    assert _url(voting_round) in client.get(desk).content.decode()
    assert services.desk_actions(councillor_sam, voting_round).can_issue_codes
    Round.objects.filter(pk=voting_round.pk).update(phase=Phase.CLOSED)
    voting_round.refresh_from_db()
    assert _url(voting_round) not in client.get(desk).content.decode()
    assert not services.desk_actions(councillor_sam, voting_round).can_issue_codes


# --- where to vote on paper, the help desk and the resident's language -----------------------


def _letters(client: Client, round: Round, **data: Any) -> str:
    answer = _issue(client, round, count=1, **data)
    assert answer.status_code == 200, answer.content.decode()[:2000]
    return _zip(answer).read("letters.html").decode("utf-8")


def test_letters_list_the_rounds_polling_places_and_help_desk(
    client: Client, councillor_sam: Any, voting_round: Round
) -> None:
    from budgets import services as round_services

    round_services.add_polling_place(
        voting_round,
        by=councillor_sam,
        name="Sparkbrook Library",
        address="641 Stratford Road\nB11 4EA",
        opening_times="Saturdays 10:00-16:00 from 5 to 19 December",
    )
    hall = round_services.add_polling_place(voting_round, by=councillor_sam, name="Ladypool Hall")
    round_services.set_help_desk(
        voting_round, by=councillor_sam, where="Council House", when="Weekdays", phone="0121 303"
    )
    login(client, councillor_sam)
    form = client.get(_url(voting_round)).content.decode()
    assert f'<option value="{hall.pk}">Ladypool Hall</option>' in form

    every = _letters(client, voting_round)
    assert "Sparkbrook Library</strong>, 641 Stratford Road, B11 4EA" in every
    assert "Saturdays 10:00-16:00 from 5 to 19 December" in every
    assert "Ladypool Hall" in every and '<p class="place-chosen">' not in every
    assert "Council House" in every and "0121 303" in every and "Weekdays" in every

    chosen = _letters(client, voting_round, polling_place=hall.pk)
    prominent = re.search(r'<p class="place-chosen">(.*?)</p>', chosen, re.S)
    assert prominent is not None and "Ladypool Hall" in prominent.group(1)
    assert "You can also vote at: Sparkbrook Library" in chosen


def test_a_round_without_places_says_the_councillors_announce_them(
    client: Client, councillor_sam: Any, voting_round: Round
) -> None:
    login(client, councillor_sam)
    letters = _letters(client, voting_round)
    assert "polling places your councillors for Sparkbrook announce" in letters
    assert "help desk your councillors announce" in letters


def test_another_rounds_polling_place_is_a_form_error(
    client: Client, councillor_sam: Any, voting_round: Round, sparkbrook: Any
) -> None:
    other = Round.objects.create(ward=sparkbrook, title="Other", budget_pence=100)
    elsewhere = PollingPlace.objects.create(round=other, name="Elsewhere")
    login(client, councillor_sam)
    answer = _issue(client, voting_round, polling_place=elsewhere.pk)
    assert answer.status_code == 400
    assert "Choose one of this round&#x27;s polling places" in answer.content.decode()
    assert not VotingCode.objects.exists()


@pytest.mark.parametrize(
    ("language", "direction", "words"),
    [
        ("en", "ltr", "This letter is about how to spend money in your area. You can vote."),
        ("ur", "rtl", "اردو میں مدد"),
        ("pa", "ltr", "ਪੰਜਾਬੀ ਵਿੱਚ ਮਦਦ"),
        ("bn", "ltr", "বাংলায় সাহায্যের"),
        ("pl", "ltr", "w języku polskim"),
        ("ar", "rtl", "باللغة العربية"),
    ],
)
def test_the_letter_carries_a_line_in_the_chosen_language(
    client: Client,
    councillor_sam: Any,
    voting_round: Round,
    language: str,
    direction: str,
    words: str,
) -> None:
    login(client, councillor_sam)
    letters = _letters(client, voting_round, language=language)
    line = re.search(
        rf'<p class="language" lang="{language}" dir="{direction}">([^<]+)</p>', letters
    )
    assert line is not None and words in line.group(1)
    # The whole letter is in that language (rendered under translation.override), and says so.
    assert f'<html lang="{language}" dir="{direction}">' in letters


def test_a_letter_in_polish_is_polish_throughout(
    client: Client, councillor_sam: Any, voting_round: Round
) -> None:
    login(client, councillor_sam)
    letters = _letters(client, voting_round, language="pl")
    assert "Twój kod do głosowania" in letters
    assert "Głosuj online" in letters
    assert "Your voting code" not in letters
    # The councillor's own pages stay in the councillor's language.
    assert "Your voting code" in _letters(client, voting_round, language="en")


def test_every_language_on_the_form_has_its_line() -> None:
    from ballots.letter_languages import LANGUAGES, LINE, letter_line

    assert set(LANGUAGES) == {"en", "ur", "pa", "bn", "pl", "ar"}
    # Every language but English has its own words for the line (from its catalogue).
    english = LINE % {"language": "English"}
    assert all(letter_line(code).text != english for code in LANGUAGES if code != "en")
    assert {code for code in LANGUAGES if letter_line(code).direction == "rtl"} == {"ur", "ar"}


def test_an_unknown_language_is_refused_with_a_form_error(
    client: Client, councillor_sam: Any, voting_round: Round
) -> None:
    login(client, councillor_sam)
    answer = _issue(client, voting_round, language="fr")
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "There is a problem" in text
    assert "Letters can carry a line in English, Urdu, Punjabi, Bengali, Polish or Arabic" in text
    assert not VotingCode.objects.exists()
    with pytest.raises(ValidationError, match="Letters can carry a line in"):
        services.issue_code_letters(
            voting_round,
            1,
            by=councillor_sam,
            base_url="",
            batch_secret=services.new_batch_secret(),
            language="fr",
        )
