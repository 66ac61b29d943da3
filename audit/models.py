from __future__ import annotations

from django.db import models


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
