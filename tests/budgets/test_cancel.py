"""Cancelling a round before voting opens: one councillor, a public reason, and the round ends.

(Once voting has opened it takes a second councillor: tests/ballots/test_cancel.py.)
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from audit.models import Event
from budgets import services
from budgets.models import Phase, Round
from tests.budgets.conftest import make_proposal, make_round
from tests.conftest import login, make_user
from wards.models import Membership, Role, Ward

pytestmark = pytest.mark.django_db


@pytest.fixture
def clerk_cleo(sparkbrook: Ward) -> Any:
    user = make_user("cleo", first_name="Cleo", last_name="Clarke")
    Membership.objects.create(user=user, ward=sparkbrook, role=Role.CLERK)
    return user


def _url(round: Round) -> str:
    return f"/rounds/{round.pk}/cancel/"


@pytest.mark.parametrize("phase", [Phase.DRAFT, Phase.PROPOSALS, Phase.REVIEW])
def test_one_councillor_cancels_before_voting_with_a_public_reason(
    sparkbrook: Ward, councillor_sam: Any, phase: str
) -> None:
    round = make_round(sparkbrook, phase)
    with pytest.raises(ValidationError, match="public reason"):
        services.cancel_round(round, by=councillor_sam, reason=" \u200b ")
    services.cancel_round(round, by=councillor_sam, reason="The library is closing for repairs")
    round.refresh_from_db()
    assert round.phase == Phase.CANCELLED and round.cancelled_from == phase
    assert round.cancel_reason == "The library is closing for repairs"
    assert round.cancelled_at is not None
    event = Event.objects.get(kind="round.cancelled")
    assert event.payload == {"from": phase, "reason": "The library is closing for repairs"}
    assert event.actor_role == "councillor" and "sam" not in event.actor_id
    with pytest.raises(ValidationError, match="already cancelled"):
        services.cancel_round(round, by=councillor_sam, reason="Again")


def test_others_cannot_cancel(
    proposals_round: Round, councillor_bob: Any, resident_alice: Any, clerk_cleo: Any
) -> None:
    for user in (None, councillor_bob, resident_alice, clerk_cleo):
        with pytest.raises(PermissionDenied):
            services.cancel_round(proposals_round, by=user, reason="Because")
    assert Round.objects.get(pk=proposals_round.pk).phase == Phase.PROPOSALS


@pytest.mark.parametrize("phase", [Phase.CLOSED, Phase.PUBLISHED])
def test_a_counted_round_cannot_be_cancelled(
    sparkbrook: Ward, councillor_sam: Any, phase: str
) -> None:
    round = make_round(sparkbrook, phase)
    with pytest.raises(ValidationError, match="cannot be cancelled"):
        services.cancel_round(round, by=councillor_sam, reason="Second thoughts")
    assert services.cancel_options(councillor_sam, round).refusal


def test_before_voting_nobody_needs_to_ask(proposals_round: Round, councillor_sam: Any) -> None:
    with pytest.raises(ValidationError, match="no request is needed"):
        services.request_cancel(proposals_round, by=councillor_sam, reason="Why")


def test_a_cancelled_round_takes_nothing_more(
    proposals_round: Round, councillor_sam: Any, resident_alice: Any
) -> None:
    proposal = make_proposal(proposals_round, resident_alice)
    services.cancel_round(proposals_round, by=councillor_sam, reason="Merged with the city's fund")
    round = Round.objects.get(pk=proposals_round.pk)
    with pytest.raises(ValidationError, match="cancelled, so it takes no proposals"):
        services.submit_proposal(
            round,
            by=resident_alice,
            title="Benches",
            summary="s",
            description="d",
            estimated_cost_pence=10_000,
        )
    with pytest.raises(ValidationError, match="cancelled"):
        services.edit_proposal(proposal, by=resident_alice, title="Other")
    with pytest.raises(ValidationError, match="cancelled"):
        services.change_phase(round, Phase.REVIEW, by=councillor_sam)
    with pytest.raises(ValidationError, match="cancelled"):
        services.update_round(round, by=councillor_sam, title="Renamed")
    assert not services.settings_editable(round)


def test_reviews_stop_when_a_round_in_review_is_cancelled(
    review_round: Round, councillor_sam: Any, resident_alice: Any
) -> None:
    proposal = make_proposal(review_round, resident_alice)
    services.cancel_round(review_round, by=councillor_sam, reason="Boundary change")
    proposal.refresh_from_db()
    with pytest.raises(ValidationError, match="cancelled"):
        services.review_proposal(proposal, by=councillor_sam, decision="feasible", reason="Fine")


def test_a_phase_change_cannot_cancel(proposals_round: Round, councillor_sam: Any) -> None:
    with pytest.raises(ValidationError, match="public reason"):
        services.change_phase(proposals_round, Phase.CANCELLED, by=councillor_sam)


def test_the_scheduler_leaves_a_cancelled_round_alone(
    sparkbrook: Ward, councillor_sam: Any
) -> None:
    past = timezone.now() - timezone.timedelta(days=1)
    round = make_round(sparkbrook, Phase.PROPOSALS, proposals_end=past)
    services.cancel_round(round, by=councillor_sam, reason="Cancelled")
    assert services.advance_due_rounds() == []
    assert Round.objects.get(pk=round.pk).phase == Phase.CANCELLED


def test_a_cancelled_draft_stays_private(
    client: Client, draft_round: Round, councillor_sam: Any, resident_alice: Any
) -> None:
    services.cancel_round(draft_round, by=councillor_sam, reason="Started by mistake")
    assert client.get(f"/rounds/{draft_round.pk}/").status_code == 404
    assert not Round.objects.visible_to(resident_alice).exists()
    assert "Started by mistake" not in client.get("/wards/sparkbrook/").text
    assert "Started by mistake" in login(client, councillor_sam).get("/wards/sparkbrook/").text


# --- the pages --------------------------------------------------------------------------------


def test_the_round_and_ward_pages_say_cancelled_with_the_reason(
    client: Client, proposals_round: Round, councillor_sam: Any
) -> None:
    services.cancel_round(proposals_round, by=councillor_sam, reason="Flooded community centre")
    page = client.get(f"/rounds/{proposals_round.pk}/").text
    assert "Cancelled: Flooded community centre" in page
    assert "Propose a project" not in page and "not reached" in page
    ward = client.get("/wards/sparkbrook/").text
    assert "Cancelled: Flooded community centre" in ward


def test_a_councillor_cancels_from_the_round_page_with_confirmation(
    client: Client, proposals_round: Round, councillor_sam: Any
) -> None:
    login(client, councillor_sam)
    assert "Cancel this round…" in client.get(f"/rounds/{proposals_round.pk}/").text
    page = client.get(_url(proposals_round)).text
    assert "Public reason for cancelling" in page and "I confirm" in page
    unconfirmed = client.post(_url(proposals_round), {"reason": "Flooded"})
    assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.text
    assert 'value="Flooded"' in unconfirmed.text
    no_reason = client.post(_url(proposals_round), {"confirm": "1", "reason": ""})
    assert no_reason.status_code == 400 and "public reason" in no_reason.text
    odd = client.post(_url(proposals_round), {"action": "delete", "confirm": "1"})
    assert odd.status_code == 400
    assert Round.objects.get(pk=proposals_round.pk).phase == Phase.PROPOSALS
    done = client.post(_url(proposals_round), {"confirm": "1", "reason": "Flooded"}, follow=True)
    assert "The round is cancelled" in done.text and "Cancelled: Flooded" in done.text
    assert Round.objects.get(pk=proposals_round.pk).phase == Phase.CANCELLED
    again = client.get(_url(proposals_round)).text
    assert "already cancelled" in again and "I confirm" not in again


def test_the_cancel_page_is_the_ward_councillors_only(
    client: Client,
    proposals_round: Round,
    resident_alice: Any,
    councillor_bob: Any,
    clerk_cleo: Any,
) -> None:
    url = _url(proposals_round)
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    assert client.post(url, {"confirm": "1", "reason": "x"}).status_code == 302
    for user in (resident_alice, councillor_bob, clerk_cleo):
        login(client, user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"confirm": "1", "reason": "x"}).status_code == 403
        page = client.get(f"/rounds/{proposals_round.pk}/").text
        assert "Cancel this round" not in page
    assert Round.objects.get(pk=proposals_round.pk).phase == Phase.PROPOSALS
    assert client.get(f"/rounds/{proposals_round.pk + 99}/cancel/").status_code == 404


def test_the_cancel_page_refuses_other_methods(
    client: Client, proposals_round: Round, councillor_sam: Any
) -> None:
    login(client, councillor_sam)
    assert client.put(_url(proposals_round)).status_code == 405
    assert client.delete(_url(proposals_round)).status_code == 405


# --- the API ----------------------------------------------------------------------------------


def test_the_api_cancels_and_shows_the_reason(
    client: Client, proposals_round: Round, councillor_sam: Any, resident_alice: Any
) -> None:
    url = f"/api/v1/rounds/{proposals_round.pk}/cancel/"
    body = {"reason": "Merged into the city's fund"}
    assert client.post(url, body, content_type="application/json").status_code == 403
    login(client, resident_alice)
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["reason"]
    login(client, councillor_sam)
    missing = client.post(url, {}, content_type="application/json")
    assert missing.status_code == 400 and "public reason" in missing.json()["reason"]
    assert client.get(url).status_code == 405
    done = client.post(url, body, content_type="application/json")
    assert done.status_code == 200
    assert done.json()["phase"] == "cancelled"
    assert done.json()["cancel_reason"] == "Merged into the city's fund"
    listed = client.get("/api/v1/rounds/?phase=cancelled").json()
    assert [r["id"] for r in listed["results"]] == [proposals_round.pk]
    detail = Client().get(f"/api/v1/rounds/{proposals_round.pk}/").json()
    assert detail["phase"] == "cancelled" and detail["cancel_reason"]


def test_a_cancelled_round_without_its_reason_is_refused_by_clean_and_the_database(
    sparkbrook: Ward,
) -> None:
    from django.db import IntegrityError, transaction

    round = Round(ward=sparkbrook, title="Odd", budget_pence=100, phase=Phase.CANCELLED)
    with pytest.raises(ValidationError, match="public reason"):
        round.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        round.save()
