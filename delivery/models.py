"""Delivery records of funded projects, their milestones and updates, and what became of a
round's unspent money.

A record exists for a project the published result funded, from the first time someone reports
on it; until then the project is "not started" (delivery.services reads every funded project
from the result, record or not). Money is integer pence within wards.money's bounds.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from budgets.models import MAX_REASON, Proposal, Round
from wards.money import MAX_PENCE, TOO_MUCH

MAX_UPDATE_TEXT = 2000
MAX_MILESTONE_TITLE = 120
MAX_PHOTO_ALT = 200
MAX_NOTE = 2000
# Volunteer hours one update may report: a big weekend's work by a whole street, not a typo's
# million hours.
MAX_HOURS_PER_UPDATE = 5000
HOURS_MESSAGE = f"Report between 0 and {MAX_HOURS_PER_UPDATE:,} volunteer hours in one update."


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def published(self) -> DeliveryQuerySet:
        """Records of rounds whose result is public (the only ones that should exist)."""
        return self.filter(round__phase="published")


class Delivery(models.Model):
    """One funded project's delivery: where it stands, what it has cost, the hours given."""

    proposal = models.OneToOneField(Proposal, on_delete=models.PROTECT, related_name="delivery")
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="deliveries")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    cancelled_reason = models.TextField(max_length=MAX_REASON, blank=True)
    spent_pence = models.PositiveBigIntegerField(
        default=0,
        validators=[MaxValueValidator(MAX_PENCE, message=TOO_MUCH)],
        help_text="Money spent to date, in pence.",
    )
    final_cost_pence = models.PositiveBigIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(MAX_PENCE, message=TOO_MUCH)],
        help_text="What the project cost in the end, in pence, once known.",
    )
    hours_delivered = models.PositiveIntegerField(
        default=0, help_text="Volunteer hours given, the sum of the updates' hours."
    )
    updated_at = models.DateTimeField(default=timezone.now)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        ordering = ["round", "proposal"]
        constraints = [
            models.CheckConstraint(
                condition=Q(spent_pence__lte=MAX_PENCE), name="ck_delivery_spent_at_most_max"
            ),
            models.CheckConstraint(
                condition=Q(final_cost_pence__isnull=True) | Q(final_cost_pence__lte=MAX_PENCE),
                name="ck_delivery_final_cost_at_most_max",
            ),
            models.CheckConstraint(
                condition=Q(status__in=Status.values), name="ck_delivery_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status=Status.CANCELLED) | ~Q(cancelled_reason=""),
                name="ck_delivery_cancelled_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"delivery of {self.proposal}"

    def clean(self) -> None:
        if self.status == Status.CANCELLED and not (self.cancelled_reason or "").strip():
            raise ValidationError({"cancelled_reason": "Say why the project was cancelled."})


class Milestone(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=MAX_MILESTONE_TITLE)
    planned_on = models.DateField()
    reached_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["planned_on", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(title=""), name="ck_milestone_title_required"),
        ]

    def __str__(self) -> str:
        return self.title


class Update(models.Model):
    """A public report on a project: words, and what changed (status, money, hours, a photo)."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="updates")
    text = models.TextField(max_length=MAX_UPDATE_TEXT)
    status = models.CharField(
        max_length=20, choices=Status.choices, blank=True, help_text="The status set, if changed."
    )
    spent_pence = models.PositiveBigIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_PENCE, message=TOO_MUCH)]
    )
    final_cost_pence = models.PositiveBigIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_PENCE, message=TOO_MUCH)]
    )
    hours_delivered = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(MAX_HOURS_PER_UPDATE, message=HOURS_MESSAGE)]
    )
    # Re-encoded by delivery.photos (resized, no EXIF or location), named by its SHA-256.
    photo = models.FileField(upload_to="delivery/", max_length=200, blank=True)
    photo_sha256 = models.CharField(max_length=64, blank=True)
    photo_alt = models.CharField(max_length=MAX_PHOTO_ALT, blank=True)
    photo_width = models.PositiveIntegerField(null=True, blank=True)
    photo_height = models.PositiveIntegerField(null=True, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    posted_as = models.CharField(max_length=20, help_text="The poster's role: what the page says.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="ck_update_text_required"),
            models.CheckConstraint(
                condition=Q(hours_delivered__lte=MAX_HOURS_PER_UPDATE),
                name="ck_update_hours_at_most_max",
            ),
            models.CheckConstraint(
                condition=Q(photo="") | ~Q(photo_sha256=""), name="ck_update_photo_has_hash"
            ),
        ]

    def __str__(self) -> str:
        return f"update on {self.delivery}"

    @property
    def poster_words(self) -> str:
        """Who posted it, as the page says it: a role of the ward, never a name."""
        if self.posted_as == "councillor":
            return gettext("by a councillor of the ward")
        if self.posted_as == "clerk":
            return gettext("by a clerk of the ward")
        return gettext("by the ward's staff")


class UnspentDecision(models.TextChoices):
    CARRIED_OVER = "carried_over", _("Carried over to next year's chest")
    RETURNED = "returned", _("Returned to the council")


class Unspent(models.Model):
    """What became of the money a published round left unspent, as its councillors record it."""

    round = models.OneToOneField(Round, on_delete=models.PROTECT, related_name="unspent")
    decision = models.CharField(max_length=20, choices=UnspentDecision.choices)
    amount_pence = models.PositiveBigIntegerField(
        validators=[MaxValueValidator(MAX_PENCE, message=TOO_MUCH)]
    )
    note = models.TextField(max_length=MAX_NOTE, blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_pence__lte=MAX_PENCE), name="ck_unspent_at_most_max"
            ),
            models.CheckConstraint(
                condition=Q(decision__in=UnspentDecision.values), name="ck_unspent_decision_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"unspent money of {self.round}"
