"""Money is integer pence everywhere; these helpers turn it into words and back."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


def format_pence(pence: int | None) -> str:
    """£100,000 for whole pounds, £6,500.50 otherwise; negative amounts keep their sign."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    pounds, rem = divmod(abs(int(pence)), 100)
    if rem:
        return f"{sign}£{pounds:,}.{rem:02d}"
    return f"{sign}£{pounds:,}"


def parse_pounds(text: str) -> int:
    """'6,500.50' or '£6500' -> 650050 pence. Raises ValueError with a readable message."""
    cleaned = text.strip().replace(",", "").replace("£", "").replace(" ", "")
    if not cleaned:
        raise ValueError("Enter an amount in pounds, like 2500 or 2,500.50.")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError("Enter an amount in pounds, like 2500 or 2,500.50.") from None
    if not amount.is_finite():
        raise ValueError("Enter an amount in pounds, like 2500 or 2,500.50.")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError("Amounts can have at most two decimal places (pence).")
    return int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
