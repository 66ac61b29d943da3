"""Money and counts read the way each language writes them; what is stored reads the same in all.

CLDR (through Babel) decides separators and where the pound sign goes; the digits are always
Western and the sign always "£", as on the council's notices (README, "Languages")."""

from __future__ import annotations

import pytest
from django.utils import translation

from wards.money import format_pence, parse_pounds
from wards.numbers import decimal_comma, display_number, display_pence, display_percent
from wards.templatetags.money import number, pounds

NBSP, RLM = "\u00a0", "\u200f"

# (language, £1,234.50, £100,000, 1,234,567 people)
EXPECTED = [
    ("en-gb", "£1,234.50", "£100,000", "1,234,567"),
    ("ur", "£1,234.50", "£100,000", "1,234,567"),
    # Punjabi and Bengali group lakhs (1,00,000) as CLDR says; Bengali puts the sign after.
    ("pa", "£1,234.50", "£1,00,000", "12,34,567"),
    ("bn", "1,234.50£", "1,00,000£", "12,34,567"),
    ("pl", f"1{NBSP}234,50{NBSP}£", f"100{NBSP}000{NBSP}£", f"1{NBSP}234{NBSP}567"),
    # Arabic: a right-to-left mark first, so the sign sits to the left of the number on screen.
    ("ar", f"{RLM}1,234.50{NBSP}£", f"{RLM}100,000{NBSP}£", "1,234,567"),
]


@pytest.mark.parametrize(("language", "pence", "whole", "count"), EXPECTED)
def test_each_language_writes_money_and_counts_its_own_way(
    language: str, pence: str, whole: str, count: str
) -> None:
    with translation.override(language):
        assert display_pence(123_450) == pence
        assert display_pence(10_000_000) == whole  # whole pounds: no ".00", as always
        assert display_number(1_234_567) == count
        assert display_percent(0.475) == "48%"
    # An explicit language wins over the active one (emails, letters).
    assert display_pence(123_450, language=language) == pence


@pytest.mark.parametrize("language", [row[0] for row in EXPECTED])
def test_digits_stay_western_and_the_sign_stays_the_pound(language: str) -> None:
    text = display_pence(123_456_789, language=language) + display_number(9876, language=language)
    assert set(text) <= set("0123456789,.£" + NBSP + RLM)
    assert "GBP" not in text and "UK£" not in text


def test_the_stored_form_is_the_same_in_every_language() -> None:
    for language in [row[0] for row in EXPECTED]:
        with translation.override(language):
            assert format_pence(123_450) == "£1,234.50"
            assert format_pence(10_000_000) == "£100,000"
            assert format_pence(-5) == "-£0.05"


def test_on_a_right_to_left_page_an_amount_is_isolated_and_a_count_is_not() -> None:
    with translation.override("ur"):
        assert pounds(123_450) == "<bdi>£1,234.50</bdi>"
        assert number(1234) == "1,234"
    with translation.override("pl"):
        assert pounds(123_450) == f"1{NBSP}234,50{NBSP}£"
    with translation.override("en-gb"):
        assert pounds(None) == ""


def test_an_unknown_language_falls_back_to_british_english() -> None:
    assert display_pence(123_450, language="xx") == "£1,234.50"


@pytest.mark.parametrize(
    ("text", "pence"),
    [
        ("2500,50", 250_050),
        ("2,5", 250),
        (f"1{NBSP}234,50{NBSP}£", 123_450),  # copied from a Polish page
        ("1 234,50", 123_450),
        ("2500.50", 250_050),  # a full stop is a decimal point in every language
        ("1,234", 123_400),  # three digits after a comma: thousands, as in English
        ("2,500.50", 250_050),
    ],
)
def test_polish_amounts_are_read_as_polish_people_write_them(text: str, pence: int) -> None:
    with translation.override("pl"):
        assert decimal_comma()
        assert parse_pounds(text) == pence


@pytest.mark.parametrize("language", ["en-gb", "ur", "pa", "bn", "ar"])
def test_other_languages_read_amounts_as_before(language: str) -> None:
    with translation.override(language):
        assert not decimal_comma()
        assert parse_pounds("2,500.50") == 250_050
        assert parse_pounds("£2500") == 250_000
        assert parse_pounds(f"1{NBSP}234") == 123_400
        assert parse_pounds("2,50") == 25_000  # unchanged: commas are thousands here
        with pytest.raises(ValueError, match=r"2500 \S+ 2,500\.50"):
            parse_pounds("two pounds")


def test_polish_refusals_give_a_polish_example_and_a_polish_amount() -> None:
    with translation.override("pl"):
        with pytest.raises(ValueError, match=r"2500 albo 2500,50\.$"):
            parse_pounds("dwa funty")
        with pytest.raises(ValueError, match=r"^Wpisz kwotę do 1\xa0000\xa0000\xa0000\xa0£\.$"):
            parse_pounds("1000000001")
