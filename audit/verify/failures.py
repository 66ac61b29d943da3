"""What can go wrong, and the exit status for each: Failure (something in the files is wrong,
exit 1, naming the file and line) and UsageError (a file cannot be opened or the arguments are
wrong, exit 2). Every other module raises these; only cli turns them into output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_BAD, EXIT_USAGE = 0, 1, 2


class Failure(Exception):
    """Something in the files is wrong (exit 1). `where` names the file and line."""

    def __init__(self, where: str, reason: str, line: int | None = None) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason
        self.line = line


class UsageError(Exception):
    """A file cannot be opened or the arguments are wrong (exit 2)."""


def parse_json(data: bytes | str) -> Any:
    """`json.loads`, except that a document nested too deeply to parse is a `ValueError` like
    any other malformed JSON (json.loads raises RecursionError, which no caller expects)."""
    try:
        return json.loads(data)
    except RecursionError:
        raise ValueError("nested too deeply to read") from None


def read_json(path: str, what: str) -> Any:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot open {path}: {exc.strerror or exc}") from None
    try:
        return parse_json(data)
    except ValueError as exc:
        raise Failure(path, f"the {what} is not valid JSON ({exc})") from None
