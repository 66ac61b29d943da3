"""The database itself refuses to change or remove ledger rows (SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

import audit
from audit.models import Checkpoint, Event

ACTOR = audit.Actor("councillor", "3f2a9c0d11e4b5a6c7d8")


def _some_events() -> None:
    audit.record("round.created", ward="sparkbrook", round=1, actor=ACTOR, payload={"title": "A"})
    audit.record("round.updated", ward="sparkbrook", round=1, actor=ACTOR, payload={})
    audit.sign_checkpoint("test")


def _refused(sql: str) -> str:
    with pytest.raises(DatabaseError) as exc, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    return str(exc.value)


@pytest.mark.django_db
@pytest.mark.parametrize("table", ["audit_event", "audit_checkpoint"])
def test_direct_sql_update_is_refused(table: str) -> None:
    _some_events()
    message = _refused(f"UPDATE {table} SET hash = 'forged'")
    assert "append-only" in message
    assert f"UPDATE on {table}" in message


@pytest.mark.django_db
@pytest.mark.parametrize("table", ["audit_event", "audit_checkpoint"])
def test_direct_sql_delete_is_refused(table: str) -> None:
    _some_events()
    before = Event.objects.count()
    message = _refused(f"DELETE FROM {table}")
    assert "append-only" in message
    assert f"DELETE on {table}" in message
    assert Event.objects.count() == before


@pytest.mark.django_db
def test_the_orm_cannot_update_or_delete_either() -> None:
    _some_events()
    with pytest.raises(DatabaseError), transaction.atomic():
        Event.objects.filter(seq=1).update(kind="round.deleted")
    with pytest.raises(DatabaseError), transaction.atomic():
        Event.objects.filter(seq=2).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        Checkpoint.objects.all().delete()
    assert Event.objects.get(seq=1).kind == "round.created"


@pytest.mark.django_db(transaction=True)
def test_flush_still_empties_the_database() -> None:
    # The test runner flushes between transactional tests; so may an operator.
    _some_events()
    call_command("flush", interactive=False, verbosity=0)
    assert Event.objects.count() == 0
    _some_events()  # the chain starts again from the genesis after a flush
    assert Event.objects.order_by("seq").first().prev_hash == "0" * 64  # type: ignore[union-attr]
    if connection.vendor == "sqlite":
        message = _refused("DELETE FROM audit_event")
        assert "append-only" in message
