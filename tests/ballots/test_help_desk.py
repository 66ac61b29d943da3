"""The help desk, GET /rounds/<id>/help-desk/: a clerk or councillor stays signed in on a shared
device while voters with a code vote one after another; each sees their receipt once, and nothing
of them stays on the screen or in the session."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import resolve, reverse

from audit.models import Event
from ballots import help_desk_views, services
from ballots.models import Ballot, BallotStatus, Voter
from budgets.models import Phase, Round
from tests.ballots.conftest import confirm_vote
from tests.conftest import login
from wards.models import Membership, Role

# What a signed-in session holds before any voter comes to the desk.
AUTH_KEYS = {"_auth_user_id", "_auth_user_backend", "_auth_user_hash"}


def _url(round: Round) -> str:
    return reverse("ballots:help_desk", args=[round.pk])


def _receipt_url(round: Round) -> str:
    return reverse("ballots:help_desk_receipt", args=[round.pk])


def _choices(projects: list[int], code: str, **extra: Any) -> dict[str, Any]:
    return {"projects": projects, "code": code, "basis": "live", "age_confirmed": "1", **extra}


def _review(client: Client, round: Round, data: dict[str, Any]) -> tuple[Any, str]:
    """The review step; returns the page and its one-time token."""
    page = client.post(_url(round), {**data, "step": "review"})
    found = re.search(r'name="cast_token" value="([^"]+)"', page.content.decode())
    assert found is not None, page.content.decode()
    return page, found.group(1)


def _stored_session(client: Client) -> dict[str, Any]:
    """The session as the session store holds it, not as the test client caches it."""
    key = client.cookies["sessionid"].value
    return dict(Session.objects.get(session_key=key).get_decoded())


def _no_store(response: Any) -> bool:
    return "no-store" in response.get("Cache-Control", "")


def test_the_urls() -> None:
    assert reverse("ballots:help_desk", args=[7]) == "/rounds/7/help-desk/"
    assert reverse("ballots:help_desk_receipt", args=[7]) == "/rounds/7/help-desk/receipt/"
    assert resolve("/rounds/7/help-desk/").func is help_desk_views.help_desk
    assert resolve("/rounds/7/help-desk/receipt/").func is help_desk_views.help_desk_receipt


@pytest.mark.parametrize("who", ["clerk_cleo", "councillor_sam", "staff_dave"])
def test_a_voter_votes_at_the_desk_and_the_next_voter_finds_nothing_of_them(
    client: Client,
    request: pytest.FixtureRequest,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    who: str,
) -> None:
    staff = request.getfixturevalue(who)
    login(client, staff)
    code = issued_codes[0]

    ballot = client.get(_url(voting_round))
    html = ballot.content.decode()
    assert ballot.status_code == 200 and _no_store(ballot)
    assert "Help desk" in html and " checked" not in html
    assert re.search(r'<input type="text" name="code" id="code" value="" autocomplete="off"', html)
    assert f'action="{_url(voting_round)}"' in html and 'autocomplete="off"' in html

    review, token = _review(client, voting_round, _choices([ids[0], ids[1]], code))
    assert review.status_code == 200 and _no_store(review)
    assert "A Bench by the Brook" in review.content.decode()
    assert review.content.decode().count(f'action="{_url(voting_round)}"') == 2

    cast = client.post(
        _url(voting_round), _choices([ids[0], ids[1]], code, step="confirm", cast_token=token)
    )
    # POST-redirect-GET to a receipt address that carries nothing of the voter.
    assert cast.status_code == 302 and cast["Location"] == _receipt_url(voting_round)
    assert token not in cast["Location"]
    # Until the receipt is shown the session holds only where to find it: no choices, no code.
    waiting = _stored_session(client)
    assert set(waiting) == AUTH_KEYS | {"help_desk_receipt"}
    assert set(waiting["help_desk_receipt"]) == {"round", "token"}
    assert code not in str(waiting)

    receipt_page = client.get(cast["Location"])
    shown = receipt_page.content.decode()
    (ballot_row,) = Ballot.objects.all()
    assert receipt_page.status_code == 200 and _no_store(receipt_page)
    assert ballot_row.receipt in shown and "Next voter" in shown and "only once" in shown
    assert f'href="{_url(voting_round)}"' in shown

    # The staff member is still signed in, and the session holds nothing of the voter.
    assert _stored_session(client).keys() == AUTH_KEYS
    assert client.session["_auth_user_id"] == str(staff.pk)

    # Back or reload: the receipt is not shown again; a fresh ballot instead.
    again = client.get(_receipt_url(voting_round))
    assert again.status_code == 302 and again["Location"] == _url(voting_round)
    fresh = client.get(_url(voting_round))
    assert fresh.status_code == 200
    assert ballot_row.receipt not in fresh.content.decode()
    assert code not in fresh.content.decode() and " checked" not in fresh.content.decode()

    # Recorded as assisted, counted for nobody's account.
    assert ballot_row.assisted is True
    assert ballot_row.selection == sorted([str(ids[0]), str(ids[1])])
    assert Voter.objects.get().account_key == ""
    event = Event.objects.get(kind="ballot.assisted")
    assert event.payload == {} and code not in event.body
    assert services.assisted_count(voting_round) == 1


def test_a_resubmitted_review_page_casts_nothing_and_shows_no_receipt(
    client: Client,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    clerk_cleo: Any,
) -> None:
    login(client, clerk_cleo)
    data = _choices([ids[0]], issued_codes[0])
    _, token = _review(client, voting_round, data)
    confirm = {**data, "step": "confirm", "cast_token": token}
    first = client.post(_url(voting_round), confirm, follow=True)
    receipt = Ballot.objects.get().receipt
    assert receipt in first.content.decode()

    # The next voter presses back and resends the last voter's review page.
    resent = client.post(_url(voting_round), confirm, follow=True)
    assert resent.redirect_chain == [
        (_receipt_url(voting_round), 302),
        (_url(voting_round), 302),
    ]
    assert receipt not in resent.content.decode()
    assert Ballot.objects.count() == 1
    assert _stored_session(client).keys() == AUTH_KEYS


def test_a_double_click_casts_once_and_shows_the_receipt(
    client: Client, voting_round: Round, ids: list[int], issued_codes: list[str], clerk_cleo: Any
) -> None:
    login(client, clerk_cleo)
    data = _choices([ids[0]], issued_codes[0])
    _, token = _review(client, voting_round, data)
    confirm = {**data, "step": "confirm", "cast_token": token}
    client.post(_url(voting_round), confirm)  # the first click; the browser drops its answer
    second = client.post(_url(voting_round), confirm, follow=True)
    assert Ballot.objects.get().receipt in second.content.decode()
    assert Ballot.objects.count() == 1


def test_choices_saved_in_the_session_by_the_ballot_page_are_cleared_by_the_desk(
    client: Client, voting_round: Round, ids: list[int], councillor_sam: Any
) -> None:
    # Someone used the ordinary ballot on this device and left before signing in.
    client.post(
        reverse("ballots:vote", args=[voting_round.pk]),
        {"projects": [ids[0]], "sign_in": "1", "step": "review"},
    )
    assert "ballot_choices" in client.session
    login(client, councillor_sam)
    assert "ballot_choices" in _stored_session(client)
    page = client.get(_url(voting_round)).content.decode()
    assert " checked" not in page
    assert "ballot_choices" not in _stored_session(client)


def test_a_councillor_who_lives_in_the_ward_still_needs_the_voter_s_code(
    client: Client, voting_round: Round, ids: list[int], councillor_sam: Any
) -> None:
    """At the desk the signed-in account is never the voter: no code, no ballot."""
    Membership.objects.create(user=councillor_sam, ward=voting_round.ward, role=Role.RESIDENT)
    login(client, councillor_sam)
    page = client.get(_url(voting_round)).content.decode()
    assert "Your voting code" in page and "Voting code (optional)" not in page
    answer = client.post(_url(voting_round), _choices([ids[0]], "", step="review"))
    assert answer.status_code == 400
    assert "Enter the voting code from your letter." in answer.content.decode()
    assert not Ballot.objects.exists()


@pytest.mark.parametrize("first_at", ["desk", "own device"])
def test_the_same_code_again_replaces_the_vote_as_online(
    client: Client,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    clerk_cleo: Any,
    first_at: str,
) -> None:
    code = issued_codes[0]
    if first_at == "desk":
        login(client, clerk_cleo)
        confirm_vote(client, _url(voting_round), _choices([ids[0]], code))
    else:
        confirm_vote(
            Client(), reverse("ballots:vote", args=[voting_round.pk]), _choices([ids[0]], code)
        )
        login(client, clerk_cleo)
    second = confirm_vote(client, _url(voting_round), _choices([ids[2]], code))
    html = second.content.decode()
    assert "replaces the ballot cast before" in html
    live = Ballot.objects.get(status=BallotStatus.LIVE)
    assert live.selection == [str(ids[2])] and live.assisted is True
    assert Ballot.objects.filter(status=BallotStatus.REPLACED).count() == 1
    assert services.turnout(voting_round)["total"] == 1


def test_a_wrong_or_paper_used_code_is_refused_as_on_the_ballot_page(
    client: Client,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    clerk_cleo: Any,
    councillor_sam: Any,
) -> None:
    for by in (clerk_cleo, councillor_sam):
        services.enter_paper_batch(
            voting_round,
            polling_place="Library",
            by=by,
            account=services.PaperAccount(1, 0, 0, 1),
            ballots=[{"code": issued_codes[0], "projects": [ids[0]]}],
        )
    login(client, clerk_cleo)
    refused = confirm_vote(client, _url(voting_round), _choices([ids[1]], issued_codes[0]))
    assert refused.status_code == 400
    assert services.INVALID_CODE.replace("'", "&#x27;") in refused.content.decode()
    assert Ballot.objects.count() == 1  # the paper ballot only
    # The form keeps the voter's choices to correct the code; nothing was cast or kept.
    assert _stored_session(client).keys() == AUTH_KEYS


def test_a_mistyped_code_is_caught_before_review(
    client: Client, voting_round: Round, ids: list[int], clerk_cleo: Any
) -> None:
    login(client, clerk_cleo)
    answer = client.post(_url(voting_round), _choices([ids[0]], "ABC", step="review"))
    assert answer.status_code == 400 and 'class="error-summary"' in answer.content.decode()
    assert not Ballot.objects.exists()


@pytest.mark.parametrize(
    ("phase", "message"),
    [
        (Phase.PROPOSALS, "The help desk opens when voting opens."),
        (Phase.REVIEW, "The help desk opens when voting opens."),
        (Phase.CLOSED, "Voting has closed in this round, so the help desk is closed."),
        (Phase.PUBLISHED, "Voting has closed in this round, so the help desk is closed."),
    ],
)
def test_outside_voting_the_desk_says_why_and_takes_nothing(
    client: Client,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    councillor_sam: Any,
    phase: str,
    message: str,
) -> None:
    Round.objects.filter(pk=voting_round.pk).update(phase=phase)
    login(client, councillor_sam)
    page = client.get(_url(voting_round))
    html = page.content.decode()
    assert page.status_code == 200 and message in html
    assert 'name="code"' not in html
    answer = client.post(_url(voting_round), _choices([ids[0]], issued_codes[0], step="review"))
    assert message in answer.content.decode() and "cast_token" not in answer.content.decode()
    assert not Ballot.objects.exists()
    desk = client.get(reverse("ballots:voting_desk", args=[voting_round.pk]))
    assert _url(voting_round) not in desk.content.decode()


def test_a_round_without_codes_has_no_help_desk(
    client: Client, voting_round: Round, councillor_sam: Any
) -> None:
    Round.objects.filter(pk=voting_round.pk).update(allow_code_voting=False)
    login(client, councillor_sam)
    page = client.get(_url(voting_round)).content.decode()
    assert "not voted on with voting codes" in page and 'name="code"' not in page


def test_a_desk_ballot_after_voting_closes_under_the_review_page_is_refused(
    client: Client, voting_round: Round, ids: list[int], issued_codes: list[str], clerk_cleo: Any
) -> None:
    login(client, clerk_cleo)
    data = _choices([ids[0]], issued_codes[0])
    _, token = _review(client, voting_round, data)
    services.close_round(voting_round)
    answer = client.post(_url(voting_round), {**data, "step": "confirm", "cast_token": token})
    assert "help desk is closed" in answer.content.decode()
    assert not Ballot.objects.exists()


def test_a_draft_round_has_no_desk(client: Client, voting_round: Round, clerk_cleo: Any) -> None:
    Round.objects.filter(pk=voting_round.pk).update(phase=Phase.DRAFT)
    login(client, clerk_cleo)
    assert client.get(_url(voting_round)).status_code == 404


@pytest.mark.parametrize(
    "who", ["resident_alice", "councillor_bob", "clerk_ade", "auditor_carol", "resident_rhys"]
)
def test_others_get_no_desk_and_cast_nothing(
    client: Client,
    request: pytest.FixtureRequest,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    who: str,
) -> None:
    login(client, request.getfixturevalue(who))
    assert client.get(_url(voting_round)).status_code == 403
    answer = client.post(_url(voting_round), _choices([ids[0]], issued_codes[0], step="review"))
    assert answer.status_code == 403 and "cast_token" not in answer.content.decode()
    assert client.get(_receipt_url(voting_round)).status_code == 403
    assert not Ballot.objects.exists()
    desk = client.get(voting_round.get_absolute_url()).content.decode()
    assert _url(voting_round) not in desk


def test_anonymous_is_sent_to_sign_in(
    client: Client, voting_round: Round, ids: list[int], issued_codes: list[str]
) -> None:
    for response in (
        client.get(_url(voting_round)),
        client.post(_url(voting_round), _choices([ids[0]], issued_codes[0], step="review")),
        client.get(_receipt_url(voting_round)),
    ):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert not Ballot.objects.exists()


def test_wrong_methods(client: Client, voting_round: Round, clerk_cleo: Any) -> None:
    login(client, clerk_cleo)
    assert client.put(_url(voting_round)).status_code == 405
    assert client.delete(_url(voting_round)).status_code == 405
    assert client.post(_receipt_url(voting_round)).status_code == 405
    # Showing the receipt uses it up, so a HEAD request may not.
    assert client.head(_receipt_url(voting_round)).status_code == 405


def test_the_desks_link_to_it_while_voting(
    client: Client, voting_round: Round, councillor_sam: Any, clerk_cleo: Any
) -> None:
    login(client, councillor_sam)
    desk = client.get(reverse("ballots:voting_desk", args=[voting_round.pk])).content.decode()
    assert f'href="{_url(voting_round)}"' in desk
    login(client, clerk_cleo)
    page = client.get(voting_round.get_absolute_url()).content.decode()
    assert f'href="{_url(voting_round)}"' in page


def test_the_ordinary_ballot_is_unchanged_for_a_voter_with_a_code(
    client: Client, voting_round: Round, ids: list[int], issued_codes: list[str]
) -> None:
    page = confirm_vote(
        client, reverse("ballots:vote", args=[voting_round.pk]), _choices([ids[0]], issued_codes[0])
    )
    assert "Your vote has been cast" in page.content.decode()
    assert Ballot.objects.get().assisted is False
    assert not Event.objects.filter(kind="ballot.assisted").exists()
