"""Delete personal data whose purpose is over; `advance_rounds` runs it, so cron needs no line.

    manage.py purge_personal_data

For every published round past its challenge period (CHALLENGE_PERIOD_DAYS after publication):
voting-code hashes, register keys, assisted flags, paper entries' code hashes and participation
records (ballots.retention). Then expired sessions (clearsessions), and accounts unused for
ACCOUNT_INACTIVE_DAYS: warned by email first, deleted ACCOUNT_DELETION_NOTICE_DAYS later unless
their owner signs in (wards.retention). The ledger records the counts. Safe to rerun.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand

from ballots import retention
from wards.retention import purge_inactive_accounts


class Command(BaseCommand):
    help = "Delete voters' personal data past the challenge period, and long-unused accounts."

    def handle(self, *args: Any, **options: Any) -> None:
        for done in retention.purge_due_rounds():
            self.stdout.write(
                f"Round {done.round_id}: deleted {done.voting_codes} voting code hashes, "
                f"{done.register_keys} register keys, {done.assisted_flags} assisted flags, "
                f"{done.paper_codes} paper code hashes, {done.participations} participations."
            )
        call_command("clearsessions")
        accounts = purge_inactive_accounts()
        self.stdout.write(
            self.style.SUCCESS(
                f"Accounts: {accounts.notices_sent} warned, {accounts.deleted} deleted, "
                f"{accounts.kept} kept (they hold records the council keeps), "
                f"{accounts.returned} back in use."
            )
        )
