"""Formatting money for residents: "£8,000", "£31.10", or "8,000 PLN" in plain units."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

UNITS = ("pence", "units")


@dataclass(frozen=True)
class Money:
    """`unit="pence"`: amounts are pence, shown in pounds; `"units"`: shown as plain numbers with
    the instance's currency code, if any."""

    unit: str = "units"
    currency: str = ""

    @classmethod
    def for_instance(cls, meta: dict[str, str], unit: str | None) -> Money:
        currency = meta.get("currency", "").strip()
        if unit is None:
            unit = "pence" if currency.upper() == "GBP" else "units"
        if unit not in UNITS:
            from .errors import TallyError

            raise TallyError(f"unknown money unit {unit!r}: use one of {', '.join(UNITS)}")
        return cls(unit, "" if unit == "pence" else currency)

    def __call__(self, amount: int | float | Fraction) -> str:
        """Rounded here, and only here: half to even, on the exact value (a Fraction is never
        turned into a float or a limited-precision Decimal first)."""
        if self.unit == "pence":
            pence = _round(amount, 0)
            pounds = pence / 100
            if pence % 100 == 0:
                return f"£{int(pounds):,}"
            return f"£{pounds:,.2f}"
        whole = amount.denominator == 1 if isinstance(amount, Fraction) else amount == int(amount)
        text = f"{int(amount):,}" if whole else f"{_round(amount, 2):,.2f}"
        return f"{text} {self.currency}" if self.currency else text

    def certain(self, approx: float, error: float) -> bool:
        """Whether every amount within `error` of `approx` is shown just as `approx` is: then a
        float may stand for the exact value it approximates; otherwise show the exact value.
        (`error` is far wider than a float's own rounding here, so float arithmetic will do.)"""
        low, high = approx - error, approx + error
        if self.unit == "pence":  # rounded to whole pence: no half penny may be in reach
            return math.floor(low + 0.5) == math.floor(high + 0.5)
        # Plain units: rounded to hundredths, and a whole amount is shown without decimals.
        return math.floor(low * 100 + 0.5) == math.floor(high * 100 + 0.5) and math.ceil(low) > high


def _round(amount: int | float | Fraction, places: int) -> Decimal:
    """`amount` rounded half to even at `places` decimals, exactly. A float stands for its
    shortest decimal repr (what a person reading it would take it for)."""
    if isinstance(amount, Fraction):
        return Decimal(round(amount * 10**places)).scaleb(-places)
    value = Decimal(repr(amount)) if isinstance(amount, float) else Decimal(amount)
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
