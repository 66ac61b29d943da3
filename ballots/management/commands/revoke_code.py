from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ballots import services
from ballots.management.commands._common import EXIT_STATUS, get_round


class Command(BaseCommand):
    help = (
        "Revoke a voting code (a lost or stolen letter), with a public reason (staff)."
        + EXIT_STATUS
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("round_id", type=int)
        parser.add_argument("code")
        parser.add_argument("--reason", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        round = get_round(options["round_id"])
        try:
            services.revoke_code(round, options["code"], reason=options["reason"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(self.style.SUCCESS("The code is revoked; it can no longer vote."))
