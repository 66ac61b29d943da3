"""Sealing ballot commitments in the ledger: batches of at least K, at most one an hour, in an
order that says nothing about who voted when."""

from __future__ import annotations

import datetime

from django.db import connection, transaction
from django.utils import timezone

import audit
from audit import kinds
from audit.models import Event
from ballots.models import (
    BallotStatus,
)
from budgets.models import Round

SEAL_INTERVAL = datetime.timedelta(hours=1)


def _last_seal_at(round: Round) -> datetime.datetime | None:
    event = (
        Event.objects.filter(round_id=round.pk, kind=kinds.BALLOTS_SEALED)
        .order_by("-seq")
        .only("payload")
        .first()
    )
    # Ballot events carry only their day in `at`; the seal's hour is kept in its payload.
    stamp = (event.payload or {}).get("sealed_after") if event else None
    return datetime.datetime.fromisoformat(stamp) if stamp else None


SEAL_ALL_SQL = (
    "UPDATE ballots_ballot SET sealed = %s WHERE round_id = %s AND sealed = %s RETURNING commitment"
)
# All pending commitments but the K with the smallest hashes: an order unrelated to casting, so
# which ballots wait for the next seal says nothing about when they were cast.
SEAL_HOLDING_BACK_SQL = (
    "UPDATE ballots_ballot SET sealed = %s WHERE round_id = %s AND sealed = %s AND id NOT IN ("
    "SELECT id FROM ballots_ballot WHERE round_id = %s AND sealed = %s "
    "ORDER BY commitment LIMIT %s) RETURNING commitment"
)
PENDING_SQL = "SELECT COUNT(*) FROM ballots_ballot WHERE round_id = %s AND sealed = %s"
PENDING_LIST_SQL = "SELECT commitment FROM ballots_ballot WHERE round_id = %s AND sealed = %s"

# When each round was last sealed, as this process last saw it. A seal by another worker can only
# make the true time later, so "sealed less than an hour ago" read from here is always right.
_LAST_SEAL_SEEN: dict[tuple[int, datetime.datetime], datetime.datetime] = {}


def seal_if_due(round: Round, *, force: bool = False, mark: bool = True) -> int:
    """Seal pending commitments in the ledger: batches of at least K, at most one an hour.

    K is the round's `seal_batch_size`. While voting, a seal waits until 2K commitments are
    pending and then seals all but K of them, so the batch holds at least K and at least K are
    always left for the seal at close (`force=True`, which seals every pending one): no batch,
    the last included, holds fewer than K. Only a round with fewer than K ballots in all is
    sealed in one smaller batch, at close. Commitments are sorted within a batch, so the ledger's
    order cannot tell which one belongs to someone seen voting. `mark=False` (close only, the
    round locked) lists them without marking: the caller marks the rows. Returns how many were
    sealed.
    """
    k = round.seal_batch_size
    if not force:
        now = timezone.now()
        seen = _LAST_SEAL_SEEN.get((round.pk, round.created_at))
        if seen is not None and now - seen < SEAL_INTERVAL:
            return 0
        with connection.cursor() as cursor:
            cursor.execute(PENDING_SQL, [round.pk, False])
            (pending,) = cursor.fetchone()
        if pending < 2 * k:
            return 0
        last = _last_seal_at(round)
        if last is not None:
            _LAST_SEAL_SEEN[(round.pk, round.created_at)] = last
            if now - last < SEAL_INTERVAL:
                return 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [0x5345414C, round.pk])
            (got,) = cursor.fetchone()
        if not got:
            return 0  # another request is sealing this round right now
    # Mark and collect in one statement each, so a ballot committed meanwhile is never marked
    # sealed without being listed (and the ids never travel back as a huge IN list).
    with connection.cursor() as cursor:
        if force and not mark:
            # Closing: the round is locked, so nothing is cast meanwhile, and forget_casting
            # rewrites every row as sealed anyway; listing them spares a pass over the table.
            cursor.execute(PENDING_LIST_SQL, [round.pk, False])
        elif force:
            cursor.execute(SEAL_ALL_SQL, [True, round.pk, False])
        else:
            # Counted again under the lock: a seal another worker committed meanwhile may have
            # left fewer than 2K pending. Ballots committed from now on can only add to them.
            cursor.execute(PENDING_SQL, [round.pk, False])
            (pending,) = cursor.fetchone()
            if pending < 2 * k:
                return 0
            cursor.execute(SEAL_HOLDING_BACK_SQL, [True, round.pk, False, round.pk, False, k])
        new = [row[0] for row in cursor.fetchall()]
        # Only replaced ballots whose own commitment is sealed (now or before) can be listed
        # as superseded: one held back is listed with the seal that lists it.
        if force and not mark:
            cursor.execute(
                "SELECT commitment FROM ballots_ballot "
                "WHERE round_id = %s AND status = %s AND superseded_sealed = %s",
                [round.pk, BallotStatus.REPLACED.value, False],
            )
        else:
            cursor.execute(
                "UPDATE ballots_ballot SET superseded_sealed = %s WHERE round_id = %s "
                "AND status = %s AND superseded_sealed = %s AND sealed = %s RETURNING commitment",
                [True, round.pk, BallotStatus.REPLACED.value, False, True],
            )
        superseded = [row[0] for row in cursor.fetchall()]
    if not new and not superseded:
        return 0
    hour = timezone.now().astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)
    audit.record(
        kinds.BALLOTS_SEALED,
        ward=round.ward,
        round=round,
        actor=audit.SYSTEM,
        payload={
            "commitments": sorted(new),
            "superseded": sorted(superseded),
            # The hour, not the minute: enough to space seals an hour apart.
            "sealed_after": hour.isoformat(),
        },
    )
    transaction.on_commit(lambda: _LAST_SEAL_SEEN.__setitem__((round.pk, round.created_at), hour))
    return len(new)
