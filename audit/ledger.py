"""Appending to the ledger: canonical bytes, hashing and the chain head."""

from __future__ import annotations

import datetime
import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from audit import Actor
from audit.canonical import GENESIS, canonical_bytes, event_hash
from audit.models import Event, LedgerHead

# Events about individual ballots carry only the day, so their time cannot link them to a voter.
DAY_GRANULAR_PREFIXES = ("ballot.", "ballots.", "paper_batch.", "paper_ballot.")


def _timestamp(kind: str) -> str:
    now = timezone.now().astimezone(datetime.UTC)
    if kind.startswith(DAY_GRANULAR_PREFIXES):
        return now.date().isoformat()
    return now.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _ward_slug(ward: Any) -> str:
    if ward is None:
        return ""
    return ward if isinstance(ward, str) else str(ward.slug)


def _round_id(round: Any) -> int | None:
    if round is None:
        return None
    return int(round) if isinstance(round, int) else int(round.pk)


def pseudonym(user: Any) -> str:
    key = getattr(settings, "AUDIT_PSEUDONYM_KEY", "") or settings.SECRET_KEY
    digest = hmac.new(key.encode(), f"user:{user.pk}".encode(), hashlib.sha256).hexdigest()
    return digest[:20]


def append(kind: str, *, ward: Any, round: Any, actor: Actor, payload: dict[str, Any]) -> Event:
    with transaction.atomic():
        head = _lock_head()
        seq = head.seq + 1
        ward_slug = _ward_slug(ward)
        round_id = _round_id(round)
        at = _timestamp(kind)
        body = canonical_bytes(
            {
                "seq": seq,
                "kind": kind,
                "ward": ward_slug,
                "round": round_id,
                "actor": actor.as_dict(),
                "at": at,
                "payload": payload,
                "prev": head.hash,
            }
        )
        digest = event_hash(body)
        event = Event.objects.create(
            seq=seq,
            kind=kind,
            ward=ward_slug,
            round_id=round_id,
            actor_role=actor.role,
            actor_id=actor.id,
            at=at,
            payload=payload,
            body=body.decode("ascii"),
            prev_hash=head.hash,
            hash=digest,
        )
        LedgerHead.objects.filter(pk=1).update(seq=event.seq, hash=digest)
        return event


def _lock_head() -> LedgerHead:
    """Take the chain head under a lock held until the transaction ends.

    On PostgreSQL, an advisory transaction lock serialises appends and the head is then read with
    a fresh statement (re-reading a row locked FOR UPDATE under READ COMMITTED can return a stale
    head and fork the chain). SQLite serialises writers itself (IMMEDIATE transactions).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [0x4C454447])
    head = LedgerHead.objects.filter(pk=1).first()
    if head is None:
        head, _ = LedgerHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})
    return head
