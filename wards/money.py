"""Money is integer pence everywhere; these helpers turn it into words and back."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext

from wards.numbers import decimal_comma, display_pence


def format_pence(pence: int | None) -> str:
    """£100,000 for whole pounds, £6,500.50 otherwise; negative amounts keep their sign.

    The same in every language, on purpose: this is the form for anything stored or exported
    (ledger payloads, the tally's saved explanations, CSV/JSON, the API's messages) and for
    English-only texts. What a person reads in their language comes from
    `wards.numbers.display_pence`."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    pounds, rem = divmod(abs(int(pence)), 100)
    if rem:
        return f"{sign}£{pounds:,}.{rem:02d}"
    return f"{sign}£{pounds:,}"


# The largest amount of money anything in the app may hold: a round's budget, a ward's chest, a
# project's cost. £1 billion is far above any participatory budget, and far below what a 64-bit
# column holds (PostgreSQL's bigint), so no amount can overflow the database.
MAX_PENCE = 100_000_000_000
TOO_MUCH = f"Enter an amount up to {format_pence(MAX_PENCE)}."

_AMOUNT = re.compile(r"-?(\d+(\.\d{0,2})?|\.\d{1,2})")
_MORE_DECIMALS = re.compile(r"-?\d*\.\d{3,}")


# Spaces people type or copy between thousands: plain, no-break (Polish pages print amounts
# with these) and narrow no-break.
_SPACES = str.maketrans("", "", " \u00a0\u202f")
# "2,5" or "1234,50": in a language that writes a decimal comma, a single comma followed by one
# or two digits can only be pence (a thousands comma is followed by three).
_DECIMAL_COMMA = re.compile(r"-?\d+,\d{1,2}")


def _too_much() -> str:
    return gettext("Enter an amount up to %(max)s.") % {"max": display_pence(MAX_PENCE)}


def amount_example() -> str:
    """An amount with pence as the active language may type it: "2,500.50", or "2500,50"."""
    return "2500,50" if decimal_comma() else "2,500.50"


def enter_amount() -> str:
    """The hint when an amount cannot be read, with an example the parser takes."""
    return gettext("Enter an amount in pounds, like 2500 or %(example)s.") % {
        "example": amount_example()
    }


def parse_pounds(text: str) -> int:
    """'6,500.50' or '£6500' -> 650050 pence. Raises ValueError with a readable message.

    Only plain decimal numbers are money: no exponents (1e30), no NaN or infinity, no formulas.
    A full stop is the decimal point in every language. In a language that writes a decimal
    comma (Polish), '6500,50' and '6 500,50 £' are 650050 too: only when the comma can only
    be pence (one comma, one or two digits after it, no full stop); '6,500' stays 6500."""
    cleaned = text.strip().replace("£", "").translate(_SPACES)
    if decimal_comma() and _DECIMAL_COMMA.fullmatch(cleaned):
        cleaned = cleaned.replace(",", ".")
    cleaned = cleaned.replace(",", "")
    if not cleaned:
        raise ValueError(enter_amount())
    if _MORE_DECIMALS.fullmatch(cleaned):
        raise ValueError(gettext("Amounts can have at most two decimal places (pence)."))
    if not _AMOUNT.fullmatch(cleaned):
        raise ValueError(enter_amount())
    if cleaned.startswith("-"):
        raise ValueError(gettext("Enter an amount of money, not a negative number."))
    digits = cleaned.lstrip("0").split(".")[0]
    if len(digits) > 15:
        raise ValueError(_too_much())
    pence = int((Decimal(cleaned) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    if pence > MAX_PENCE:
        raise ValueError(_too_much())
    return pence
