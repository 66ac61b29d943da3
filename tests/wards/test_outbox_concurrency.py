"""Workers sending the ward subscribers' emails at once share them without sending one twice,
on real PostgreSQL (select_for_update with skip_locked)."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.threads import run_at_once
from wards import notices, outbox
from wards.models import OutboundEmail, Ward, WardSubscription

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def queued() -> int:
    ward = Ward.objects.create(name="Nechells", slug="nechells", chest_pence=10_000_000)
    count = 40
    for n in range(count):
        notices.subscribe(ward, f"person{n}@example.org")
        subscription = WardSubscription.objects.get(email=f"person{n}@example.org")
        notices.confirm(notices.confirm_token(subscription))
    OutboundEmail.objects.all().delete()
    notices.queue_ward_notice(ward, event_key="round-1-voting", subject="Vote", body="Vote.")
    return count


def test_workers_claiming_at_once_never_take_the_same_email(queued: int) -> None:
    claims = run_at_once([lambda: outbox.claim(15) for _ in range(4)])
    assert not [c for c in claims if isinstance(c, Exception)]
    taken = [pk for claim in claims for pk in claim]
    assert len(taken) == len(set(taken)) == queued


def test_workers_sending_at_once_send_each_email_once(queued: int) -> None:
    tallies = run_at_once([lambda: outbox.send_due(batch_size=5) for _ in range(3)])
    assert not [t for t in tallies if isinstance(t, Exception)]
    assert sum(t.sent for t in tallies) == queued
    addresses = [m.to[0] for m in mail.outbox]
    assert len(addresses) == len(set(addresses)) == queued
    assert OutboundEmail.objects.sent().count() == queued
