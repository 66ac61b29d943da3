"""Free text as the app keeps it: one normalisation for every one-line field, one for every
multi-line field, and one guard for every cell of a CSV export.

Whatever a form, the API or a management command receives goes through these before it is
stored, so every title can be counted, written to ballots.pb, verified and read back.

- One-line text (titles of proposals and rounds, categories, places, names): Unicode NFC; every
  line break (\\n \\r \\v \\f \\x1c-\\x1e \\x85 U+2028 U+2029) and every other control character
  (tab included) becomes a space; runs of white space become one space; ends are stripped.
- Multi-line text (descriptions, reasons): the same characters go, except that line breaks
  become "\\n" (a "\\r\\n" pair becomes one); spaces inside a line are kept as typed, white
  space at the end of each line and of the whole text is stripped.
- Zero-width and bidirectional formatting characters (U+200B-U+200F, U+202A-U+202E,
  U+2066-U+2069, U+FEFF) are removed, not refused: they are invisible, so a resident could not
  see what to correct, and a right-to-left override could make a title read differently on the
  ballot from what is stored. (Text that needs a zero-width joiner, as some scripts and emoji
  do, shows without it; nothing is lost that a reader could see.) Lone surrogates, which no
  UTF-8 file can hold, are removed too.
"""

from __future__ import annotations

import re
import unicodedata

LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")
INVISIBLE = frozenset(
    [chr(c) for c in range(0x200B, 0x2010)]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
    + ["\ufeff"]
)
# A spreadsheet reads a cell starting with one of these as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

_SPACES = re.compile(r"\s+")


def _characters(text: str, *, keep_newlines: bool) -> str:
    out: list[str] = []
    for ch in text:
        if ch in INVISIBLE:
            continue
        if ch in LINE_BREAKS:
            out.append("\n" if keep_newlines else " ")
            continue
        category = unicodedata.category(ch)
        if category == "Cs":
            continue
        out.append(" " if category == "Cc" else ch)
    return "".join(out)


def single_line(text: str | None) -> str:
    """`text` as one clean line (see the module's notes); "" for None."""
    cleaned = _characters(text or "", keep_newlines=False)
    return _SPACES.sub(" ", unicodedata.normalize("NFC", cleaned)).strip()


def multi_line(text: str | None) -> str:
    """`text` with its lines kept and "\\n" as their only separator (see the module's notes)."""
    cleaned = _characters((text or "").replace("\r\n", "\n"), keep_newlines=True)
    lines = unicodedata.normalize("NFC", cleaned).split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def spreadsheet_safe(value: object) -> object:
    """A CSV cell that no spreadsheet runs as a formula: text starting with =, +, -, @, a tab or
    a carriage return gets a leading apostrophe. Numbers pass through as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
