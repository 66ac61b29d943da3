from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ballots import services
from ballots.management.commands._common import EXIT_STATUS, get_round


class Command(BaseCommand):
    help = "Close voting in a round and count the ballots (staff). Safe to run again." + EXIT_STATUS

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("round_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        round = get_round(options["round_id"])
        self.stdout.write(f"Closing '{round.title}' ({round.ward.name}) and counting…")
        try:
            result = services.close_round(round)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        outcome = result.result_json
        self.stdout.write(
            self.style.SUCCESS(
                f"Closed. {len(outcome['selected'])} projects funded, {outcome['spent']} of "
                f"{outcome['budget']} pence spent; {result.online_turnout} online and "
                f"{result.paper_turnout} paper voters. Result SHA-256 {result.result_sha256}."
            )
        )
