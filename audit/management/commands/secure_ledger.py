"""`manage.py secure_ledger --app-role APP --owner-role OWNER`: take the ledger away from the app.

On PostgreSQL the role that creates a table owns it, and an owner may TRUNCATE it, ALTER it or
disable its triggers, so the append-only triggers (audit/guard.py) would only hold against
mistakes, not against the application's own role. This command, run by a database administrator
(a superuser, or a member of OWNER) after `migrate`, hands the ledger tables and the trigger
function to OWNER (a role that need not log in) and leaves APP only what appending needs:

- audit_event, audit_checkpoint: SELECT and INSERT (and the checkpoint id sequence);
- audit_ledgerhead (the one row locked while appending): SELECT, INSERT (the first append creates
  it) and UPDATE of seq and hash. Rewinding the head gains nothing: an event linked to an old
  head repeats a prev_hash, which the unique constraint refuses, so the chain cannot fork.

No TRUNCATE, DELETE, UPDATE, REFERENCES or TRIGGER privilege is left to APP, or to PUBLIC. It is
idempotent: run it again after a migration that touches the audit app (which must itself run as
OWNER or an administrator, since APP can no longer alter these tables).
"""

from __future__ import annotations

import re
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction

from audit.guard import APPEND_ONLY_TABLES

HEAD_TABLE = "audit_ledgerhead"
LEDGER_TABLES = (*APPEND_ONLY_TABLES, HEAD_TABLE)
TRIGGER_FUNCTION = "audit_refuse_change()"
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_$]{0,62}")


def secure_ledger_sql(app_role: str, owner_role: str, sequences: list[str]) -> list[str]:
    """The statements, with both role names already checked against ROLE_NAME and quoted."""
    app, owner = _quote(app_role), _quote(owner_role)
    tables = ", ".join(LEDGER_TABLES)
    statements = [f"ALTER TABLE {t} OWNER TO {owner}" for t in LEDGER_TABLES]
    statements.append(f"ALTER FUNCTION {TRIGGER_FUNCTION} OWNER TO {owner}")
    statements += [
        f"REVOKE ALL ON {tables} FROM PUBLIC",
        f"REVOKE ALL ON {tables} FROM {app}",
        f"GRANT SELECT, INSERT ON {', '.join(APPEND_ONLY_TABLES)} TO {app}",
        f"GRANT SELECT, INSERT ON {HEAD_TABLE} TO {app}",
        f"GRANT UPDATE (seq, hash) ON {HEAD_TABLE} TO {app}",
        f"REVOKE ALL ON FUNCTION {TRIGGER_FUNCTION} FROM PUBLIC",
        f"GRANT EXECUTE ON FUNCTION {TRIGGER_FUNCTION} TO {app}",
    ]
    statements += [f"GRANT USAGE, SELECT ON SEQUENCE {s} TO {app}" for s in sequences]
    return statements


def _quote(role: str) -> str:
    return '"' + role + '"'


class Command(BaseCommand):
    help = (
        "On PostgreSQL, give the audit ledger's tables to an owner role and leave the app's role "
        "only SELECT and INSERT (run as a database administrator after migrate)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--app-role", required=True, help="the role the app connects as")
        parser.add_argument("--owner-role", required=True, help="the role to own the ledger")

    def handle(self, *args: Any, **options: Any) -> None:
        app_role, owner_role = options["app_role"], options["owner_role"]
        if connection.vendor != "postgresql":
            raise CommandError(
                f"secure_ledger is for PostgreSQL; this database is {connection.vendor}, where "
                "any process that can write the file can change it (keep it for development)."
            )
        for flag, role in (("--app-role", app_role), ("--owner-role", owner_role)):
            if not ROLE_NAME.fullmatch(role):
                raise CommandError(
                    f"{flag} {role!r}: use a plain lower-case role name (letters, digits, _)."
                )
        if app_role == owner_role:
            raise CommandError("--app-role and --owner-role must be different roles.")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT rolname FROM pg_roles WHERE rolname IN (%s, %s)", [app_role, owner_role]
            )
            found = {row[0] for row in cursor.fetchall()}
            missing = [r for r in (app_role, owner_role) if r not in found]
            if missing:
                raise CommandError(
                    f"No such role: {', '.join(missing)}. Create it first, e.g. "
                    f"CREATE ROLE {missing[0]} NOLOGIN;"
                )
            # Events are numbered by the append itself; only checkpoints draw ids from a sequence.
            cursor.execute("SELECT pg_get_serial_sequence('audit_checkpoint', 'id')")
            sequences = [row[0] for row in cursor.fetchall() if row[0]]
            for sql in secure_ledger_sql(app_role, owner_role, sequences):
                cursor.execute(sql)
        self.stdout.write(
            self.style.SUCCESS(
                f"The ledger's tables now belong to {owner_role}; {app_role} may only read "
                "them and append."
            )
        )
