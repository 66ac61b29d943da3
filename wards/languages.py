"""The interface's languages (settings.LANGUAGES), as codes a record can keep.

A proposal keeps the language it was written in (budgets' Proposal.language): its page says so
when that differs from the page's language, and marks its text with the right lang and dir, so
a screen reader reads it in the right voice and Urdu or Arabic text runs right to left.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import translation


@dataclass(frozen=True)
class WrittenIn:
    code: str  # BCP 47: the HTML lang attribute
    name: str  # in the page's language: "Polish" on an English page
    direction: str  # "ltr" or "rtl"


def language_codes() -> list[str]:
    return [code for code, _ in settings.LANGUAGES]


def supported(code: str) -> str | None:
    """The interface language `code` names ('en', 'en-GB', 'pl-PL' -> 'en-gb', 'pl'), or None."""
    try:
        return translation.get_supported_language_variant(code.lower())
    except LookupError:
        return None


def active_language() -> str:
    """The language the current request or `translation.override` is in, as one of ours."""
    return supported(translation.get_language() or "") or settings.LANGUAGE_CODE


def written_in(code: str) -> WrittenIn | None:
    """What a page in the active language says about text written in `code`: None when the
    page is in that language already (English and British English count as one)."""
    code = supported(code) or code
    if code == active_language():
        return None
    try:
        info = translation.get_language_info(code)
    except KeyError:
        return None
    return WrittenIn(code, str(info["name_translated"]), "rtl" if info["bidi"] else "ltr")
