"""Email subscriptions to a ward: subscribe (double opt-in), confirm, unsubscribe, queue notices.

A resident gives an address on the ward page. Nothing is sent to it but a confirmation link until
that link is followed; then every notice the apps above queue for the ward (budgets: a round
takes proposals, opens voting, closes, publishes its result) goes to it, each with a one-click
unsubscribe link (RFC 8058 headers, wards.outbox). Unsubscribing deletes the subscription and its
queued emails; a subscription never confirmed is deleted after SUBSCRIPTION_LINK_MAX_AGE.

Whether an address is already subscribed is never shown: asking again sends a new link to an
unconfirmed address, a note (with the unsubscribe link) to a confirmed one, and the page says the
same "check your email" either way. Links are signed (django.core.signing, under SECRET_KEY) and
name the subscription's own random secret, so they cannot be guessed or moved to another row.

Nothing here sends: emails are rows in the outbox (wards.models.OutboundEmail), queued in the
caller's transaction, and wards.outbox delivers them.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext, ngettext

from wards import languages
from wards.models import EmailKind, OutboundEmail, Ward, WardSubscription
from wards.text import single_line

SUBSCRIPTION_LINK_MAX_AGE = datetime.timedelta(days=7)
# A second request for the same address and ward within this time sends nothing more: a stranger
# cannot flood someone's inbox with confirmation requests from many connections.
RESEND_AFTER = datetime.timedelta(minutes=15)
_CONFIRM_SALT = "wards.notices.confirm"
_UNSUBSCRIBE_SALT = "wards.notices.unsubscribe"
SUBJECT_MAX = 200


class LinkRefused(Exception):
    """A confirm or unsubscribe link that cannot be used; str(error) says why in plain words.

    `forged` is true for a link that was never issued (tampered with, or cut short): pages answer
    404; an expired link is a 400.
    """

    def __init__(self, message: str, *, forged: bool = False) -> None:
        super().__init__(message)
        self.forged = forged


def _forged() -> str:
    return gettext("This link is not valid. Check that you copied all of it.")


def _gone() -> str:
    return gettext(
        "This subscription no longer exists: it was cancelled, or not confirmed in time. "
        "Subscribe again from the ward's page."
    )


def normalise_email(raw: str) -> str:
    """Trimmed and lower case, so one address subscribes once. Raises ValidationError."""
    address = (raw or "").strip().lower()
    validate_email(address)
    if len(address) > 254:
        raise ValidationError(gettext("Enter an email address of at most 254 characters."))
    return address


def public_url(path: str) -> str:
    """An absolute link for an email: PUBLIC_BASE_URL and the site's path."""
    return f"{str(settings.PUBLIC_BASE_URL).rstrip('/')}{path}"


def confirm_token(subscription: WardSubscription) -> str:
    """The token of the confirmation link: valid for SUBSCRIPTION_LINK_MAX_AGE."""
    return signing.dumps(
        {"s": subscription.pk, "k": subscription.secret}, salt=_CONFIRM_SALT, compress=True
    )


def confirm_url(subscription: WardSubscription) -> str:
    return public_url(reverse("wards:subscription_confirm", args=[confirm_token(subscription)]))


def unsubscribe_url(subscription: WardSubscription) -> str:
    """The one-click link in every notice: it never expires while the subscription lasts."""
    token = signing.dumps(
        {"s": subscription.pk, "k": subscription.secret}, salt=_UNSUBSCRIBE_SALT, compress=True
    )
    return public_url(reverse("wards:unsubscribe", args=[token]))


def _read(token: str, salt: str, max_age: datetime.timedelta | None) -> dict[str, Any]:
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        days = SUBSCRIPTION_LINK_MAX_AGE.days
        raise LinkRefused(
            ngettext(
                "This link has expired: links work for %(days)s day. Subscribe again from the "
                "ward's page.",
                "This link has expired: links work for %(days)s days. Subscribe again from the "
                "ward's page.",
                days,
            )
            % {"days": days}
        ) from None
    except (signing.BadSignature, ValueError):
        raise LinkRefused(_forged(), forged=True) from None
    if not isinstance(data, dict) or not isinstance(data.get("k"), str):
        raise LinkRefused(_forged(), forged=True)
    return data


def _subscription(data: dict[str, Any]) -> WardSubscription | None:
    """The subscription a verified link names, or None if it is gone (unsubscribed)."""
    pk = data.get("s")
    if not isinstance(pk, int):
        return None
    found = WardSubscription.objects.select_related("ward").filter(pk=pk).first()
    if found is None or not constant_time_compare(found.secret, data["k"]):
        return None
    return found


# --- Subscribing -------------------------------------------------------------------------------


def subscribe(ward: Ward, email: str, *, now: datetime.datetime | None = None) -> int | None:
    """Ask for `email` to get the ward's notices; the id of the email to send now, if any.

    A new or unconfirmed address is sent the confirmation link (again: its 7 days start again);
    a confirmed one a note saying it is subscribed already, with the unsubscribe link. Either
    way the caller shows the same page. Within RESEND_AFTER of the last such email to this
    address for this ward, nothing more is queued (None). Raises ValidationError for an
    address that is not one.
    """
    address = normalise_email(email)
    with transaction.atomic():
        return _subscribe(ward, address, now or timezone.now())


