"""Issue one-time voting codes for a round, as a CSV and optionally as printable letters."""

from __future__ import annotations

import html
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
            letters.write_text(self._letters(round, issued, options["base_url"]), encoding="utf-8")
            os.chmod(letters, 0o600)
            self.stdout.write(f"Wrote {len(issued)} printable letters to {letters}.")

    def _letters(self, round: Any, issued: list[str], base_url: str) -> str:
        import segno

        url = f"{base_url.rstrip('/')}/rounds/{round.pk}/vote/"
        # The QR code links to the ballot only: a code in a link would end up in server logs.
        qr = segno.make(url, error="m").svg_inline(scale=4)
        title = html.escape(round.title)
        pages = []
        for code in issued:
            pages.append(
                f"""<section class="letter">
<h1>Your vote: {title}</h1>
<p>You can help decide how {html.escape(round.area_name)}'s community chest is spent.</p>
<p>Go to <strong>{html.escape(url)}</strong> or scan the code below, choose the projects you
want, and enter this voting code:</p>
<p class="code">{code}</p>
<div class="qr">{qr}</div>
<p>The code can be used once, online or on paper. You can change an online vote until voting
closes. Your vote is secret.</p>
</section>"""
            )
        style = (
            ".letter{page-break-after:always;font:14pt sans-serif;max-width:40em;margin:2em auto}"
            ".code{font:bold 20pt monospace;letter-spacing:.1em}"
        )
        return (
            f'<!doctype html><html lang="en-GB"><head><meta charset="utf-8"><title>{title}: '
            f"voting letters</title><style>{style}</style></head><body>"
            + "\n".join(pages)
            + "</body></html>"
        )
