from __future__ import annotations

from django.db import models
from django.utils import timezone

from audit import kinds


class EventQuerySet(models.QuerySet["Event"]):
    def for_ward(self, slug: str) -> EventQuerySet:
        return self.filter(ward=slug)

    def for_round(self, round_id: int) -> EventQuerySet:
        return self.filter(round_id=round_id)

    def of_kind(self, kind: str) -> EventQuerySet:
        return self.filter(kind=kind)

    def round_is_closed(self, round_id: int) -> bool:
        return self.filter(round_id=round_id, kind=kinds.ROUND_CLOSED).exists()


class Event(models.Model):
    """One ledger event. Rows are never updated or deleted (the database refuses it too)."""

    seq = models.BigIntegerField(primary_key=True)
    kind = models.CharField(max_length=60)
    ward = models.CharField(max_length=100, blank=True, help_text="The ward's slug.")
    round_id = models.BigIntegerField(null=True, blank=True)
    actor_role = models.CharField(max_length=30)
    actor_id = models.CharField(max_length=40)
    at = models.CharField(max_length=32, help_text="ISO time, or only the day for ballot events.")
    payload = models.JSONField()
    body = models.TextField(help_text="The canonical bytes that were hashed (ASCII).")
    prev_hash = models.CharField(max_length=64, unique=True)
    hash = models.CharField(max_length=64, unique=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        ordering = ["seq"]
        indexes = [
            models.Index(fields=["ward", "seq"], name="ix_event_ward_seq"),
            models.Index(fields=["round_id", "seq"], name="ix_event_round_seq"),
            models.Index(fields=["kind"], name="ix_event_kind"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.kind}"


class LedgerHead(models.Model):
    """A single row locked while appending, so concurrent appends queue instead of forking."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"head #{self.seq}"


class Checkpoint(models.Model):
    """An Ed25519 signature over the ledger's head (seq and hash) at one moment.

    Like events, checkpoints are never updated or deleted (the database refuses it too); each is
    also recorded in the ledger itself as a `checkpoint.signed` event.
    """

    seq = models.BigIntegerField(help_text="The sequence number of the signed head.")
    hash = models.CharField(max_length=64, help_text="The hash of the signed head.")
    signature = models.CharField(max_length=100, help_text="Base64 Ed25519 signature.")
    key_id = models.CharField(max_length=16, help_text="SHA-256 of the raw public key, 16 hex.")
    created_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=200)

    class Meta:
        ordering = ["seq", "id"]
        indexes = [models.Index(fields=["seq"], name="ix_checkpoint_seq")]

    def __str__(self) -> str:
        return f"checkpoint of #{self.seq} ({self.reason})"

    def as_dict(self) -> dict[str, object]:
        return {
            "seq": self.seq,
            "hash": self.hash,
            "signature": self.signature,
            "key_id": self.key_id,
            "created_at": self.created_at.isoformat().replace("+00:00", "Z"),
            "reason": self.reason,
        }
