"""Accounts that expire: an account unused for settings.ACCOUNT_INACTIVE_DAYS is warned by email,
then deleted settings.ACCOUNT_DELETION_NOTICE_DAYS later unless its owner signs in meanwhile.

"Unused" is measured from the last sign-in (or, never signed in, from joining). Staff and
superusers are the council's operators and are never deleted here. An account without an address
is noted the same way and deleted after the same wait. An account that records something the
council must keep (a paper batch it entered, a request it made) is kept, and counted as kept. The
ledger records the counts only (accounts.purged).
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, ProtectedError, Q, QuerySet
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

import audit
from audit import kinds
from wards.models import InactivityNotice

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AccountPurge:
    notices_sent: int
    deleted: int
    kept: int
    returned: int


def _inactive_since(cutoff: datetime.datetime) -> QuerySet[Any]:
    return (
        get_user_model()
        .objects.filter(is_staff=False, is_superuser=False)
        .annotate(last_seen=Coalesce("last_login", "date_joined"))
        .filter(last_seen__lt=cutoff)
    )


def _notice_text(user: Any, deleted_on: datetime.date) -> tuple[str, str]:
    last = user.last_login or user.date_joined
    subject = "Your Community Chest account will be deleted"
    body = (
        f"Hello {user.username},\n\n"
        f"Your Community Chest account has not been used since {last:%-d %B %Y}. We keep "
        f"accounts only while they are used, so it will be deleted on {deleted_on:%-d %B %Y}.\n\n"
        f"To keep it, sign in before then: {settings.PUBLIC_BASE_URL}{reverse('login')}\n\n"
        "Your votes are not affected: ballots are never linked to accounts after a vote closes.\n"
    )
    return subject, body


def purge_inactive_accounts(now: datetime.datetime | None = None) -> AccountPurge:
    """Warn, then delete, accounts unused for ACCOUNT_INACTIVE_DAYS; safe to run every few
    minutes (a warning is sent once; a failed email is retried on the next run)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=settings.ACCOUNT_INACTIVE_DAYS)
    wait = datetime.timedelta(days=settings.ACCOUNT_DELETION_NOTICE_DAYS)
    # Signed in since the warning (or made staff): the warning no longer stands.
    returned, _ = InactivityNotice.objects.filter(
        Q(user__last_login__gt=F("sent_at")) | Q(user__is_staff=True) | Q(user__is_superuser=True)
    ).delete()
    inactive = _inactive_since(cutoff)
    notices_sent = 0
    for user in inactive.filter(inactivity_notice__isnull=True).order_by("pk").iterator():
        emailed = bool(user.email)
        if emailed:
            subject, body = _notice_text(user, (now + wait).date())
            try:
                send_mail(subject, body, None, [user.email])
            except (smtplib.SMTPException, OSError) as exc:
                log.warning("inactivity notice to account %s not sent: %s", user.pk, type(exc))
                continue
        InactivityNotice.objects.create(user=user, sent_at=now, emailed=emailed)
        notices_sent += 1
    deleted = kept = 0
    due = inactive.filter(inactivity_notice__sent_at__lte=now - wait).order_by("pk")
    for user in due.iterator():
        try:
            with transaction.atomic():
                user.delete()
        except ProtectedError:
            kept += 1
        else:
            deleted += 1
    if deleted or notices_sent:
        audit.record(
            kinds.ACCOUNTS_PURGED,
            ward=None,
            round=None,
            actor=audit.SYSTEM,
            payload={
                "deleted": deleted,
                "notices_sent": notices_sent,
                "kept": kept,
                "inactive_days": settings.ACCOUNT_INACTIVE_DAYS,
            },
        )
    return AccountPurge(notices_sent=notices_sent, deleted=deleted, kept=kept, returned=returned)
