"""Cancelling a round once voting has opened: one councillor asks with a public reason, a second
approves (or the first withdraws); the ballots cast are never counted, nothing links anyone to
one, and the ledger still verifies."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from audit.models import Event
from audit.verify import check_phase_order, main
from ballots import services
from ballots.models import Ballot, CastToken, Participation, Result, Voter
from budgets import services as rounds
from budgets.models import CancelRequest, Phase, Round
from tests.audit.conftest import fetch
from tests.ballots.conftest import make_voting_round, project_ids
from tests.conftest import DECLARED, login, make_user
from wards.models import Membership, Role, Ward, WardPostcode

pytestmark = pytest.mark.django_db

REASON = "Ballot papers were posted to the wrong ward"


@pytest.fixture
def clerk_cleo(sparkbrook: Ward) -> Any:
    user = make_user("cleo", first_name="Cleo", last_name="Clarke")
    Membership.objects.create(user=user, ward=sparkbrook, role=Role.CLERK)
    return user


def _phase(round: Round) -> str:
    return Round.objects.get(pk=round.pk).phase


def test_cancelling_in_voting_takes_a_request_and_a_second_councillor(
    voting_round: Round, councillor_sam: Any, councillor_sia: Any, councillor_bob: Any
) -> None:
    with pytest.raises(ValidationError, match="ask with a public reason"):
        rounds.cancel_round(voting_round, by=councillor_sam, reason=REASON)
    with pytest.raises(ValidationError, match="public reason"):
        rounds.request_cancel(voting_round, by=councillor_sam, reason="  ")
    with pytest.raises(PermissionDenied):
        rounds.request_cancel(voting_round, by=councillor_bob, reason=REASON)
    rounds.request_cancel(voting_round, by=councillor_sam, reason=REASON)
    with pytest.raises(ValidationError, match="already been asked"):
        rounds.request_cancel(voting_round, by=councillor_sia, reason="Another reason")
    with pytest.raises(ValidationError, match="you asked for it already"):
        rounds.cancel_round(voting_round, by=councillor_sam)
    with pytest.raises(PermissionDenied):
        rounds.cancel_round(voting_round, by=councillor_bob)
    assert _phase(voting_round) == Phase.VOTING
    rounds.cancel_round(voting_round, by=councillor_sia, reason="ignored: the request's counts")
    round = Round.objects.get(pk=voting_round.pk)
    assert round.phase == Phase.CANCELLED and round.cancelled_from == Phase.VOTING
    assert round.cancel_reason == REASON
    asked = Event.objects.get(kind="round.cancel_requested")
    done = Event.objects.get(kind="round.cancelled")
    assert asked.payload == {"reason": REASON}
    assert done.payload["reason"] == REASON and done.payload["second_councillor"] is True
    assert done.payload["from"] == "voting"
    assert asked.actor_id != done.actor_id  # two people, under their pseudonyms
    assert "sam" not in asked.actor_id and "sia" not in done.actor_id
    # The ledger head is signed with the cancellation, as with a close.
    last = Event.objects.filter(round_id=round.pk).order_by("-seq").first()
    assert last is not None and last.kind == "checkpoint.signed"


def test_the_councillor_who_asked_may_withdraw(
    voting_round: Round, councillor_sam: Any, councillor_sia: Any
) -> None:
    with pytest.raises(ValidationError, match="Nobody has asked"):
        rounds.withdraw_cancel_request(voting_round, by=councillor_sam)
    rounds.request_cancel(voting_round, by=councillor_sam, reason=REASON)
    with pytest.raises(ValidationError, match="Only the councillor who asked"):
        rounds.withdraw_cancel_request(voting_round, by=councillor_sia)
    rounds.withdraw_cancel_request(voting_round, by=councillor_sam)
    assert not CancelRequest.objects.exists()
    assert Event.objects.get(kind="round.cancel_withdrawn").payload == {"reason": REASON}
    with pytest.raises(ValidationError, match="ask with a public reason"):
        rounds.cancel_round(voting_round, by=councillor_sia)
    # Asking again, by anyone, starts afresh.
    rounds.request_cancel(voting_round, by=councillor_sia, reason="Second try")
    rounds.cancel_round(voting_round, by=councillor_sam)
    assert Round.objects.get(pk=voting_round.pk).cancel_reason == "Second try"


def test_the_ballots_are_not_counted_and_nothing_links_a_voter_to_one(
    sparkbrook: Ward,
    aston: Ward,
    voting_round: Round,
    issued_codes: list[str],
    resident_alice: Any,
    councillor_sam: Any,
    councillor_sia: Any,
) -> None:
    ids = project_ids(voting_round)
    receipts = [
        services.cast_ballot(voting_round, [ids[i]], code=code, declaration=DECLARED).receipt
        for i, code in enumerate(issued_codes[:3])
    ]
    services.cast_ballot(voting_round, [ids[0]], user=resident_alice, declaration=DECLARED)
    CastToken.objects.create(round=voting_round, nonce_hash="x" * 64, receipt=receipts[0])
    assert Participation.objects.filter(round=voting_round).exists()
    rounds.request_cancel(voting_round, by=councillor_sam, reason=REASON)
    rounds.cancel_round(voting_round, by=councillor_sia)

    assert not Result.objects.filter(round=voting_round).exists()
    assert not Ballot.objects.filter(round=voting_round, voter__isnull=False).exists()
    assert not Voter.objects.filter(round=voting_round, voting_code__isnull=False).exists()
    assert not CastToken.objects.filter(round=voting_round).exists()
    assert not Participation.objects.filter(round=voting_round).exists()
    event = Event.objects.get(kind="round.cancelled")
    assert event.payload["turnout"] == {"online": 4, "paper": 0, "total": 4}
    status = services.receipt_status(receipts[0])
    assert status is not None and status.status == services.ReceiptState.NOT_COUNTED
    assert not status.counted and status.selection is None
    # The cancelled vote no longer holds Alice to her ward for the year.
    away = make_voting_round(aston)
    WardPostcode.objects.create(ward=aston, postcode="B6 5RQ")
    services.cast_ballot(
        away, project_ids(away)[:1], user=resident_alice, postcode="B6 5RQ", declaration=DECLARED
    )


def test_a_cancelled_round_takes_no_ballot_batch_code_close_or_publication(
    voting_round: Round, issued_codes: list[str], councillor_sam: Any, councillor_sia: Any
) -> None:
    ids = project_ids(voting_round)
    rounds.request_cancel(voting_round, by=councillor_sam, reason=REASON)
    rounds.cancel_round(voting_round, by=councillor_sia)
    round = Round.objects.get(pk=voting_round.pk)
    with pytest.raises(ValidationError, match="cancelled, so it takes no votes"):
        services.cast_ballot(round, [ids[0]], code=issued_codes[5], declaration=DECLARED)
    # A stale copy of the round in voting is refused too: the database has the last word.
    with pytest.raises(ValidationError, match="cancelled"):
        services.cast_ballot(voting_round, [ids[0]], code=issued_codes[6], declaration=DECLARED)
    with pytest.raises(ValidationError, match="cancelled"):
        services.enter_paper_batch(
            voting_round,
            polling_place="Library",
            by=councillor_sam,
            account=services.PaperAccount(3, 1, 1, 1),
            ballots=[{"code": issued_codes[7], "projects": [1]}],
        )
    with pytest.raises(ValidationError, match="cancelled"):
        services.issue_codes(round, 5)
    assert not services.codes_can_be_issued(round)
    with pytest.raises(ValidationError, match="cancelled"):
        services.close_round(round, by=councillor_sam)
    with pytest.raises(ValidationError, match="cancelled"):
        services.publish_round(round, by=councillor_sam)
    with pytest.raises(ValidationError):
        services.request_early_close(round, by=councillor_sam, reason="Early")
    assert not Ballot.objects.filter(round=round).exists()
    assert not services.desk_actions(councillor_sam, round).can_close


def test_the_ledger_of_a_cancelled_round_verifies(
    voting_round: Round,
    issued_codes: list[str],
    councillor_sam: Any,
    councillor_sia: Any,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ids = project_ids(voting_round)
    for code in issued_codes[:3]:
        services.cast_ballot(voting_round, [ids[1]], code=code, declaration=DECLARED)
    rounds.request_cancel(voting_round, by=councillor_sam, reason=REASON)
    rounds.cancel_round(voting_round, by=councillor_sia)
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_bytes(fetch(Client(), "/audit/ledger.jsonl"))
    assert main([str(ledger)]) == 0, capsys.readouterr().out
    events = [
        (e.seq, {"kind": e.kind, "round": e.round_id, "payload": e.payload})
        for e in Event.objects.order_by("seq")
    ]
    assert check_phase_order(events) is None
    # Nothing bound to a phase may follow the cancellation.
    after = (10**6, {"kind": "ballots.sealed", "round": voting_round.pk, "payload": {}})
    problem = check_phase_order([*events, after])
    assert problem is not None and "after round.cancelled" in problem[1]
    reopened = {"from": "voting", "to": "closed"}
    phase = (10**6, {"kind": "round.phase_changed", "round": voting_round.pk, "payload": reopened})
    assert check_phase_order([*events, phase]) is not None


# --- the pages --------------------------------------------------------------------------------


def test_the_cancel_page_asks_then_a_second_councillor_approves(
    client: Client, voting_round: Round, councillor_sam: Any, councillor_sia: Any
) -> None:
    url = f"/rounds/{voting_round.pk}/cancel/"
    login(client, councillor_sam)
    assert url in client.get(f"/rounds/{voting_round.pk}/voting-desk/").text
    assert url in client.get(f"/rounds/{voting_round.pk}/").text
    page = client.get(url).text
    assert "Voting has opened" in page and "Ask to cancel the round" in page
    assert "I confirm" not in page
    jumped = client.post(url, {"confirm": "1"})
    assert jumped.status_code == 400 and "ask with a public reason" in jumped.text
    asked = client.post(url, {"action": "ask", "reason": REASON}, follow=True)
    assert "A second councillor of the ward must approve it" in asked.text
    mine = client.get(url).text
    assert "Withdraw my request" in mine and "I confirm" not in mine
    refused = client.post(url, {"confirm": "1"})
    assert refused.status_code == 400 and "you asked for it already" in refused.text
    login(client, councillor_sia)
    theirs = client.get(url).text
    assert REASON in theirs and "Approve and cancel the round" in theirs
    assert "Withdraw my request" not in theirs
    not_theirs = client.post(url, {"action": "withdraw"})
    assert not_theirs.status_code == 400 and "Only the councillor who asked" in not_theirs.text
    unconfirmed = client.post(url, {"action": "cancel"})
    assert unconfirmed.status_code == 400 and _phase(voting_round) == Phase.VOTING
    done = client.post(url, {"confirm": "1"}, follow=True)
    assert f"Cancelled: {REASON}" in done.text
    assert _phase(voting_round) == Phase.CANCELLED
    # Anyone may read it, on the round page, the vote page and the ward page.
    anonymous = Client()
    vote = anonymous.get(f"/rounds/{voting_round.pk}/vote/").text
    assert "This round was cancelled" in vote and REASON in vote
    assert f"Cancelled: {REASON}" in anonymous.get("/wards/sparkbrook/").text


def test_the_requester_withdraws_from_the_page(
    client: Client, voting_round: Round, councillor_sam: Any
) -> None:
    url = f"/rounds/{voting_round.pk}/cancel/"
    login(client, councillor_sam)
    client.post(url, {"action": "ask", "reason": REASON})
    done = client.post(url, {"action": "withdraw"}, follow=True)
    assert "Your request to cancel the round is withdrawn" in done.text
    assert not CancelRequest.objects.exists() and _phase(voting_round) == Phase.VOTING


def test_only_the_wards_councillors_can_ask_or_approve(
    client: Client,
    voting_round: Round,
    councillor_sam: Any,
    resident_alice: Any,
    councillor_bob: Any,
    clerk_cleo: Any,
) -> None:
    url = f"/rounds/{voting_round.pk}/cancel/"
    anonymous = client.post(url, {"action": "ask", "reason": REASON})
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    for user in (resident_alice, councillor_bob, clerk_cleo):
        login(client, user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"action": "ask", "reason": REASON}).status_code == 403
    rounds.request_cancel(voting_round, by=councillor_sam, reason=REASON)
    for user in (resident_alice, councillor_bob, clerk_cleo):
        login(client, user)
        assert client.post(url, {"confirm": "1"}).status_code == 403
        assert client.post(url, {"action": "withdraw"}).status_code == 403
        assert client.put(url).status_code == 405
    login(client, councillor_sam)
    assert client.put(url).status_code == 405
    assert _phase(voting_round) == Phase.VOTING and CancelRequest.objects.exists()


def test_the_receipt_page_says_not_counted(
    client: Client, voting_round: Round, councillor_sam: Any, councillor_sia: Any
) -> None:
    code = services.issue_codes(voting_round, 1)[0]
    receipt = services.cast_ballot(
        voting_round, project_ids(voting_round)[:1], code=code, declaration=DECLARED
    ).receipt
    rounds.request_cancel(voting_round, by=councillor_sam, reason=REASON)
    rounds.cancel_round(voting_round, by=councillor_sia)
    page = client.get(f"/receipts/{receipt}/")
    assert page.status_code == 200
    assert "Not counted" in page.text and REASON in page.text
    api = client.get(f"/api/v1/receipts/{receipt}/").json()
    assert api["status"] == "not_counted"


def test_the_api_asks_and_a_second_councillor_approves(
    client: Client, voting_round: Round, councillor_sam: Any, councillor_sia: Any
) -> None:
    url = f"/api/v1/rounds/{voting_round.pk}/cancel/"
    login(client, councillor_sam)
    alone = client.post(url, {"reason": REASON}, content_type="application/json")
    assert alone.status_code == 400 and "second councillor" in alone.json()["reason"]
    asked = client.post(url, {"action": "ask", "reason": REASON}, content_type="application/json")
    assert asked.status_code == 202 and asked.json()["phase"] == "voting"
    again = client.post(url, {"action": "cancel"}, content_type="application/json")
    assert again.status_code == 400 and "you asked for it already" in again.json()["reason"]
    bad = client.post(url, {"action": "explode"}, content_type="application/json")
    assert bad.status_code == 400
    login(client, councillor_sia)
    done = client.post(url, {"action": "cancel"}, content_type="application/json")
    assert done.status_code == 200
    assert done.json()["phase"] == "cancelled" and done.json()["cancel_reason"] == REASON


# --- the dashboard ----------------------------------------------------------------------------


def test_the_dashboard_shows_a_cancelled_round_only_when_the_ward_has_no_other(
    client: Client, sparkbrook: Ward, councillor_sam: Any, councillor_sia: Any
) -> None:
    first = make_voting_round(sparkbrook, title="First try")
    rounds.request_cancel(first, by=councillor_sam, reason=REASON)
    rounds.cancel_round(first, by=councillor_sia)
    page = client.get("/dashboard/").text
    assert f"Cancelled: {REASON}" in page and "Not counted" in page
    assert "Budget in current rounds</dt><dd>£0" in page
    csv = client.get("/dashboard.csv").content.decode()
    assert "First try,cancelled,10000000,," in csv
    make_voting_round(sparkbrook, title="Second try")
    page = client.get("/dashboard/").text
    assert "Second try" in page and "First try" not in page
