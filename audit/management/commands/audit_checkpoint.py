"""`manage.py audit_checkpoint "reason"`: sign the ledger's head now (e.g. from cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

import audit


class Command(BaseCommand):
    help = "Sign the audit ledger's current head with the server's Ed25519 key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("reason", nargs="?", default="on demand", help="why, in a few words")

    def handle(self, *args: Any, **options: Any) -> None:
        checkpoint = audit.sign_checkpoint(options["reason"])
        self.stdout.write(
            f"Signed the ledger at event #{checkpoint.seq} ({checkpoint.hash}) "
            f"with key {checkpoint.key_id}."
        )
