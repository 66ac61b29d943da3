"""A delivery update sent twice (double click, back-and-resubmit) is one update: the volunteer
hours it reports are added once, and the ledger has one event."""

from __future__ import annotations

import datetime
from typing import Any

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from audit.models import Event
from delivery import services
from delivery.models import Delivery, Milestone, Update
from delivery.resent import RESENT_WITHIN
from tests.conftest import login
from tests.delivery.conftest import image_bytes, upload


def test_an_update_sent_twice_adds_its_hours_once(
    client: Client, published_round: Any, funded: list[int], councillor_sam: Any
) -> None:
    login(client, councillor_sam)
    url = reverse("delivery:update", args=[published_round.pk, funded[0]])
    data = {"text": "Lamps ordered.", "spent": "1000", "hours_delivered": "5"}
    events = Event.objects.count()
    first, second = client.post(url, data), client.post(url, data)
    assert first.status_code == second.status_code == 302
    assert Update.objects.count() == 1
    assert Delivery.objects.get(proposal_id=funded[0]).hours_delivered == 5
    assert Event.objects.count() == events + 1


def test_an_update_with_a_photo_sent_twice_is_one_update(
    published_round: Any, funded: list[int], councillor_sam: Any
) -> None:
    for _ in range(2):
        services.post_update(
            published_round,
            funded[0],
            by=councillor_sam,
            text="Lamps up.",
            hours_delivered=3,
            photo=upload(image_bytes()),
            photo_alt="New lamp",
        )
    assert Update.objects.count() == 1
    assert Delivery.objects.get(proposal_id=funded[0]).hours_delivered == 3


def test_a_different_update_is_still_posted(
    published_round: Any, funded: list[int], councillor_sam: Any, clerk_cleo: Any
) -> None:
    services.post_update(published_round, funded[0], by=councillor_sam, text="Work goes on.")
    services.post_update(published_round, funded[0], by=clerk_cleo, text="Work goes on.")
    services.post_update(
        published_round, funded[0], by=councillor_sam, text="Work goes on.", hours_delivered=2
    )
    assert Update.objects.count() == 3


def test_the_same_update_again_after_a_while_is_a_new_report(
    published_round: Any, funded: list[int], councillor_sam: Any
) -> None:
    def send() -> None:
        services.post_update(
            published_round, funded[0], by=councillor_sam, text="Weekly work.", hours_delivered=4
        )

    send()
    Update.objects.update(created_at=timezone.now() - RESENT_WITHIN - datetime.timedelta(seconds=1))
    send()
    assert Update.objects.count() == 2
    assert Delivery.objects.get(proposal_id=funded[0]).hours_delivered == 8


def test_a_milestone_sent_twice_is_one_milestone_and_reaching_it_twice_one_event(
    client: Client, published_round: Any, funded: list[int], councillor_sam: Any
) -> None:
    login(client, councillor_sam)
    url = reverse("delivery:milestones", args=[published_round.pk, funded[0]])
    added = [client.post(url, {"title": "Order", "planned_on": "2026-07-01"}) for _ in range(2)]
    assert [a.status_code for a in added] == [302, 302]
    (milestone,) = Milestone.objects.all()
    reached = {"milestone": milestone.pk, "reached_on": "2026-06-30"}
    assert [client.post(url, reached).status_code for _ in range(2)] == [302, 302]
    assert Event.objects.filter(kind="delivery.milestone_set").count() == 2


def test_the_unspent_money_sent_twice_is_one_ledger_event(
    client: Client, published_round: Any, councillor_sam: Any
) -> None:
    login(client, councillor_sam)
    url = reverse("delivery:unspent", args=[published_round.pk])
    data = {"decision": "carried_over", "amount": "100", "note": "To next year's chest."}
    assert [client.post(url, data).status_code for _ in range(2)] == [302, 302]
    assert Event.objects.filter(kind="delivery.unspent_recorded").count() == 1
    client.post(url, {**data, "amount": "90"})
    assert Event.objects.filter(kind="delivery.unspent_recorded").count() == 2
