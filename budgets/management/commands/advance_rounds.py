"""Move budget rounds on when a phase's end date has passed; a cron job runs it every few minutes.

    */5 * * * *  cd /srv/community-chest && .venv/bin/python manage.py advance_rounds

Draft rounds open for proposals at proposals_start; proposals end at proposals_end; review ends at
review_end (only once every proposal is reviewed and one is feasible). When voting_end passes, the
closer the ballots app registered in budgets.hooks counts the votes; without one, the command says
that close_round must run. It never moves a round to closed itself. Last, it retries
reclaiming the old row versions of closed rounds (`reclaim_space`) if that failed at close,
deletes expired sessions (`clearsessions`), so choices saved half-way through a ballot go with them,
runs `purge_personal_data` (voters' data past a round's challenge period, unused accounts), and
deletes residents' sign-ups left unconfirmed past their link's life
(wards.signup.delete_unconfirmed).
With --send-email it then runs send_ward_emails, so one cron line also sends the notices the phase
changes queued for ward subscribers.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from budgets.services import advance_due_rounds
from wards import signup


class Command(BaseCommand):
    help = "Move budget rounds whose phase end date has passed to their next phase."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--strict",
            action="store_true",
            help="Exit with status 1 if a due round could not move on (for monitoring).",
        )
        parser.add_argument(
            "--send-email",
            action="store_true",
            help="Then send the emails queued for ward subscribers (send_ward_emails).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        results = advance_due_rounds(say=self.stdout.write)
        moved = sum(r.outcome in ("moved", "closed") for r in results)
        stuck = len(results) - moved
        self.stdout.write(self.style.SUCCESS(f"Done: {moved} moved on, {stuck} waiting."))
        if apps.is_installed("ballots"):
            # Retries removing old ballot row versions if a VACUUM after close failed.
            try:
                call_command("reclaim_space", stdout=self.stdout)
            except CommandError as exc:
                self.stderr.write(str(exc))
                stuck += 1
        # Expired sessions stay in the database until deleted: among them, choices a visitor
        # saved before signing in and never came back for (they expire after 30 minutes).
        call_command("clearsessions")
        if apps.is_installed("ballots"):
            # Voters' personal data past its round's challenge period, and unused accounts.
            call_command("purge_personal_data", stdout=self.stdout)
        # Residents' sign-ups never confirmed within their link's life free their usernames.
        signup.delete_unconfirmed()
        if options["send_email"]:
            # The notices the phase changes above queued, and any waiting for a retry.
            try:
                call_command("send_ward_emails", stdout=self.stdout, stderr=self.stderr)
            except CommandError as exc:
                self.stderr.write(str(exc))
                stuck += 1
        if options["strict"] and stuck:
            raise SystemExit(1)
