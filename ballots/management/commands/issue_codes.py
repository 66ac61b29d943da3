"""Issue one-time voting codes for a round, as a CSV and optionally as printable letters."""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import URLValidator
from django.db import transaction

from ballots import services
from ballots.management.commands._common import EXIT_STATUS, get_round


class Command(BaseCommand):
    help = (
        "Create voting codes for a round. Codes are shown once, in the output files, and kept "
        "only as keyed hashes. Keep the files safe and delete them after printing."
    ) + EXIT_STATUS

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
        base_url = options["base_url"]
        try:
            URLValidator(schemes=["http", "https"])(base_url)
        except ValidationError:
            raise CommandError(
                f"--base-url {base_url!r} is not a web address (such as https://example.org)."
            ) from None
        out = Path(options["out"])
        letters = Path(options["letters"]) if options["letters"] else None
        if letters is not None and letters.absolute() == out.absolute():
            raise CommandError("--out and --letters must be different files.")
        # Both files are created (empty, owner-only) before any code is issued, and the codes
        # are issued and written in one transaction: a file that cannot be written leaves no
        # codes in the database that nobody holds.
        created: list[Path] = []
        done = False
        try:
            with ExitStack() as files:
                csv_file = files.enter_context(_create(out, created))
                letters_file = files.enter_context(_create(letters, created)) if letters else None
                with transaction.atomic():
                    issued = services.issue_codes(round, options["count"])
                    csv_file.write(services.codes_csv(issued, round, base_url))
                    if letters_file is not None:
                        html = services.letters_html(round, issued, base_url=base_url)
                        letters_file.write(html)
                    files.close()  # flushed inside the transaction: a full disk issues nothing
            done = True
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        except OSError as exc:
            where = exc.filename or "the output files"
            raise CommandError(f"cannot write {where}: {exc.strerror or exc}") from None
        finally:
            if not done:
                for path in created:
                    path.unlink(missing_ok=True)
        self.stdout.write(f"Wrote {len(issued)} codes for '{round.title}' to {out}.")
        if letters is not None:
            self.stdout.write(f"Wrote {len(issued)} printable letters to {letters}.")


def _create(path: Path, created: list[Path]) -> IO[str]:
    """`path`, newly created and readable by its owner only; CommandError if it exists."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise CommandError(
            f"{path} already exists; choose a new file so no codes are lost."
        ) from None
    created.append(path)
    return os.fdopen(fd, "w", encoding="utf-8")
