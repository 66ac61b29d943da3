"""Appending: one event per state change, in the caller's transaction, chained without gaps."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

import audit
from audit.canonical import GENESIS, event_hash, ledger_line
from audit.models import Event, LedgerHead

ACTOR = audit.Actor("councillor", "3f2a9c0d11e4b5a6c7d8")


class Boom(Exception):
    pass


@pytest.mark.django_db
def test_record_inside_a_rolled_back_transaction_leaves_no_event() -> None:
    audit.record("round.created", ward="sparkbrook", round=1, actor=ACTOR, payload={})
    with pytest.raises(Boom), transaction.atomic():
        audit.record("round.updated", ward="sparkbrook", round=1, actor=ACTOR, payload={})
        raise Boom
    assert list(Event.objects.values_list("kind", flat=True)) == ["round.created"]
    head = LedgerHead.objects.get()
    assert head.seq == 1  # the head rolled back with the event
    after = audit.record("round.updated", ward="sparkbrook", round=1, actor=ACTOR, payload={})
    assert after.seq == 2
    assert after.prev_hash == Event.objects.get(seq=1).hash


@pytest.mark.django_db
def test_events_chain_from_the_genesis_and_hash_their_stored_bytes() -> None:
    first = audit.record(
        "round.created", ward="sparkbrook", round=3, actor=ACTOR, payload={"title": "Café"}
    )
    second = audit.record(
        "ballots.sealed",
        ward="sparkbrook",
        round=3,
        actor=audit.SYSTEM,
        payload={"commitments": [], "superseded": []},
    )
    assert first.prev_hash == GENESIS
    assert second.prev_hash == first.hash
    assert event_hash(first.body.encode("ascii")) == first.hash
    body = json.loads(first.body)
    assert body["payload"] == {"title": "Café"}
    assert "\\u00e9" in first.body  # canonical: ASCII with escapes
    assert len(json.loads(second.body)["at"]) == 10  # ballot events carry only the day
    line = json.loads(ledger_line(first.body.encode(), first.hash))
    assert line == {"event": body, "hash": first.hash}


@pytest.mark.django_db
def test_the_actor_is_a_pseudonym_not_a_name(resident_alice) -> None:
    actor = audit.actor_for(resident_alice, "resident")
    event = audit.record(
        "proposal.submitted", ward="sparkbrook", round=1, actor=actor, payload={"proposal": 1}
    )
    assert "alice" not in event.body.lower()
    assert actor == audit.actor_for(resident_alice, "resident")  # stable
