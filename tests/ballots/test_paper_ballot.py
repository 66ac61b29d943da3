"""The printable paper ballot, GET /rounds/<id>/paper-ballot/: every project with a short number
and its cost, the rules in plain words, a box for the code; public once voting opens."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from ballots import services
from budgets.models import BallotType, Phase, Round
from tests.ballots.conftest import COSTS, TITLES, make_voting_round
from tests.conftest import login
from wards.models import Ward


def _url(round: Round) -> str:
    return reverse("ballots:paper_ballot", args=[round.pk])


def test_the_url() -> None:
    assert reverse("ballots:paper_ballot", args=[5]) == "/rounds/5/paper-ballot/"


def test_paper_numbers_follow_the_ballot_order(voting_round: Round) -> None:
    numbers = services.paper_numbers(voting_round)
    assert list(numbers) == [1, 2, 3, 4, 5]
    assert list(numbers.values()) == services.ballot_projects(voting_round)


def test_anyone_can_print_it_while_voting(client: Client, voting_round: Round) -> None:
    page = client.get(_url(voting_round))
    assert page.status_code == 200
    html = page.content.decode()
    rows = re.findall(r'<td class="paper-number">(\d+)</td><td>([^<]+)</td><td>([^<]+)</td>', html)
    assert [int(n) for n, _, _ in rows] == [1, 2, 3, 4, 5]
    assert [t.replace("&#x27;", "'") for _, t, _ in rows] == TITLES
    assert [c for _, _, c in rows] == [f"£{cost // 100:,}" for cost in COSTS]
    assert "no more than the budget of £100,000" in html
    assert 'class="paper-code-box"' in html
    assert "style=" not in html and "<script>" not in html


@pytest.mark.parametrize(
    ("ballot_type", "words"),
    [
        (BallotType.KNAPSACK, "must cost no more than the budget"),
        (BallotType.APPROVAL, "between 2 and 3 projects"),
        (BallotType.CUMULATIVE, "You have 10 points"),
        (BallotType.RANKED, "Write 1 in the box next to your favourite"),
    ],
)
def test_the_rules_of_each_ballot_type_in_plain_words(
    client: Client, sparkbrook: Ward, ballot_type: str, words: str
) -> None:
    round = make_voting_round(sparkbrook, ballot_type)
    html = client.get(_url(round)).content.decode()
    assert words in html and "voting code" in html


@pytest.mark.parametrize(
    "who", [None, "resident_alice", "councillor_bob", "staff_dave", "councillor_sam"]
)
@pytest.mark.parametrize("phase", [Phase.VOTING, Phase.CLOSED, Phase.PUBLISHED])
def test_public_from_voting_on(
    client: Client,
    request: pytest.FixtureRequest,
    voting_round: Round,
    who: str | None,
    phase: str,
) -> None:
    Round.objects.filter(pk=voting_round.pk).update(phase=phase)
    if who:
        login(client, request.getfixturevalue(who))
    assert client.get(_url(voting_round)).status_code == 200


@pytest.mark.parametrize(
    ("who", "status"),
    [
        (None, 404),
        ("resident_alice", 404),
        ("councillor_bob", 404),
        ("councillor_sam", 200),
        ("staff_dave", 200),
    ],
)
def test_before_voting_only_the_ward_s_managers_see_a_preview(
    client: Client,
    request: pytest.FixtureRequest,
    voting_round: Round,
    who: str | None,
    status: int,
) -> None:
    Round.objects.filter(pk=voting_round.pk).update(phase=Phase.REVIEW)
    if who:
        login(client, request.getfixturevalue(who))
    page = client.get(_url(voting_round))
    assert page.status_code == status
    if status == 200:
        assert "Preview" in page.content.decode()
    else:
        assert TITLES[0] not in page.content.decode()


def test_a_draft_round_is_not_found(client: Client, councillor_sam: Any, sparkbrook: Ward) -> None:
    draft = Round.objects.create(ward=sparkbrook, title="Draft", budget_pence=100)
    login(client, councillor_sam)
    assert client.get(_url(draft)).status_code == 404


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_wrong_method(client: Client, voting_round: Round, method: str) -> None:
    assert getattr(client, method)(_url(voting_round)).status_code == 405


def test_the_voting_desk_links_to_it(
    client: Client, councillor_sam: Any, voting_round: Round
) -> None:
    login(client, councillor_sam)
    desk = client.get(reverse("ballots:voting_desk", args=[voting_round.pk])).content.decode()
    assert _url(voting_round) in desk


def test_the_paper_ballot_says_where_to_hand_it_in(client: Client, voting_round: Round) -> None:
    from budgets.models import PollingPlace

    assert "Where to hand it in" not in client.get(_url(voting_round)).content.decode()
    PollingPlace.objects.create(
        round=voting_round, name="Sparkbrook Library", opening_times="Saturdays 10:00-16:00"
    )
    html = client.get(_url(voting_round)).content.decode()
    assert "Where to hand it in" in html
    assert "<strong>Sparkbrook Library</strong>. Open: Saturdays 10:00-16:00" in html
