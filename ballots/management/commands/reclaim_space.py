"""Remove the old row versions that closing a round leaves behind (VACUUM on PostgreSQL).

close_round runs this right after it commits; if that failed (a lock, a dropped connection), the
result stays marked as not reclaimed and `advance_rounds` (or this command) tries again.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ballots import services


class Command(BaseCommand):
    help = "Reclaim the old row versions of ballots rewritten at close (VACUUM); safe to rerun."

    def handle(self, *args: Any, **options: Any) -> None:
        if not services.reclaim_space():
            raise CommandError("Could not reclaim the space yet (see the log); run it again later.")
        self.stdout.write(self.style.SUCCESS("Old ballot row versions reclaimed."))
