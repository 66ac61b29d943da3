"""The text side of reading a Pabulib file: bytes to text, text to lines, lines to `;`-separated
rows, and fields to whole numbers; every problem a `PabulibFormatError` (or `TallyError`)."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, cast

from .errors import PabulibFormatError, TallyError

Source = str | bytes | os.PathLike[str] | IO[str] | IO[bytes]

_THOUSANDS = re.compile(r"[+-]?[0-9]{1,3}(,[0-9]{3})+")


def _whole_number(text: str, what: str, line: int, *, allow_negative: bool = False) -> int:
    """Parse `text` as a whole number ("12", "12.0" and "12,0" are accepted; "1,000" is refused,
    since a comma before three digits may be a decimal comma or a thousands separator)."""
    if _THOUSANDS.fullmatch(text.strip()):
        raise PabulibFormatError(
            f"{what} {text!r} is ambiguous: the comma may separate thousands or decimals; "
            "write the number without it",
            line,
        )
    cleaned = text.strip().replace(",", ".")
    try:
        value = int(cleaned)
    except ValueError:
        try:
            as_float = float(cleaned)
        except ValueError:
            raise PabulibFormatError(f"{what} {text!r} is not a number", line) from None
        if as_float != as_float or as_float in (float("inf"), float("-inf")):
            raise PabulibFormatError(f"{what} {text!r} is not a number", line) from None
        if not as_float.is_integer():
            raise PabulibFormatError(f"{what} {text!r} is not a whole number", line) from None
        value = int(as_float)
    if value < 0 and not allow_negative:
        raise PabulibFormatError(f"{what} {text!r} is negative", line)
    return value


def _read_text(source: Source) -> str:
    if hasattr(source, "read"):
        data = cast("IO[str] | IO[bytes]", source).read()
    elif isinstance(source, bytes):
        data = source
    elif isinstance(source, str) and ("\n" in source or "\r" in source):
        return source
    elif isinstance(source, str | os.PathLike):
        path = Path(source)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise TallyError(f"cannot read {path}: {exc.strerror or exc}") from None
    else:
        raise TallyError(f"cannot read a Pabulib file from {type(source).__name__}")
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PabulibFormatError(
                f"the file is not UTF-8 text (bad byte at position {exc.start})"
            ) from None
    return str(data)


def _lines(text: str) -> list[str]:
    """The file's lines: split on "\n" only (a "\r\n" ending is tolerated, and a file that uses
    "\r" alone is read as such). Never `str.splitlines()`, which would also split on U+2028, U+0085,
    form feeds and the like, which a name may hold and the writer does not escape."""
    if "\n" not in text and "\r" in text:
        lines = text.split("\r")
    else:
        lines = [line.removesuffix("\r") for line in text.split("\n")]
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _rows(lines: Iterable[str]) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(lines, delimiter=";", strict=True)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            message = f"cannot split the line into fields ({exc})"
            raise PabulibFormatError(message, reader.line_num) from None
        yield reader.line_num, row
