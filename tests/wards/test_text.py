"""One-line and multi-line text cleaning, and the CSV formula guard (wards.text)."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wards.text import INVISIBLE, LINE_BREAKS, multi_line, single_line, spreadsheet_safe

TRICKY = [*sorted(LINE_BREAKS | INVISIBLE), "\t", "\x00", "\x07", "\x1f", "\x7f", "\u00a0", " "]
texts = st.text(alphabet=st.sampled_from([*TRICKY, "a", "e", "\u0301", ";"]) | st.characters())


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Benches\nfor the park", "Benches for the park"),
        ("Benches\r\nfor the park", "Benches for the park"),
        ("Benches\u2028for\u2029the\x85park", "Benches for the park"),
        ("  Bench\t\tby\x0bthe\x0cbrook\x1c ", "Bench by the brook"),
        ("Bi\u200bns\u202e gnol\u202c\ufeff", "Bins gnol"),
        ("Cafe\u0301", "Café"),
        ("\u200b\u200b", ""),
        (None, ""),
    ],
)
def test_single_line(raw: str | None, clean: str) -> None:
    assert single_line(raw) == clean


def test_multi_line_keeps_lines_and_loses_the_rest() -> None:
    raw = "First line\r\nsecond\u2028third\rfourth\x07 \n\n  indented\u200b"
    assert multi_line(raw) == "First line\nsecond\nthird\nfourth\n\n  indented"


@settings(max_examples=300, deadline=None)
@given(texts)
def test_single_line_gives_one_clean_line(raw: str) -> None:
    clean = single_line(raw)
    assert single_line(clean) == clean
    assert len(f"a{clean}a".splitlines()) == 1
    assert clean == clean.strip() and "  " not in clean
    assert not any(unicodedata.category(ch) in ("Cc", "Cs") or ch in INVISIBLE for ch in clean)
    assert unicodedata.is_normalized("NFC", clean)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_multi_line_leaves_only_newlines(raw: str) -> None:
    clean = multi_line(raw)
    assert multi_line(clean) == clean
    assert clean.splitlines() == clean.split("\n") or clean == ""
    assert not any(
        (unicodedata.category(ch) in ("Cc", "Cs") and ch != "\n") or ch in INVISIBLE for ch in clean
    )


@pytest.mark.parametrize("cell", ["=1+1", "+44", "-3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_are_neutralised(cell: str) -> None:
    assert spreadsheet_safe(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Benches", "1+1=2", "", 42, -3])
def test_other_cells_pass_through(cell: object) -> None:
    assert spreadsheet_safe(cell) == cell


@pytest.mark.django_db
def test_ward_and_neighbourhood_names_are_one_line() -> None:
    from wards.models import Neighbourhood, Ward

    ward = Ward(name="Spark\nbrook\u200b", slug="sparkbrook-2", chest_pence=100)
    ward.full_clean()
    assert ward.name == "Spark brook"
    ward.save()
    area = Neighbourhood(ward=ward, name="Balsall\u2028Heath", slug="balsall-heath")
    area.full_clean()
    assert area.name == "Balsall Heath"
