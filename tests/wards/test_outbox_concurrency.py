"""Workers sending the ward subscribers' emails at once share them without sending one twice,
on real PostgreSQL (select_for_update with skip_locked)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection

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


def _run_at_once(workers: list[Callable[[], Any]]) -> list[Any]:
    barrier = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)

    def run(i: int, work: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = work()
        except Exception as exc:  # the test inspects what each thread met
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, w)) for i, w in enumerate(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_workers_claiming_at_once_never_take_the_same_email(queued: int) -> None:
    claims = _run_at_once([lambda: outbox.claim(15) for _ in range(4)])
    assert not [c for c in claims if isinstance(c, Exception)]
    taken = [pk for claim in claims for pk in claim]
    assert len(taken) == len(set(taken)) == queued


def test_workers_sending_at_once_send_each_email_once(queued: int) -> None:
    tallies = _run_at_once([lambda: outbox.send_due(batch_size=5) for _ in range(3)])
    assert not [t for t in tallies if isinstance(t, Exception)]
    assert sum(t.sent for t in tallies) == queued
    addresses = [m.to[0] for m in mail.outbox]
    assert len(addresses) == len(set(addresses)) == queued
    assert OutboundEmail.objects.sent().count() == queued
