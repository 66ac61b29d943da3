"""Issue one-time voting codes for a round, as a CSV and optionally as printable letters."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ballots import services
from ballots.management.commands._common import get_round


class Command(BaseCommand):
    help = (
        "Create voting codes for a round. Codes are shown once, in the output files, and kept "
        "only as keyed hashes. Keep the files safe and delete them after printing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("round_id", type=int)
        parser.add_argument("--count", type=int, required=True, help="How many codes to create.")
        parser.add_argument("--out", required=True, help="CSV file to write (first column: code).")
        parser.add_argument("--letters", help="Also write printable letters (HTML) to this file.")
        parser.add_argument(
            "--base-url",
            default=settings.PUBLIC_BASE_URL,
            help="The site's public address, for the ballot link and QR code.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        round = get_round(options["round_id"])
        out = Path(options["out"])
        if out.exists():
            raise CommandError(f"{out} already exists; choose a new file so no codes are lost.")
        try:
            issued = services.issue_codes(round, options["count"])
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        out.write_text(services.codes_csv(issued, round, options["base_url"]), encoding="utf-8")
        os.chmod(out, 0o600)
        self.stdout.write(f"Wrote {len(issued)} codes for '{round.title}' to {out}.")
        if options["letters"]:
            letters = Path(options["letters"])
            text = services.letters_html(round, issued, base_url=options["base_url"])
            letters.write_text(text, encoding="utf-8")
            os.chmod(letters, 0o600)
            self.stdout.write(f"Wrote {len(issued)} printable letters to {letters}.")
