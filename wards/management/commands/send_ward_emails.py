"""Send the emails queued for ward subscribers: confirmation links and round notices.

Run it from cron or a systemd timer every few minutes, beside advance_rounds (or as
`advance_rounds --send-email`):

    */5 * * * *  cd /srv/community-chest && .venv/bin/python manage.py send_ward_emails

Due emails go out in batches with a progress line each (counts, never addresses); a failed email
is retried later with a growing delay, and after several attempts kept as failed (the admin's
*Outbound emails* lists them and retries them). Runs at once on PostgreSQL share the work without
sending anything twice. Each run also deletes subscriptions never confirmed within a week and
emails sent more than 30 days ago. Exit status 1 when an email was given up on in this run.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from wards import notices, outbox
from wards.models import OutboundEmail


def _emails(n: int) -> str:
    return f"{n} email{'' if n == 1 else 's'}"


class Command(BaseCommand):
    help = "Send the emails queued for ward subscribers, retrying failures."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            default=outbox.DEFAULT_BATCH,
            help=f"Emails claimed and sent at a time (1 to {outbox.MAX_BATCH}; "
            f"default {outbox.DEFAULT_BATCH}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        batch_size = options["batch_size"]
        if not 1 <= batch_size <= outbox.MAX_BATCH:
            raise CommandError(f"--batch-size must be between 1 and {outbox.MAX_BATCH}.")
        expired = notices.delete_unconfirmed()
        if expired:
            self.stdout.write(
                f"Deleted {expired} subscription{'' if expired == 1 else 's'} not confirmed "
                f"within {notices.SUBSCRIPTION_LINK_MAX_AGE.days} days."
            )
        purged = outbox.purge_sent()
        if purged:
            self.stdout.write(f"Deleted {_emails(purged)} sent over 30 days ago.")
        due = OutboundEmail.objects.due(timezone.now()).count()
        waiting = OutboundEmail.objects.pending().count() - due
        self.stdout.write(f"{_emails(due)} due now, {waiting} waiting for a later attempt.")
        done = outbox.send_due(batch_size=batch_size, say=self.stdout.write)
        self.stdout.write(
            self.style.SUCCESS(
                f"Done: {done.sent} sent, {done.retrying} to retry later, {done.gave_up} given up."
            )
        )
        failed = OutboundEmail.objects.failed().count()
        if failed:
            self.stderr.write(
                self.style.WARNING(
                    f"{_emails(failed)} could not be sent after {outbox.MAX_ATTEMPTS} attempts "
                    "and kept as failed: see Outbound emails in the admin (filter: failed), "
                    "fix the cause and retry them there."
                )
            )
        if done.gave_up:
            raise CommandError(f"{_emails(done.gave_up)} given up on in this run.")
