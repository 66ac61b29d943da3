"""Closing voting before its end date needs a public reason and a second councillor."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import Event
from ballots import services
from budgets.models import Phase, Round
from tests.ballots.conftest import make_voting_round
from tests.conftest import login
from wards.models import Ward

pytestmark = pytest.mark.django_db


@pytest.fixture
def running_round(sparkbrook: Ward) -> Round:
    return make_voting_round(sparkbrook, voting_end=timezone.now() + datetime.timedelta(days=3))


def test_one_councillor_cannot_close_early(
    running_round: Round, councillor_sam: Any, councillor_sia: Any
) -> None:
    with pytest.raises(ValidationError, match="ask with a public reason"):
        services.close_round(running_round, by=councillor_sam)
    with pytest.raises(ValidationError, match="public reason"):
        services.request_early_close(running_round, by=councillor_sam, reason="  \u200b ")
    services.request_early_close(running_round, by=councillor_sam, reason="Flooded library")
    with pytest.raises(ValidationError, match="you asked for it already"):
        services.close_round(running_round, by=councillor_sam)
    assert Round.objects.get(pk=running_round.pk).phase == Phase.VOTING
    services.close_round(running_round, by=councillor_sia)
    assert Round.objects.get(pk=running_round.pk).phase == Phase.CLOSED
    asked = Event.objects.get(kind="round.early_close_requested")
    assert asked.payload["reason"] == "Flooded library"
    closed = Event.objects.get(kind="round.closed")
    assert closed.payload["early"] == {"reason": "Flooded library"}


def test_others_cannot_ask_to_close_early(
    running_round: Round, councillor_bob: Any, resident_alice: Any
) -> None:
    for user in (councillor_bob, resident_alice):
        with pytest.raises(PermissionDenied):
            services.request_early_close(running_round, by=user, reason="Because")


def test_after_the_end_date_one_councillor_closes_and_the_command_line_always_can(
    sparkbrook: Ward, councillor_sam: Any
) -> None:
    ended = make_voting_round(sparkbrook, voting_end=timezone.now() - datetime.timedelta(hours=1))
    services.close_round(ended, by=councillor_sam)
    running = make_voting_round(
        sparkbrook, title="Still open", voting_end=timezone.now() + datetime.timedelta(days=1)
    )
    services.close_round(running)  # staff at a terminal
    assert Round.objects.filter(phase=Phase.CLOSED).count() == 2


def test_the_close_page_asks_then_a_second_councillor_approves(
    client: Client, running_round: Round, councillor_sam: Any, councillor_sia: Any
) -> None:
    url = reverse("ballots:close", args=[running_round.pk])
    login(client, councillor_sam)
    page = client.get(url).content.decode()
    assert "Public reason for closing early" in page and "I confirm" not in page
    asked = client.post(url, {"action": "ask", "reason": "Flooded library"})
    assert asked.status_code == 302
    mine = client.get(url).content.decode()
    assert "A second councillor of the ward must approve it" in mine and "I confirm" not in mine
    refused = client.post(url, {"confirm": "1"})
    assert refused.status_code == 400 and "you asked for it already" in refused.content.decode()
    client.logout()
    login(client, councillor_sia)
    page = client.get(url).content.decode()
    assert "Flooded library" in page and "Approve and close voting" in page
    done = client.post(url, {"confirm": "1"})
    assert done.status_code == 302
    assert Round.objects.get(pk=running_round.pk).phase == Phase.CLOSED
