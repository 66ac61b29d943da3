"""Sending the ward subscribers' emails: `manage.py send_ward_emails` sends due emails in batches,
retries failures with backoff, keeps what it gives up on, and never writes an address to a log,
its output or the database's error column."""

from __future__ import annotations

import datetime
import logging
import smtplib
from collections.abc import Sequence
from io import StringIO
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail import EmailMessage
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from tests.conftest import login
from wards import notices, outbox
from wards.models import EmailKind, OutboundEmail, Ward, WardSubscription

pytestmark = pytest.mark.django_db

ADDRESS = "winston.wright@example.org"
FAILING = "tests.wards.test_outbox.RefusingBackend"


class RefusingBackend(BaseEmailBackend):
    """A mail server that refuses every recipient, naming the address, as real ones do."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        to = email_messages[0].to[0]
        raise smtplib.SMTPRecipientsRefused(
            {to: (550, f"5.1.1 <{to.upper()}>: Recipient address rejected".encode())}
        )


class SilentBackend(BaseEmailBackend):
    """A backend that accepts nothing and says nothing."""

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        return 0


def _subscriber(ward: Ward, address: str = ADDRESS) -> WardSubscription:
    notices.subscribe(ward, address)
    subscription = WardSubscription.objects.get(ward=ward, email=address)
    notices.confirm(notices.confirm_token(subscription))
    OutboundEmail.objects.all().delete()  # the confirmation request: not what these tests send
    return subscription


def _queue(ward: Ward, key: str = "round-1-voting") -> None:
    notices.queue_ward_notice(ward, event_key=key, subject="Voting is open", body="Vote.")


def _run(*args: str) -> tuple[str, CommandError | None]:
    out = StringIO()
    try:
        call_command("send_ward_emails", *args, stdout=out, stderr=out)
    except CommandError as exc:
        return out.getvalue() + str(exc), exc
    return out.getvalue(), None


def _make_due() -> None:
    OutboundEmail.objects.pending().update(next_attempt_at=timezone.now())


def test_due_emails_are_sent_in_batches_with_progress(sparkbrook: Ward) -> None:
    for n in range(5):
        _subscriber(sparkbrook, f"person{n}@example.org")
    _queue(sparkbrook)
    output, error = _run("--batch-size", "2")
    assert error is None
    assert "5 emails due now" in output
    assert "Batch 1: 2 sent" in output
    assert "Batch 3: 1 sent, 0 to retry later, 0 given up (5 sent in all)" in output
    assert "Done: 5 sent" in output
    assert "@" not in output
    assert sorted(m.to[0] for m in mail.outbox) == [f"person{n}@example.org" for n in range(5)]
    assert OutboundEmail.objects.sent().count() == 5
    # Nothing is sent twice.
    mail.outbox.clear()
    assert "0 emails due now" in _run()[0]
    assert mail.outbox == []


def test_a_failed_send_is_kept_for_a_retry_without_the_address(
    sparkbrook: Ward, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    _subscriber(sparkbrook)
    _queue(sparkbrook)
    settings.EMAIL_BACKEND = FAILING
    caplog.set_level(logging.DEBUG)
    before = timezone.now()
    output, error = _run()
    assert error is None  # retrying later is not a failure of the run
    assert "0 sent, 1 to retry later, 0 given up" in output
    email = OutboundEmail.objects.get()
    assert (email.attempts, email.sent_at, email.failed_at) == (1, None, None)
    assert email.next_attempt_at >= before + outbox.FIRST_RETRY
    assert email.last_error.startswith("SMTPRecipientsRefused")
    assert "[address]" in email.last_error
    for text in (output, email.last_error, caplog.text):
        assert ADDRESS not in text.lower()
        assert "@" not in text
    assert f"Email {email.pk}" in caplog.text
    # Not due again yet: a second run leaves it alone.
    assert "0 emails due now, 1 waiting" in _run()[0]
    assert OutboundEmail.objects.get().attempts == 1


def test_a_backend_that_accepts_nothing_is_a_failure(sparkbrook: Ward, settings: Any) -> None:
    _subscriber(sparkbrook)
    _queue(sparkbrook)
    settings.EMAIL_BACKEND = "tests.wards.test_outbox.SilentBackend"
    assert "1 to retry later" in _run()[0]
    assert OutboundEmail.objects.get().last_error


def test_a_retry_sends_once_the_server_is_back(sparkbrook: Ward, settings: Any) -> None:
    _subscriber(sparkbrook)
    _queue(sparkbrook)
    settings.EMAIL_BACKEND = FAILING
    _run()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _make_due()
    output, _ = _run()
    assert "1 sent" in output
    email = OutboundEmail.objects.get()
    assert (email.attempts, email.last_error) == (2, "")
    assert email.sent_at is not None
    assert [m.to for m in mail.outbox] == [[ADDRESS]]


def test_after_the_last_attempt_the_email_is_kept_as_failed_and_the_run_fails(
    sparkbrook: Ward, aston: Ward, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    _subscriber(sparkbrook)
    _queue(sparkbrook)
    settings.EMAIL_BACKEND = FAILING
    caplog.set_level(logging.DEBUG)
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        assert _run()[1] is None
        _make_due()
    output, error = _run()
    assert error is not None
    assert "1 email given up on in this run" in str(error)
    assert "1 email could not be sent after 6 attempts" in output
    email = OutboundEmail.objects.get()
    assert email.attempts == outbox.MAX_ATTEMPTS
    assert email.failed_at is not None
    assert "@" not in caplog.text + output
    # Kept, and counted by every later run (which itself succeeds: nothing new was given up).
    output, error = _run()
    assert error is None
    assert "1 email could not be sent" in output


def test_backoff_grows_and_is_capped() -> None:
    delays = [outbox.retry_delay(n) for n in range(1, 10)]
    assert delays[:3] == [
        datetime.timedelta(minutes=5),
        datetime.timedelta(minutes=15),
        datetime.timedelta(minutes=45),
    ]
    assert delays == sorted(delays)
    assert max(delays) == outbox.MAX_RETRY


def test_claimed_emails_are_not_claimed_again_until_their_lease_runs_out(
    sparkbrook: Ward,
) -> None:
    for n in range(3):
        _subscriber(sparkbrook, f"person{n}@example.org")
    _queue(sparkbrook)
    first = outbox.claim(2)
    second = outbox.claim(2)
    assert len(first) == 2
    assert len(second) == 1
    assert not set(first) & set(second)
    assert outbox.claim(10) == []
    # A worker that died after claiming: its emails are taken up again after the lease.
    later = timezone.now() + outbox.LEASE + datetime.timedelta(seconds=1)
    assert sorted(outbox.claim(10, now=later)) == sorted(first + second)


def test_sent_emails_are_deleted_after_30_days(sparkbrook: Ward) -> None:
    _subscriber(sparkbrook)
    _queue(sparkbrook)
    _run()
    OutboundEmail.objects.update(sent_at=timezone.now() - outbox.KEEP_SENT - datetime.timedelta(1))
    assert "Deleted 1 email sent over 30 days ago" in _run()[0]
    assert not OutboundEmail.objects.exists()
    assert WardSubscription.objects.exists()


def test_a_bad_batch_size_is_refused(db: None) -> None:
    for size in ("0", "1001"):
        output, error = _run("--batch-size", size)
        assert error is not None
        assert "--batch-size must be between 1 and 1000" in output


def test_a_failed_confirmation_is_retried_and_the_visitor_sees_the_same_page(
    client: Client, sparkbrook: Ward, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.EMAIL_BACKEND = FAILING
    caplog.set_level(logging.DEBUG)
    response = client.post("/wards/sparkbrook/subscribe/", {"email": ADDRESS})
    assert response.status_code == 302
    email = OutboundEmail.objects.get()
    assert (email.kind, email.attempts, email.sent_at) == (EmailKind.CONFIRMATION, 1, None)
    assert "@" not in caplog.text
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _make_due()
    _run()
    assert "/wards/subscriptions/confirm/" in mail.outbox[-1].body
    assert mail.outbox[-1].to == [ADDRESS]


def test_nothing_logs_an_address(
    client: Client, sparkbrook: Ward, councillor_sam: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """The whole path, logged at DEBUG: subscribe, confirm, a notice, a send, unsubscribe."""
    from budgets import services as budgets

    caplog.set_level(logging.DEBUG)
    client.post("/wards/sparkbrook/subscribe/", {"email": ADDRESS})
    subscription = WardSubscription.objects.get()
    client.post(f"/wards/subscriptions/confirm/{notices.confirm_token(subscription)}/")
    round = budgets.create_round(sparkbrook, by=councillor_sam, title="Chest")
    budgets.change_phase(round, "proposals", by=councillor_sam)
    output, _ = _run()
    client.post(notices.unsubscribe_url(subscription))
    assert len(mail.outbox) == 2
    assert not WardSubscription.objects.exists()
    records = " ".join(r.getMessage() for r in caplog.records)
    assert ADDRESS not in records + caplog.text + output


def test_advance_rounds_can_send_the_emails_too(sparkbrook: Ward) -> None:
    _subscriber(sparkbrook)
    _queue(sparkbrook)
    out = StringIO()
    call_command("advance_rounds", "--send-email", stdout=out, stderr=out)
    assert "Done: 1 sent" in out.getvalue()
    assert [m.to for m in mail.outbox] == [[ADDRESS]]


def test_staff_read_the_outbox_and_retry_failed_emails(
    client: Client, sparkbrook: Ward, settings: Any
) -> None:
    _subscriber(sparkbrook)
    _queue(sparkbrook)
    OutboundEmail.objects.update(failed_at=timezone.now(), attempts=6, last_error="SMTPError")
    admin = get_user_model().objects.create_superuser("root", password="x")
    login(client, admin)
    page = client.get("/admin/wards/outboundemail/")
    assert page.status_code == 200
    assert "SMTPError" in page.content.decode()
    assert client.get("/admin/wards/outboundemail/add/").status_code == 403
    assert client.get("/admin/wards/wardsubscription/").status_code == 200
    assert client.get("/admin/wards/wardsubscription/add/").status_code == 403
    email = OutboundEmail.objects.get()
    client.post(
        "/admin/wards/outboundemail/",
        {"action": "retry", "_selected_action": [email.pk]},
    )
    email.refresh_from_db()
    assert (email.failed_at, email.attempts) == (None, 0)
    _run()
    assert [m.to for m in mail.outbox] == [[ADDRESS]]


def test_confirming_drops_a_confirmation_request_still_waiting_for_a_retry(
    client: Client, sparkbrook: Ward, settings: Any
) -> None:
    settings.EMAIL_BACKEND = FAILING
    client.post("/wards/sparkbrook/subscribe/", {"email": ADDRESS})
    assert OutboundEmail.objects.pending().count() == 1
    notices.confirm(notices.confirm_token(WardSubscription.objects.get()))
    assert not OutboundEmail.objects.exists()
