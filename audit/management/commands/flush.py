"""`manage.py flush`, which may also empty the append-only ledger tables.

Django's own flush deletes every row; on SQLite that is a DELETE the ledger's trigger refuses,
and the test runner flushes between transactional tests. Emptying the whole database is an
operator's act like dropping it, so the guard is lifted for exactly this command.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush

from audit.guard import purge_permitted


class Command(flush.Command):
    help = flush.Command.help + " (Also empties the append-only audit ledger.)"

    def handle(self, **options: Any) -> None:
        with purge_permitted():
            super().handle(**options)
