"""The database's half of "append-only": triggers refuse UPDATE and DELETE on ledger tables.

The triggers are installed by migration 0003. On SQLite the DELETE trigger asks a function that
this module registers on every connection whether a purge is permitted; it is only while
`manage.py flush` runs (the test runner empties the database that way between transactional
tests). Where the function is not registered, e.g. in the sqlite3 shell, the trigger fails and the
delete is refused all the same. PostgreSQL's flush uses TRUNCATE, which row triggers do not see;
in production `manage.py secure_ledger` gives these tables to an owner role and leaves the
application's role only SELECT and INSERT (no TRUNCATE, no ALTER, no disabling triggers).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

APPEND_ONLY_TABLES = ("audit_event", "audit_checkpoint")
SQLITE_PERMIT_FUNCTION = "audit_purge_permitted"

_state = threading.local()


def _purge_permitted() -> int:
    return 1 if getattr(_state, "purging", 0) > 0 else 0


@contextmanager
def purge_permitted() -> Iterator[None]:
    """Let this thread empty the ledger tables on SQLite (only `manage.py flush` uses this)."""
    _state.purging = getattr(_state, "purging", 0) + 1
    try:
        yield
    finally:
        _state.purging -= 1


def register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    """connection_created handler: make the permit function known to a new SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_PERMIT_FUNCTION, 0, _purge_permitted, deterministic=False
        )


def postgresql_install_sql() -> list[str]:
    statements = [
        """
        CREATE OR REPLACE FUNCTION audit_refuse_change() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'the audit ledger is append-only: % on % is refused', TG_OP,
                TG_TABLE_NAME
                USING ERRCODE = 'restrict_violation',
                      HINT = 'Record a new event with audit.record() instead.';
        END
        $$
        """
    ]
    for table in APPEND_ONLY_TABLES:
        statements.append(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()"
        )
    return statements


def postgresql_remove_sql() -> list[str]:
    statements = [f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}" for t in APPEND_ONLY_TABLES]
    return [*statements, "DROP FUNCTION IF EXISTS audit_refuse_change()"]


def sqlite_install_sql() -> list[str]:
    statements = []
    for table in APPEND_ONLY_TABLES:
        statements.append(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} BEGIN "
            f"SELECT RAISE(ABORT, 'the audit ledger is append-only: UPDATE on {table} is "
            "refused'); END"
        )
        statements.append(
            f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
            f"WHEN NOT {SQLITE_PERMIT_FUNCTION}() BEGIN "
            f"SELECT RAISE(ABORT, 'the audit ledger is append-only: DELETE on {table} is "
            "refused'); END"
        )
    return statements


def sqlite_remove_sql() -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_{what}"
        for table in APPEND_ONLY_TABLES
        for what in ("no_update", "no_delete")
    ]
