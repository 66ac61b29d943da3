"""Delivering the outbox (wards.models.OutboundEmail): what `manage.py send_ward_emails` runs.

Each run claims due emails in batches: a claim moves their next attempt LEASE ahead and counts the
attempt, in a short transaction that skips rows another worker holds (select_for_update with
skip_locked on PostgreSQL), so workers running at once never send the same email, and an email
whose worker died is taken up again once its lease runs out. Delivery goes through Django's email
backend (SMTP in production, files under var/mail/ in the demo). A failure sets the next attempt
after a growing delay (5 minutes, 15, 45, ... at most 12 hours); after MAX_ATTEMPTS the email is
marked failed and kept, counted by every run until staff retry or delete it in the admin.

Addresses go only to the email backend: logs, the command's output and `last_error` name emails by
id, and any address in an error message is replaced by "[address]".
"""

from __future__ import annotations

import contextlib
import datetime
import logging
import re
import smtplib
from collections.abc import Callable
from dataclasses import dataclass

from django.core.mail import EmailMessage, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone, translation

from wards import notices
from wards.models import EmailKind, OutboundEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
FIRST_RETRY = datetime.timedelta(minutes=5)
RETRY_FACTOR = 3
MAX_RETRY = datetime.timedelta(hours=12)
# Longer than a batch can take to send (DEFAULT_BATCH emails, each bounded by EMAIL_TIMEOUT).
LEASE = datetime.timedelta(minutes=30)
DEFAULT_BATCH = 50
MAX_BATCH = 1000
# Sent emails hold no address, but nothing needs them for long.
KEEP_SENT = datetime.timedelta(days=30)
ERROR_MAX = 300

_ADDRESS = re.compile(r"[^\s<>\"'(),;:\[\]{}]+@[^\s<>\"'(),;:\[\]{}]+")


@dataclass
class Tally:
    """What one delivery did: counts only."""

    sent: int = 0
    retrying: int = 0
    gave_up: int = 0

    def __iadd__(self, other: Tally) -> Tally:
        self.sent += other.sent
        self.retrying += other.retrying
        self.gave_up += other.gave_up
        return self


def retry_delay(attempts: int) -> datetime.timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    return min(FIRST_RETRY * RETRY_FACTOR ** max(attempts - 1, 0), MAX_RETRY)


def claim(
    limit: int, *, now: datetime.datetime | None = None, only: list[int] | None = None
) -> list[int]:
    """Take up to `limit` due emails for this worker (ids), counting the attempt."""
    now = now or timezone.now()
    with transaction.atomic():
        due = OutboundEmail.objects.due(now)
        if only is not None:
            due = due.filter(pk__in=only)
        ids = list(
            due.select_for_update(skip_locked=True)
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        if ids:
            OutboundEmail.objects.due(now).filter(pk__in=ids).update(
                next_attempt_at=now + LEASE, attempts=F("attempts") + 1
            )
    return ids


def describe_failure(error: Exception, address: str = "") -> str:
    """The error as last_error and the log keep it: its type and words, without any address."""
    text = f"{type(error).__name__}: {error}"
    if address:
        text = re.sub(re.escape(address), "[address]", text, flags=re.IGNORECASE)
    text = _ADDRESS.sub("[address]", text)
    return " ".join(text.split())[:ERROR_MAX]


def _message(email: OutboundEmail, connection: BaseEmailBackend) -> EmailMessage:
    subscription = email.subscription
    body = email.body.rstrip("\n") + "\n"
    headers = {"Auto-Submitted": "auto-generated"}
    if email.kind == EmailKind.NOTICE:
        # RFC 8058 one-click unsubscribe: mail providers POST to the link, no page in between.
        link = notices.unsubscribe_url(subscription)
        with translation.override(subscription.language):
            footer = render_to_string(
                "wards/email/notice_footer.txt", {"ward": subscription.ward, "url": link}
            )
        body = f"{body}\n{footer}"
        headers["List-Unsubscribe"] = f"<{link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return EmailMessage(
        subject=email.subject,
        body=body,
        to=[subscription.email],
        headers=headers,
        connection=connection,
    )


def _close(connection: BaseEmailBackend) -> None:
    # A broken connection is dropped either way.
    with contextlib.suppress(smtplib.SMTPException, OSError):
        connection.close()


def deliver(ids: list[int]) -> Tally:
    """Send the claimed emails `ids`; each is marked sent, or rescheduled, or failed."""
    tally = Tally()
    emails = (
        OutboundEmail.objects.filter(pk__in=ids).select_related("subscription__ward").order_by("pk")
    )
    # One connection for the batch: one SMTP session (if it cannot open, each send below tries
    # again and records its own failure); the demo's file backend writes the batch to one file.
    connection = get_connection()
    if isinstance(connection, SMTPBackend):
        with contextlib.suppress(smtplib.SMTPException, OSError):
            connection.open()
    try:
        for email in emails:
            try:
                accepted = connection.send_messages([_message(email, connection)])
                if not accepted:
                    raise smtplib.SMTPException("The mail backend accepted nothing.")
            # Any backend error (SMTP, network, encoding): this email waits for its next attempt
            # and the batch goes on; nothing is lost.
            except Exception as error:
                _failed(email, describe_failure(error, email.subscription.email), tally)
                _close(connection)
            else:
                OutboundEmail.objects.filter(pk=email.pk).update(
                    sent_at=timezone.now(), last_error=""
                )
                tally.sent += 1
    finally:
        _close(connection)
    return tally


def _failed(email: OutboundEmail, error: str, tally: Tally) -> None:
    now = timezone.now()
    if email.attempts >= MAX_ATTEMPTS:
        OutboundEmail.objects.filter(pk=email.pk).update(failed_at=now, last_error=error)
        tally.gave_up += 1
        logger.error(
            "Email %s (%s) failed %s times; given up and kept as failed: %s",
            email.pk,
            email.event_key,
            email.attempts,
            error,
        )
        return
    retry_at = now + retry_delay(email.attempts)
    OutboundEmail.objects.filter(pk=email.pk).update(next_attempt_at=retry_at, last_error=error)
    tally.retrying += 1
    logger.warning(
        "Email %s (%s) attempt %s failed; retrying after %s: %s",
        email.pk,
        email.event_key,
        email.attempts,
        retry_at.isoformat(timespec="seconds"),
        error,
    )


def send_due(*, batch_size: int = DEFAULT_BATCH, say: Callable[[str], None] | None = None) -> Tally:
    """Send every due email, a batch at a time, saying after each batch what it did."""
    say = say or (lambda line: None)
    total = Tally()
    batch = 0
    while ids := claim(batch_size):
        batch += 1
        done = deliver(ids)
        total += done
        say(
            f"Batch {batch}: {done.sent} sent, {done.retrying} to retry later, "
            f"{done.gave_up} given up ({total.sent} sent in all)."
        )
    return total


def send_now(email_id: int) -> Tally:
    """Try one email straight away (a confirmation link the visitor is waiting for); if it
    fails, it stays queued for send_ward_emails like any other."""
    ids = claim(1, only=[email_id])
    return deliver(ids) if ids else Tally()


def purge_sent(now: datetime.datetime | None = None) -> int:
    """Delete emails sent more than KEEP_SENT ago; how many."""
    cutoff = (now or timezone.now()) - KEEP_SENT
    deleted, _ = OutboundEmail.objects.sent().filter(sent_at__lt=cutoff).delete()
    return deleted
