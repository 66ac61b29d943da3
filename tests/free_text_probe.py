"""What every free-text field of every form is tried with, and the check afterwards that no
stored text kept a character wards.text removes (tests/budgets/test_every_text_field.py and
tests/delivery/test_every_text_field.py)."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from wards.text import INVISIBLE, LINE_BREAKS

# Every kind of line break, bidi controls, zero-width characters, a formula start, C0/C1
# controls and an emoji; a NUL; ten thousand characters; a formula behind invisible padding.
NASTY = (
    "=+-@Start\r\nB\rC\u2028D\u2029E\u0085F\vG\fH\u202eI\u2066J\u2067K\u2068L\u2069M\u200bN"
    "\ufeffO\tP\x1cQ\x7fR\U0001f600 end"
)
VARIANTS = {
    "every_control": NASTY,
    "nul": NASTY + "\x00x",
    "ten_thousand": "=" + "x\u2028" * 5000,
    "hidden_formula": "  \u200b=cmd|' /C calc'!A0",
}
# Multi-line text kept in a CharField: its "\n" are meant.
MULTI_LINE_CHARFIELDS = {("Proposal", "summary")}


def _problems(value: str, *, one_line: bool) -> list[str]:
    found = sorted(
        {
            repr(c)
            for c in value
            if c in INVISIBLE
            or (c in LINE_BREAKS and c != "\n")
            or (ord(c) < 32 and c != "\n")
            or c == "\x7f"
        }
    )
    return found + (["'\\n'"] if one_line and "\n" in value else [])


def unclean_text() -> list[str]:
    """Every stored text value (our apps and user accounts) that still holds such a character."""
    bad = []
    for model in apps.get_models():
        if model._meta.app_label not in {
            "wards",
            "budgets",
            "ballots",
            "delivery",
            "audit",
            "auth",
        }:
            continue
        fields = [
            f for f in model._meta.fields if isinstance(f, models.CharField | models.TextField)
        ]
        for obj in model._default_manager.all():
            for field in fields:
                value = getattr(obj, field.attname)
                if not isinstance(value, str):
                    continue
                one_line = isinstance(field, models.CharField) and (
                    (model.__name__, field.name) not in MULTI_LINE_CHARFIELDS
                )
                if problems := _problems(value, one_line=one_line):
                    bad.append(f"{model.__name__}.{field.name} = {value[:50]!r}: {problems}")
    return bad
