"""Money, counts and percentages as a person reads them in their language (CLDR, via Babel).

This is the display path only: pages, messages built for one request, emails composed for one
subscriber's language, letters printed in one language. Anything stored or exported (the
ledger, result explanations saved at close, CSV/XLSX/JSON/.pb files, the API) uses the plain,
language-free `wards.money.format_pence` instead, so the same round gives the same bytes
whatever language the person who caused them was reading.

Each language keeps its own separators and currency placement (Polish `1 234,50 £`, Bengali
`1,00,000£`, Arabic `‏1,234.50 £`) but always Western digits (CLDR's `latn` numbering system)
and always the pound sign `£`: that is how the council's notices, letters, ledger and published
figures print amounts, so a resident can check one against the other (README, "Languages").
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import (
    format_currency,
    format_decimal,
    format_percent,
    get_currency_symbol,
    get_decimal_symbol,
)
from django.utils.functional import lazy
from django.utils.translation import get_language

# Western (Latin) digits in every language: see the module's docstring.
DIGITS = "latn"
_FALLBACK = "en_GB"


@lru_cache(maxsize=32)
def _locale(language: str) -> Locale:
    """Django's language code ("en-gb", "pa", "ar") as a CLDR locale; British English if unknown."""
    try:
        return Locale.parse(language.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return Locale.parse(_FALLBACK)


@lru_cache(maxsize=32)
def _money_patterns(language: str) -> tuple[str, str, str]:
    """The language's currency pattern with pence, the same without (whole pounds print no
    ".00", as they always have), and its own symbol for pounds (Polish "GBP", Arabic "UK£"),
    which we print as "£"."""
    locale = _locale(language)
    pattern = locale.currency_formats["standard"].pattern
    return pattern, pattern.replace(".00", ""), get_currency_symbol("GBP", locale)


def _language(language: str | None) -> str:
    return language or get_language() or _FALLBACK


def decimal_comma(language: str | None = None) -> bool:
    """Whether `language` (by default the active one) writes 2,50 for two and a half."""
    return get_decimal_symbol(_locale(_language(language)), numbering_system=DIGITS) == ","


def display_pence(pence: int | None, *, language: str | None = None) -> str:
    """`pence` in pounds for a person reading `language` (by default the active one):
    "£1,234.50" in English and Urdu, "1 234,50 £" in Polish, "£1,000" for whole pounds."""
    if pence is None:
        return ""
    code = _language(language)
    with_pence, whole, symbol = _money_patterns(code)
    pounds, rem = divmod(abs(int(pence)), 100)
    amount = Decimal(pounds) if not rem else Decimal(abs(int(pence))) / 100
    text = format_currency(
        -amount if pence < 0 else amount,
        "GBP",
        format=with_pence if rem else whole,
        locale=_locale(code),
        currency_digits=False,
        numbering_system=DIGITS,
    )
    return text.replace(symbol, "£")


def display_number(value: int | Decimal | None, *, language: str | None = None) -> str:
    """A count (voters, votes, projects) with the language's separators: "1,234", "1 234"."""
    if value is None:
        return ""
    return format_decimal(value, locale=_locale(_language(language)), numbering_system=DIGITS)


def display_percent(
    fraction: float | Fraction | Decimal | None, *, language: str | None = None
) -> str:
    """A share (0.475) as a whole percentage in the language's form: "48%"."""
    if fraction is None:
        return ""
    if isinstance(fraction, Fraction):
        value = Decimal(fraction.numerator) / fraction.denominator
    else:  # a float stands for its shortest decimal repr, as a person reading it would take it
        value = Decimal(repr(fraction)) if isinstance(fraction, float) else fraction
    return format_percent(value, locale=_locale(_language(language)), numbering_system=DIGITS)


# For texts built when a module loads (form help texts, settings words): formatted when shown.
lazy_number = lazy(display_number, str)
