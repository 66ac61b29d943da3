"""`manage.py secure_ledger`: on PostgreSQL the ledger belongs to an owner role, and the app's
role can append and read but not truncate, alter, disable the triggers, update or delete."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

import audit
from audit.models import Checkpoint, Event
from tests.audit.conftest import COUNCILLOR


def test_secure_ledger_refuses_other_databases_and_bad_role_names() -> None:
    if connection.vendor == "postgresql":
        with pytest.raises(CommandError, match="plain lower-case role name"):
            call_command("secure_ledger", "--app-role", "app; DROP", "--owner-role", "owner")
        with pytest.raises(CommandError, match="must be different"):
            call_command("secure_ledger", "--app-role", "chest", "--owner-role", "chest")
    else:
        with pytest.raises(CommandError, match="is for PostgreSQL"):
            call_command("secure_ledger", "--app-role", "chest", "--owner-role", "ledger")


@pytest.fixture
def roles(transactional_db: None) -> Iterator[tuple[str, str]]:
    """A throwaway app role that can log in and an owner role that cannot, dropped afterwards
    (the tables given back to the administrator first, so dropping the owner drops nothing)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): roles and grants are PostgreSQL's")
    suffix = secrets.token_hex(4)
    app, owner = f"chest_test_app_{suffix}", f"chest_test_owner_{suffix}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE ROLE "{app}" LOGIN')
        cursor.execute(f'CREATE ROLE "{owner}" NOLOGIN')
    try:
        yield app, owner
    finally:
        connection.close()
        with connection.cursor() as cursor:
            cursor.execute(f'REASSIGN OWNED BY "{owner}" TO CURRENT_USER')
            for role in (owner, app):
                cursor.execute(f'DROP OWNED BY "{role}"')
                cursor.execute(f'DROP ROLE "{role}"')


def _connect_as(role: str) -> Any:
    import psycopg2

    settings = connection.settings_dict
    return psycopg2.connect(
        dbname=settings["NAME"],
        user=role,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
    )


@pytest.mark.postgres
def test_the_app_role_appends_and_reads_but_cannot_rewrite_the_ledger(
    roles: tuple[str, str],
) -> None:
    app, owner = roles
    audit.record("round.created", ward="sparkbrook", round=1, actor=COUNCILLOR, payload={})
    out = StringIO()
    call_command("secure_ledger", "--app-role", app, "--owner-role", owner, stdout=out)
    assert f"now belong to {owner}" in out.getvalue()
    call_command("secure_ledger", "--app-role", app, "--owner-role", owner, stdout=StringIO())

    # The normal path, record() and sign_checkpoint(), connected as the app's role.
    admin = connection.settings_dict["USER"]
    connection.close()
    connection.settings_dict["USER"] = app
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone() == (app,)
        audit.record("round.updated", ward="sparkbrook", round=1, actor=COUNCILLOR, payload={})
        checkpoint = audit.sign_checkpoint("as the app's role")
        assert Event.objects.count() == 3
        assert Checkpoint.objects.filter(pk=checkpoint.pk).exists()
    finally:
        connection.close()
        connection.settings_dict["USER"] = admin

    refused = [
        "TRUNCATE audit_event",
        "TRUNCATE audit_checkpoint",
        "TRUNCATE audit_ledgerhead",
        "ALTER TABLE audit_event DISABLE TRIGGER audit_event_append_only",
        "ALTER TABLE audit_checkpoint DISABLE TRIGGER ALL",
        "ALTER TABLE audit_event ADD COLUMN note text",
        "ALTER TABLE audit_event OWNER TO CURRENT_USER",
        "DROP TRIGGER audit_event_append_only ON audit_event",
        "DROP TABLE audit_event",
        "UPDATE audit_event SET payload = '{}' WHERE seq = 1",
        "DELETE FROM audit_event WHERE seq = 1",
        "UPDATE audit_checkpoint SET reason = 'x'",
        "DELETE FROM audit_checkpoint",
        "DELETE FROM audit_ledgerhead",
        "CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RETURN NEW; END $$",
    ]
    import psycopg2

    raw = _connect_as(app)
    raw.autocommit = True
    try:
        with raw.cursor() as cursor:
            for sql in refused:
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cursor.execute(sql)
            cursor.execute("SELECT count(*) FROM audit_event")
            assert cursor.fetchone() == (3,)
    finally:
        raw.close()
    assert Event.objects.count() == 3
    assert Event.objects.get(seq=1).kind == "round.created"
