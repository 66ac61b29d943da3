"""Wards, their neighbourhoods, and the ward-scoped roles people hold in them."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from wards.money import MAX_PENCE, TOO_MUCH
from wards.text import single_line


class WardQuerySet(models.QuerySet["Ward"]):
    def with_slug(self, slug: str) -> WardQuerySet:
        return self.filter(slug=slug)


class Ward(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    official_code = models.CharField(
        max_length=20, blank=True, help_text="ONS ward code, e.g. E05001179, where one exists."
    )
    chest_pence = models.PositiveBigIntegerField(
        help_text="The ward's community chest for a year, in pence.",
        validators=[MaxValueValidator(MAX_PENCE, message=TOO_MUCH)],
    )

    objects = WardQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(chest_pence__gt=0), name="ck_ward_chest_positive"),
            models.CheckConstraint(
                condition=Q(chest_pence__lte=MAX_PENCE), name="ck_ward_chest_at_most_max"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("wards:detail", kwargs={"slug": self.slug})

    def clean(self) -> None:
        # The name is published in ballots.pb and CSV exports: one clean line (see wards.text).
        self.name = single_line(self.name)


class Neighbourhood(models.Model):
    """A named part of a ward that can run a budget round of its own (e.g. Balsall Heath)."""

    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, related_name="neighbourhoods")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["ward", "slug"], name="uq_neighbourhood_ward_slug"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.ward.name})"

    def clean(self) -> None:
        self.name = single_line(self.name)


class Role(models.TextChoices):
    RESIDENT = "resident", "Resident"
    COUNCILLOR = "councillor", "Councillor"
    AUDITOR = "auditor", "Auditor"
    CLERK = "clerk", "Clerk"


class MembershipQuerySet(models.QuerySet["Membership"]):
    def for_ward(self, ward: Ward) -> MembershipQuerySet:
        """Roles that apply in a ward: those held in it, and city-wide auditors."""
        return self.filter(Q(ward=ward) | Q(ward__isnull=True))


class Membership(models.Model):
    """A person's role in one ward; an auditor with no ward audits every ward."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    ward = models.ForeignKey(
        Ward, on_delete=models.CASCADE, related_name="memberships", null=True, blank=True
    )
    role = models.CharField(max_length=20, choices=Role.choices)
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Residents: the neighbourhood of the ward they live in, if known. A "
        "neighbourhood's own round takes only its residents.",
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["ward__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "ward", "role"], name="uq_membership_user_ward_role"
            ),
            models.UniqueConstraint(
                fields=["user", "role"],
                condition=Q(ward__isnull=True),
                name="uq_membership_user_citywide_role",
            ),
            models.CheckConstraint(
                condition=Q(ward__isnull=False) | Q(role="auditor"),
                name="ck_membership_only_auditors_citywide",
            ),
        ]

    def __str__(self) -> str:
        where = self.ward.name if self.ward else "all wards"
        return f"{self.user} — {self.get_role_display()} ({where})"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.ward is None and self.role != Role.AUDITOR:
            raise ValidationError({"ward": "Only auditors can hold a role across all wards."})
        if self.neighbourhood is not None and (
            self.role != Role.RESIDENT or self.neighbourhood.ward_id != self.ward_id
        ):
            raise ValidationError(
                {"neighbourhood": "Only a resident can be placed in a neighbourhood of their ward."}
            )


class WardPostcode(models.Model):
    """A postcode inside the ward, from the list staff upload; used to check eligibility."""

    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, related_name="postcodes")
    postcode = models.CharField(max_length=8, help_text="Normalised: upper case, one space.")
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="postcodes",
        help_text="The neighbourhood the postcode lies in, if the ward has any.",
    )

    class Meta:
        ordering = ["postcode"]
        constraints = [
            models.UniqueConstraint(fields=["ward", "postcode"], name="uq_wardpostcode_ward_code"),
        ]

    def __str__(self) -> str:
        return f"{self.postcode} ({self.ward.name})"


def normalise_postcode(raw: str) -> str:
    """'b11 1aa' / 'B111AA' -> 'B11 1AA'. Raises ValueError if it cannot be a UK postcode."""
    import re

    compact = re.sub(r"\s+", "", raw or "").upper()
    if not re.fullmatch(r"[A-Z]{1,2}[0-9][0-9A-Z]?[0-9][A-Z]{2}", compact):
        raise ValueError(gettext("Enter a full UK postcode, like B11 1AA."))
    return f"{compact[:-3]} {compact[-3:]}"


