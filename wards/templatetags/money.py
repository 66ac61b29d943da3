"""Money, counts and percentages on a page, in the page's language (wards.numbers)."""

from decimal import Decimal
from fractions import Fraction

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language_bidi

from wards.numbers import display_number, display_pence, display_percent

register = template.Library()


def _isolated(text: str) -> str | SafeString:
    """On a right-to-left page an amount is set apart (<bdi>) from the words around it, as
    codes are: a proposal title in English just before it would otherwise pull it into its own
    left-to-right run, and a minus sign would drift to the far side of the number."""
    if text and get_language_bidi():
        return format_html("<bdi>{}</bdi>", text)
    return text


@register.filter
def pounds(pence: int | None) -> str:
    """Pounds in the page's language: its separators and where the sign goes ("£1,234.50",
    "1 234,50 £"), but always the pound sign and Western digits, as on the council's notices,
    letters and ledger, so an amount can be checked against the published figures (README,
    "Languages")."""
    return _isolated(display_pence(pence))


@register.filter
def number(value: int | None) -> str:
    """A count in the page's language: "1,234" in English, "1 234" in Polish. (Digits, with
    their separators, already read as one unit inside right-to-left text: no <bdi> needed.)"""
    return display_number(value)


@register.filter
def percent(fraction: float | Fraction | Decimal | None) -> str:
    """A share (0.48) as a percentage in the page's language: "48%"."""
    return display_percent(fraction)
