from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ballots import services
from ballots.management.commands._common import EXIT_STATUS, get_round


class Command(BaseCommand):
    help = (
        "Publish a closed round's result (staff; the web and API need two councillors)."
        + EXIT_STATUS
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("round_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        round = get_round(options["round_id"])
        try:
            result = services.publish_round(round)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Published '{round.title}' at {result.published_at:%Y-%m-%d %H:%M}."
            )
        )
