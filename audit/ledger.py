"""Appending to the ledger: canonical bytes, hashing and the chain head."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import json
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
    key = settings.AUDIT_PSEUDONYM_KEY
    digest = hmac.new(key.encode(), f"user:{user.pk}".encode(), hashlib.sha256).hexdigest()
    return digest[:20]


def append(kind: str, *, ward: Any, round: Any, actor: Actor, payload: dict[str, Any]) -> Event:
    # No savepoint: if appending fails, the caller's whole change must fail with it (a committed
    # change always has its event), and a savepoint would cost two more round trips.
    with transaction.atomic(savepoint=False):
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
        event = Event(
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
        if connection.vendor == "postgresql":
            _insert_and_move_head(event)
        else:
            event.save(force_insert=True)
            LedgerHead.objects.filter(pk=1).update(seq=seq, hash=digest)
        return event


_INSERT_AND_MOVE_HEAD = (
    "WITH e AS (INSERT INTO audit_event (seq, kind, ward, round_id, actor_role, actor_id, at, "
    "payload, body, prev_hash, hash) VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb, %s, %s, %s) "
    "RETURNING seq, hash) "
    "UPDATE audit_ledgerhead SET seq = e.seq, hash = e.hash FROM e WHERE audit_ledgerhead.id = 1"
)


def _insert_and_move_head(event: Event) -> None:
    """PostgreSQL: insert the event and move the head in one statement (one round trip)."""
    # The payload column is a copy for queries; the hashed bytes are the body column.
    payload_json = json.dumps(event.payload, sort_keys=True, separators=(",", ":"))
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_AND_MOVE_HEAD,
            [
                event.seq,
                event.kind,
                event.ward,
                event.round_id,
                event.actor_role,
                event.actor_id,
                event.at,
                payload_json,
                event.body,
                event.prev_hash,
                event.hash,
            ],
        )
        if cursor.rowcount != 1:
            raise RuntimeError("the ledger head row is missing")
    event._state.adding = False
    event._state.db = connection.alias


def _lock_head() -> LedgerHead:
    """Take the chain head under a lock held until the transaction ends.

    On PostgreSQL the one head row is read FOR UPDATE: a transaction that waited for the lock
    gets the row as the previous holder committed it (PostgreSQL re-reads a locked row's newest
    version), so appends queue up without forking, in one statement. (What forks is locking the
    newest *event*, `ORDER BY seq DESC LIMIT 1 FOR UPDATE`: the waiter re-reads the old last row
    and never sees the new one.) The first append creates the head row; a concurrent first
    append waits on that insert, then locks the row as committed. SQLite serialises writers
    itself (IMMEDIATE transactions).
    """
    if connection.vendor == "postgresql":
        lock = "SELECT seq, hash FROM audit_ledgerhead WHERE id = 1 FOR UPDATE"
        with connection.cursor() as cursor:
            cursor.execute(lock)
            row = cursor.fetchone()
            if row is None:
                cursor.execute(
                    "INSERT INTO audit_ledgerhead (id, seq, hash) VALUES (1, 0, %s) "
                    "ON CONFLICT (id) DO NOTHING",
                    [GENESIS],
                )
                cursor.execute(lock)
                row = cursor.fetchone()
        return LedgerHead(id=1, seq=row[0], hash=row[1])
    head = LedgerHead.objects.filter(pk=1).first()
    if head is None:
        head, _ = LedgerHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})
    return head