def _subscribe(ward: Ward, address: str, now: datetime.datetime) -> int | None:
    # get_or_create meets a concurrent first request for the same address by reading its row.
    subscription, created = WardSubscription.objects.select_for_update().get_or_create(
        ward=ward, email=address, defaults={"secret": secrets.token_urlsafe(32), "created_at": now}
    )
    language = languages.active_language()
    if subscription.language != language:
        subscription.language = language
        subscription.save(update_fields=["language"])
    previous = (
        subscription.emails.filter(kind=EmailKind.CONFIRMATION).order_by("-created_at").first()
    )
    if previous is not None and previous.created_at > now - RESEND_AFTER:
        return None
    if subscription.confirmed_at is None:
        if not created:
            subscription.created_at = now
            subscription.save(update_fields=["created_at"])
        template = "wards/email/subscription_confirm"
        context = {
            "ward": ward,
            "url": confirm_url(subscription),
            "days": SUBSCRIPTION_LINK_MAX_AGE.days,
        }
    else:
        template = "wards/email/subscription_exists"
        context = {"ward": ward, "url": unsubscribe_url(subscription)}
    subject = single_line(render_to_string(f"{template}_subject.txt", context))[:SUBJECT_MAX]
    body = render_to_string(f"{template}_email.txt", context)
    # One row per subscription for these: asking again re-arms it rather than adding rows.
    email, _ = OutboundEmail.objects.update_or_create(
        subscription=subscription,
        event_key="subscription-request",
        defaults={
            "kind": EmailKind.CONFIRMATION,
            "subject": subject,
            "body": body,
            "created_at": now,
            "attempts": 0,
            "next_attempt_at": now,
            "sent_at": None,
            "failed_at": None,
            "last_error": "",
        },
    )
    return email.pk


@dataclass(frozen=True)
class LinkTarget:
    """What a confirm or unsubscribe link names, for its page (never the address)."""

    ward: Ward | None
    confirmed: bool


def check_confirm_link(token: str) -> LinkTarget:
    """The ward a confirmation link is for; raises LinkRefused (forged, expired, unsubscribed)."""
    subscription = _subscription(_read(token, _CONFIRM_SALT, SUBSCRIPTION_LINK_MAX_AGE))
    if subscription is None:
        raise LinkRefused(_gone())
    return LinkTarget(ward=subscription.ward, confirmed=subscription.confirmed_at is not None)


def confirm(token: str, *, now: datetime.datetime | None = None) -> Ward:
    """Confirm the subscription a link names; the ward. Confirming twice changes nothing."""
    data = _read(token, _CONFIRM_SALT, SUBSCRIPTION_LINK_MAX_AGE)
    with transaction.atomic():
        subscription = _subscription(data)
        if subscription is None:
            raise LinkRefused(_gone())
        locked = WardSubscription.objects.select_for_update().get(pk=subscription.pk)
        if locked.confirmed_at is None:
            locked.confirmed_at = now or timezone.now()
            locked.save(update_fields=["confirmed_at"])
            # A confirmation request still waiting for a retry is needed no more.
            locked.emails.pending().filter(kind=EmailKind.CONFIRMATION).delete()
    return subscription.ward


def check_unsubscribe_link(token: str) -> LinkTarget:
    """The ward an unsubscribe link is for (None if already unsubscribed); LinkRefused if forged."""
    subscription = _subscription(_read(token, _UNSUBSCRIBE_SALT, None))
    if subscription is None:
        return LinkTarget(ward=None, confirmed=False)
    return LinkTarget(ward=subscription.ward, confirmed=subscription.confirmed_at is not None)


def unsubscribe(token: str) -> Ward | None:
    """Delete the subscription a link names, and its queued emails; the ward, or None if it was
    gone already (so a second click, or a mail provider's retry, answers the same)."""
    subscription = _subscription(_read(token, _UNSUBSCRIBE_SALT, None))
    if subscription is None:
        return None
    WardSubscription.objects.filter(pk=subscription.pk).delete()
    return subscription.ward


def delete_unconfirmed(now: datetime.datetime | None = None) -> int:
    """Delete subscriptions not confirmed within their link's life; how many."""
    cutoff = (now or timezone.now()) - SUBSCRIPTION_LINK_MAX_AGE
    stale = WardSubscription.objects.unconfirmed().filter(created_at__lt=cutoff)
    count = stale.count()
    stale.delete()
    return count


# --- Notices -------------------------------------------------------------------------------------


def queue_ward_notice(
    ward: Ward,
    *,
    event_key: str,
    subject: str = "",
    body: str = "",
    compose: Callable[[], tuple[str, str]] | None = None,
) -> int:
    """Queue one email to every confirmed subscriber of the ward; how many were queued.

    Call it inside the transaction of the change it tells of: the emails exist exactly when the
    change does. An event_key already queued for a subscriber queues nothing more for them, so a
    retried change never emails twice. `body` is plain text; the unsubscribe link is added when
    each email is sent. With `compose`, the subject and body are what it answers, called once
    for each subscriber language under that language (the email in the subscriber's language).
    """
    now = timezone.now()
    recipients = list(
        WardSubscription.objects.for_ward(ward)
        .confirmed()
        .exclude(emails__event_key=event_key)
        .values_list("pk", "language")
    )
    texts: dict[str, tuple[str, str]] = {}
    for language in sorted({language for _, language in recipients}):
        if compose is None:
            texts[language] = (subject, body)
            continue
        with translation.override(language):
            texts[language] = compose()
    emails = (
        OutboundEmail(
            subscription_id=pk,
            kind=EmailKind.NOTICE,
            event_key=event_key,
            subject=single_line(texts[language][0])[:SUBJECT_MAX],
            body=texts[language][1],
            created_at=now,
            next_attempt_at=now,
        )
        for pk, language in recipients
    )
    created = OutboundEmail.objects.bulk_create(emails, batch_size=500, ignore_conflicts=True)
    return len(created)
