from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ballots.management.commands._common import EXIT_STATUS, get_round
from ballots.test_count import run_test_count


class Command(BaseCommand):
    help = (
        "Count a round's test deck before voting opens (staff): ballots whose right outcome is "
        "known, counted as close does and rolled back; the outcome goes to the audit ledger. "
        "Exit status 1 if the count is wrong."
    ) + EXIT_STATUS

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("round_id", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        round = get_round(options["round_id"])
        try:
            outcome = run_test_count(round)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        if not outcome.passed:
            raise CommandError(f"Test count FAILED: {outcome.reason}")
        self.stdout.write(
            self.style.SUCCESS(
                f"Test count passed: {len(outcome.selected)} projects selected as expected "
                f"({', '.join(outcome.selected)}). Deck SHA-256 {outcome.deck_sha256}."
            )
        )
