"""Text people wrote, marked with the language they wrote it in (wards.languages.written_in)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from wards.languages import written_in

register = template.Library()


@register.filter
def written_lang(code: str | None) -> SafeString | str:
    """' lang="pl" dir="ltr"' for an element holding text written in `code` when the page is in
    another language, so a screen reader reads it in the right voice and Urdu or Arabic runs
    right to left on an English page; nothing when the page's language is the text's (or for
    "", text in the page's own language, such as a hidden proposal's notice)."""
    written = written_in(code) if code else None
    if written is None:
        return ""
    return format_html(' lang="{}" dir="{}"', written.code, written.direction)
