"""The languages a voting letter can be printed in, and its line offering help in that language.

The letter (templates/ballots/letters.html) is rendered under `translation.override(code)`, so
the whole letter is in the chosen language, from the gettext catalogues in locale/ (first
versions, not yet reviewed by a native speaker: README, "Languages"). LINE is the sentence
offering help in the letter's language; its translations live in the catalogues like every other
string. The codes are BCP 47 language tags, so they work as HTML `lang` values and Django
language codes alike.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext, gettext_noop

# The English source sentence (gettext's msgid); %(language)s is the language's own name.
LINE = gettext_noop(
    "This letter is about how to spend money in your area. You can vote. "
    "Ask at the help desk for help in %(language)s."
)


@dataclass(frozen=True)
class LetterLanguage:
    code: str  # BCP 47 tag: the HTML lang attribute
    name: str  # in English, for the councillors' form
    native: str  # in the language itself
    direction: str  # "ltr" or "rtl": the HTML dir attribute


LANGUAGES: dict[str, LetterLanguage] = {
    language.code: language
    for language in (
        LetterLanguage("en", "English", "English", "ltr"),
        LetterLanguage("ur", "Urdu", "اردو", "rtl"),
        # Gurmukhi script, as most Punjabi readers in Birmingham's Sikh community use; Shahmukhi
        # (right to left) readers are better served by the Urdu line for now.
        LetterLanguage("pa", "Punjabi", "ਪੰਜਾਬੀ", "ltr"),
        LetterLanguage("bn", "Bengali", "বাংলা", "ltr"),
        LetterLanguage("pl", "Polish", "Polski", "ltr"),
        LetterLanguage("ar", "Arabic", "العربية", "rtl"),
    )
}


@dataclass(frozen=True)
class LetterLine:
    text: str
    lang: str
    direction: str


def letter_line(code: str) -> LetterLine:
    """The letter's line in language `code` (KeyError for a language not offered)."""
    language = LANGUAGES[code]
    with translation.override(code):
        text = gettext(LINE) % {"language": language.native}
    return LetterLine(text, language.code, language.direction)


def language_choices() -> list[tuple[str, str]]:
    """For the codes form: 'Urdu (اردو)'."""
    return [
        (lang.code, lang.name if lang.native == lang.name else f"{lang.name} ({lang.native})")
        for lang in LANGUAGES.values()
    ]
