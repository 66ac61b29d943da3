"""The home page leads with what is happening now; find your ward by postcode; the help,
accessibility and privacy pages. Public pages: every persona sees the same."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from budgets.models import HelpDesk, Phase, PollingPlace, Round
from tests.ballots.conftest import make_voting_round
from tests.conftest import login, make_user
from wards.models import Membership, Role, Ward, WardPostcode

PERSONAS = ["anonymous", "resident_alice", "clerk", "councillor_sam", "councillor_bob"]


@pytest.fixture
def clerk(sparkbrook: Ward) -> Any:
    user = make_user("cleo")
    Membership.objects.create(user=user, ward=sparkbrook, role=Role.CLERK)
    return user


def _as(client: Client, who: str, request: pytest.FixtureRequest) -> Client:
    if who != "anonymous":
        login(client, request.getfixturevalue(who))
    return client


@pytest.fixture
def voting(sparkbrook: Ward) -> Round:
    end = timezone.make_aware(datetime.datetime(2026, 12, 17, 18, 0))
    round = make_voting_round(sparkbrook, voting_end=end)
    PollingPlace.objects.create(
        round=round, name="Sparkbrook Library", opening_times="Saturdays 10:00-16:00"
    )
    HelpDesk.objects.create(round=round, where="Ladypool Road", phone="0121 000 0000")
    return round


@pytest.mark.parametrize("who", PERSONAS)
def test_home_leads_with_voting_now(
    client: Client, voting: Round, aston: Ward, who: str, request: pytest.FixtureRequest
) -> None:
    Round.objects.create(ward=aston, title="Aston ideas", budget_pence=1000, phase=Phase.DRAFT)
    html = _as(client, who, request).get("/").content.decode()
    now = html.index("Happening now")
    assert now < html.index("Every ward")
    assert "Voting now in Sparkbrook until 17 December." in html
    assert f'href="/rounds/{voting.pk}/vote/"' in html
    assert "Aston ideas" not in html  # a draft is nobody's business yet
    for link in (
        'action="/find-your-ward/"',
        'href="/help/"',
        'href="/accessibility/"',
        'href="/privacy/"',
        'href="/audit/"',
        'href="/receipts/"',
    ):
        assert link in html


def test_home_says_when_nothing_is_happening(client: Client, sparkbrook: Ward) -> None:
    html = client.get("/").content.decode()
    assert "No ward is voting or asking for ideas right now." in html


@pytest.mark.parametrize("who", PERSONAS)
def test_a_postcode_on_one_list_goes_to_its_ward(
    client: Client, sparkbrook: Ward, who: str, request: pytest.FixtureRequest
) -> None:
    WardPostcode.objects.create(ward=sparkbrook, postcode="B11 1AA")
    page = _as(client, who, request).get("/find-your-ward/", {"postcode": " b111aa "})
    assert page.status_code == 302 and page["Location"] == "/wards/sparkbrook/"


def test_a_postcode_on_two_lists_lists_both(client: Client, sparkbrook: Ward, aston: Ward) -> None:
    for ward in (sparkbrook, aston):
        WardPostcode.objects.create(ward=ward, postcode="B11 1AA")
    page = client.get("/find-your-ward/", {"postcode": "B11 1AA"})
    html = page.content.decode()
    assert page.status_code == 200
    assert 'href="/wards/aston/"' in html and 'href="/wards/sparkbrook/"' in html
    assert "more than one ward" in html


@pytest.mark.parametrize(
    ("postcode", "message"),
    [
        ("B99 9ZZ", "We could not find B99 9ZZ on any ward&#x27;s list."),
        ("not a postcode", "Enter a full UK postcode, like B11 1AA."),
        ("", "Enter your postcode, like B11 1AA."),
    ],
)
def test_a_postcode_on_no_list_says_so_plainly(
    client: Client, sparkbrook: Ward, postcode: str, message: str
) -> None:
    page = client.get("/find-your-ward/", {"postcode": postcode})
    html = page.content.decode()
    assert page.status_code == 400
    assert message in html
    assert 'href="#find-postcode"' in html  # the error summary links to the box
    assert 'href="/wards/sparkbrook/"' in html  # and every ward is listed to choose from


@pytest.mark.parametrize("who", PERSONAS)
def test_help_lists_polling_places_and_help_desks(
    client: Client, voting: Round, who: str, request: pytest.FixtureRequest
) -> None:
    html = _as(client, who, request).get("/help/").content.decode()
    assert "Voting on paper" in html
    assert "Sparkbrook Library" in html and "Saturdays 10:00-16:00" in html
    assert "Ladypool Road" in html and 'href="tel:01210000000"' in html


def test_help_without_voting_says_so(client: Client, sparkbrook: Ward) -> None:
    assert "No ward is voting right now." in client.get("/help/").content.decode()


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize(
    ("path", "words"),
    [
        ("/accessibility/", "320 pixels wide"),
        ("/privacy/", "If you give a postcode, we check it against the ward"),
    ],
)
def test_statement_pages(
    client: Client,
    sparkbrook: Ward,
    who: str,
    request: pytest.FixtureRequest,
    path: str,
    words: str,
) -> None:
    page = _as(client, who, request).get(path)
    assert page.status_code == 200 and words in page.content.decode()


@pytest.mark.parametrize(
    "path", ["/", "/find-your-ward/", "/help/", "/accessibility/", "/privacy/"]
)
def test_wrong_method(client: Client, sparkbrook: Ward, path: str) -> None:
    assert client.post(path).status_code == 405