# --- Email subscriptions -----------------------------------------------------------------------
# A resident asks for emails about a ward's budget rounds. Nothing is sent to an address until it
# is confirmed from the link emailed to it (double opt-in); unsubscribing deletes the row and its
# queued emails. The address is the only personal datum kept, and only while subscribed (or for
# SUBSCRIPTION_LINK_MAX_AGE while waiting for confirmation: wards.notices).


class WardSubscriptionQuerySet(models.QuerySet["WardSubscription"]):
    def for_ward(self, ward: Ward) -> WardSubscriptionQuerySet:
        return self.filter(ward=ward)

    def confirmed(self) -> WardSubscriptionQuerySet:
        return self.filter(confirmed_at__isnull=False)

    def unconfirmed(self) -> WardSubscriptionQuerySet:
        return self.filter(confirmed_at__isnull=True)


class WardSubscription(models.Model):
    """An email address that wants news of one ward's budget rounds."""

    ward = models.ForeignKey(Ward, on_delete=models.CASCADE, related_name="subscriptions")
    email = models.EmailField(max_length=254, help_text="Normalised: trimmed, lower case.")
    # Random, per subscription: signed into the confirm and unsubscribe links, so a link names
    # this row only (a new subscription after unsubscribing gets new links).
    secret = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(
        default=timezone.now, help_text="When it was asked for (again), for the link's life."
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # One of settings.LANGUAGES: the page's language when it was last asked for; its emails are
    # written in it (wards.notices.queue_ward_notice renders each language once).
    language = models.CharField(max_length=10, default="en-gb")

    objects = WardSubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["ward__name", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["ward", "email"], name="uq_wardsubscription_ward_email")
        ]

    def __str__(self) -> str:
        # Never the address: this string can end up in logs and admin messages.
        state = "confirmed" if self.confirmed_at else "unconfirmed"
        return f"Subscription {self.pk} to {self.ward.name} ({state})"


class EmailKind(models.TextChoices):
    CONFIRMATION = "confirmation", "Confirmation request"
    NOTICE = "notice", "Notice to a subscriber"


class OutboundEmailQuerySet(models.QuerySet["OutboundEmail"]):
    def pending(self) -> OutboundEmailQuerySet:
        """Not sent yet and not given up on."""
        return self.filter(sent_at__isnull=True, failed_at__isnull=True)

    def due(self, now: datetime.datetime) -> OutboundEmailQuerySet:
        return self.pending().filter(next_attempt_at__lte=now)

    def failed(self) -> OutboundEmailQuerySet:
        return self.filter(failed_at__isnull=False)

    def sent(self) -> OutboundEmailQuerySet:
        return self.filter(sent_at__isnull=False)


class OutboundEmail(models.Model):
    """One email waiting to go to one subscription, or sent, or given up on (the outbox).

    Queued in the same transaction as whatever it tells of (a phase change), sent by
    `manage.py send_ward_emails` (wards.outbox), retried with backoff on failure and marked failed,
    never deleted, when the attempts run out. No address is stored here: it is the subscription's.
    """

    subscription = models.ForeignKey(
        WardSubscription, on_delete=models.CASCADE, related_name="emails"
    )
    kind = models.CharField(max_length=20, choices=EmailKind.choices)
    event_key = models.CharField(
        max_length=100, help_text="What it tells of, e.g. round-12-voting: queued once only."
    )
    subject = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True, help_text="Given up on.")
    last_error = models.CharField(
        max_length=300, blank=True, help_text="The last failure, with any address removed."
    )

    objects = OutboundEmailQuerySet.as_manager()

    class Meta:
        ordering = ["next_attempt_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_key"], name="uq_outboundemail_subscription_event"
            ),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(failed_at__isnull=True),
                name="ck_outboundemail_sent_or_failed",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(sent_at__isnull=True, failed_at__isnull=True),
                name="ix_outboundemail_due",
            )
        ]

    def __str__(self) -> str:
        return f"Email {self.pk} ({self.event_key})"

    @property
    def status(self) -> str:
        if self.sent_at is not None:
            return "sent"
        if self.failed_at is not None:
            return "failed"
        return "pending"


class InactivityNotice(models.Model):
    """When an account unused for settings.ACCOUNT_INACTIVE_DAYS was warned that it will be
    deleted (wards.retention). Signing in again cancels it; the account goes with it."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="inactivity_notice"
    )
    sent_at = models.DateTimeField(default=timezone.now)
    emailed = models.BooleanField(
        default=True, help_text="False when the account has no address to warn."
    )

    def __str__(self) -> str:
        return f"inactivity notice ({self.sent_at:%Y-%m-%d})"
