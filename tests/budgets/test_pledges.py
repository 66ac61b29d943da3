"""Co-production: residents pledge volunteer hours or help in kind to a proposal
(/proposals/<id>/pledge/), see the totals on the proposal page and withdraw their own pledge.
A pledge is a promise, never a vote: the count is the same with or without pledges."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from audit.models import Event
from ballots import services as ballot_services
from budgets.models import Phase, Pledge, Proposal, ProposalStatus, Round
from budgets.services import pledges
from tests.ballots.conftest import make_voting_round, project_ids
from tests.budgets.conftest import make_proposal, make_round
from tests.conftest import DECLARED, login, make_user
from wards.models import Membership, Role, Ward

PERSONAS = [
    "anonymous",
    "resident_alice",
    "resident_rhys",
    "clerk_cleo",
    "councillor_sam",
    "councillor_bob",
    "staff_dave",
]


@pytest.fixture
def resident_rhys(aston: Ward) -> Any:
    user = make_user("rhys")
    Membership.objects.create(user=user, ward=aston, role=Role.RESIDENT)
    return user


@pytest.fixture
def clerk_cleo(sparkbrook: Ward) -> Any:
    user = make_user("cleo")
    Membership.objects.create(user=user, ward=sparkbrook, role=Role.CLERK)
    return user


@pytest.fixture
def proposal(sparkbrook: Ward) -> Proposal:
    return make_proposal(make_round(sparkbrook, Phase.REVIEW))


def _url(proposal: Proposal, *rest: str) -> str:
    name = "budgets:pledge_withdraw" if rest else "budgets:pledge"
    return reverse(name, args=[proposal.pk])


def _as(client: Client, who: str, request: pytest.FixtureRequest) -> Client:
    if who != "anonymous":
        login(client, request.getfixturevalue(who))
    return client


def test_the_urls() -> None:
    assert reverse("budgets:pledge", args=[3]) == "/proposals/3/pledge/"
    assert reverse("budgets:pledge_withdraw", args=[3]) == "/proposals/3/pledge/withdraw/"


def test_a_resident_pledges_changes_and_withdraws_and_the_page_shows_totals(
    client: Client, proposal: Proposal, resident_alice: Any
) -> None:
    login(client, resident_alice)
    form = client.get(_url(proposal))
    assert form.status_code == 200 and 'name="hours"' in form.content.decode()
    done = client.post(_url(proposal), {"hours": "12", "in_kind": "tools"}, follow=True)
    html = done.content.decode()
    assert done.status_code == 200 and "your pledge is recorded" in html
    assert "1 person has pledged <strong>12 volunteer hours</strong>" in html
    assert "<li>tools</li>" in html and "Withdraw my pledge" in html
    assert "Alice" not in html.split("Help pledged")[1].split("</section>")[0]

    client.post(_url(proposal), {"hours": "20", "in_kind": ""})
    (pledge,) = Pledge.objects.all()
    assert (pledge.hours, pledge.in_kind) == (20, "")

    gone = client.post(_url(proposal, "withdraw"), follow=True)
    assert "Your pledge is withdrawn" in gone.content.decode()
    assert not Pledge.objects.exists()
    events = list(Event.objects.filter(kind__startswith="pledge.").order_by("seq"))
    assert [e.kind for e in events] == ["pledge.made", "pledge.made", "pledge.withdrawn"]
    assert events[0].payload == {
        "proposal": proposal.pk, "title": proposal.title, "hours": 12, "in_kind": True,
    }  # fmt: skip
    assert events[0].actor_role == "resident"
    assert "tools" not in str(events[0].payload) and "alice" not in str(events[0].payload)


@pytest.mark.parametrize("who", PERSONAS)
def test_only_a_resident_of_the_ward_may_pledge(
    client: Client, proposal: Proposal, who: str, request: pytest.FixtureRequest
) -> None:
    _as(client, who, request)
    page = client.get(_url(proposal))
    post = client.post(_url(proposal), {"hours": "5"})
    if who == "anonymous":
        assert page.status_code == 302 and "/accounts/login/" in page["Location"]
        assert post.status_code == 302
    elif who == "resident_alice":
        assert page.status_code == 200 and post.status_code == 302
    else:
        # Staff and councillors never pledge on a resident's behalf; another ward's residents
        # pledge in their own ward.
        assert page.status_code == 403 and post.status_code == 403
        assert "Only residents of Sparkbrook can pledge" in page.content.decode()
    assert Pledge.objects.count() == (1 if who == "resident_alice" else 0)
    detail = client.get(proposal.get_absolute_url())
    assert detail.status_code == 200 and "Help pledged" in detail.content.decode()


@pytest.mark.parametrize("who", PERSONAS)
def test_wrong_methods(
    client: Client, proposal: Proposal, who: str, request: pytest.FixtureRequest
) -> None:
    _as(client, who, request)
    assert client.put(_url(proposal)).status_code == 405
    assert client.delete(_url(proposal)).status_code == 405
    assert client.get(_url(proposal, "withdraw")).status_code == 405


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"hours": "201"}, "less than or equal to 200"),
        ({"hours": "99999999999999999999999"}, "less than or equal to 200"),
        ({"hours": "-4"}, "greater than or equal to 0"),
        ({"hours": "4.5"}, "Enter a whole number"),
        ({"hours": "1e9"}, "Enter a whole number"),
        ({"hours": "", "in_kind": ""}, "Pledge some hours, or say what help"),
        ({"hours": "0", "in_kind": "\u200b\u202e \x00\t"}, "Pledge some hours, or say what help"),
        ({"in_kind": "x" * 201}, "at most 200 characters"),
    ],
)
def test_absurd_pledges_are_refused_clearly(
    client: Client, proposal: Proposal, resident_alice: Any, data: dict[str, str], message: str
) -> None:
    login(client, resident_alice)
    answer = client.post(_url(proposal), data)
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert not Pledge.objects.exists()


def test_control_and_bidi_characters_are_cleaned(proposal: Proposal, resident_alice: Any) -> None:
    pledge = pledges.make_pledge(
        proposal, by=resident_alice, hours=0, in_kind="a\u202evan\x00 and\nladders\u200b"
    )
    assert pledge.in_kind == "avan and ladders"


def test_the_service_refuses_what_the_form_would(proposal: Proposal, resident_alice: Any) -> None:
    from django.core.exceptions import ValidationError

    for hours in (201, -1, True, "lots", 10**30):
        with pytest.raises(ValidationError):
            pledges.make_pledge(proposal, by=resident_alice, hours=hours, in_kind="")
    with pytest.raises(ValidationError):
        pledges.make_pledge(proposal, by=resident_alice, hours=1, in_kind=["tools"])
    assert not Pledge.objects.exists()


@pytest.mark.parametrize("status", [ProposalStatus.WITHDRAWN, ProposalStatus.NOT_FEASIBLE])
def test_no_pledge_to_a_proposal_that_does_not_stand(
    client: Client, proposal: Proposal, resident_alice: Any, status: str
) -> None:
    Proposal.objects.filter(pk=proposal.pk).update(status=status)
    login(client, resident_alice)
    answer = client.post(_url(proposal), {"hours": "3"})
    assert answer.status_code == 400
    assert not Pledge.objects.exists()


def test_withdrawing_without_a_pledge_says_so(
    client: Client, proposal: Proposal, resident_alice: Any
) -> None:
    login(client, resident_alice)
    page = client.post(_url(proposal, "withdraw"), follow=True)
    assert "no pledge to this proposal" in page.content.decode()


def test_pledging_is_rate_limited(client: Client, proposal: Proposal, resident_alice: Any) -> None:
    login(client, resident_alice)
    for n in range(pledges.PLEDGE_LIMIT):
        assert client.post(_url(proposal), {"hours": str(n + 1)}).status_code == 302
    limited = client.post(_url(proposal), {"hours": "7"})
    assert limited.status_code == 429 and "Too many pledges" in limited.content.decode()
    assert Pledge.objects.get().hours == pledges.PLEDGE_LIMIT
    assert client.post(_url(proposal, "withdraw")).status_code == 429


def _outcome(round: Round) -> dict[str, Any]:
    from ballots.counting import tally_round

    outcome = tally_round(round)[0]
    outcome.pop("ballots_sha256")  # the ballots file is shuffled on each count; its order only
    return outcome


def test_a_pledge_never_changes_the_count(sparkbrook: Ward) -> None:
    """The same ballots counted before and after a flood of pledges to a project few chose."""
    round = make_voting_round(sparkbrook)
    ids = project_ids(round)
    codes = ballot_services.issue_codes(round, 3)
    for code, chosen in zip(codes, [[ids[0], ids[1]], [ids[0], ids[1]], [ids[4]]], strict=True):
        ballot_services.cast_ballot(round, chosen, code=code, declaration=DECLARED)
    before = _outcome(round)
    for k in range(5):
        person = make_user(f"helper{k}")
        Membership.objects.create(user=person, ward=sparkbrook, role=Role.RESIDENT)
        pledges.make_pledge(
            Proposal.objects.get(pk=ids[4]), by=person, hours=200, in_kind="a digger"
        )
    assert _outcome(round) == before
    result = ballot_services.close_round(round)
    assert result.result_json["selected"] == before["selected"] == [str(ids[0]), str(ids[1])]
    assert Pledge.objects.count() == 5
