"""Money is integer pence everywhere; these helpers turn it into words and back."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext


def format_pence(pence: int | None) -> str:
    """£100,000 for whole pounds, £6,500.50 otherwise; negative amounts keep their sign."""
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


def _too_much() -> str:
    return gettext("Enter an amount up to %(max)s.") % {"max": format_pence(MAX_PENCE)}


def parse_pounds(text: str) -> int:
    """'6,500.50' or '£6500' -> 650050 pence. Raises ValueError with a readable message.

    Only plain decimal numbers are money: no exponents (1e30), no NaN or infinity, no formulas."""
    cleaned = text.strip().replace(",", "").replace("£", "").replace(" ", "")
    if not cleaned:
        raise ValueError(gettext("Enter an amount in pounds, like 2500 or 2,500.50."))
    if _MORE_DECIMALS.fullmatch(cleaned):
        raise ValueError(gettext("Amounts can have at most two decimal places (pence)."))
    if not _AMOUNT.fullmatch(cleaned):
        raise ValueError(gettext("Enter an amount in pounds, like 2500 or 2,500.50."))
    if cleaned.startswith("-"):
        raise ValueError(gettext("Enter an amount of money, not a negative number."))
    digits = cleaned.lstrip("0").split(".")[0]
    if len(digits) > 15:
        raise ValueError(_too_much())
    pence = int((Decimal(cleaned) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    if pence > MAX_PENCE:
        raise ValueError(_too_much())
    return pence
