"""Formatting money for residents: "£8,000", "£31.10", or "8,000 PLN" in plain units."""

from __future__ import annotations

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
        if self.unit == "pence":
            pence = _round(Decimal(_exact(amount)), 0)
            pounds = pence / 100
            if pence % 100 == 0:
                return f"£{int(pounds):,}"
            return f"£{pounds:,.2f}"
        value = _exact(amount)
        text = f"{int(value):,}" if value == int(value) else f"{_round(Decimal(value), 2):,.2f}"
        return f"{text} {self.currency}" if self.currency else text


def _exact(amount: int | float | Fraction) -> Decimal:
    if isinstance(amount, Fraction):
        return Decimal(amount.numerator) / Decimal(amount.denominator)
    return Decimal(repr(amount)) if isinstance(amount, float) else Decimal(amount)


def _round(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
