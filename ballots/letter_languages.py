"""The languages a voting letter can carry a line in, and that line.

FIRST VERSIONS, NOT YET REVIEWED BY A NATIVE SPEAKER: each translation below was written for
this first release and must be checked by someone who reads the language (ideally a resident or
a council interpreter) before letters go out at scale.

Ready for gettext: LINE is the English source sentence, written as it would be passed to
gettext_lazy, and TRANSLATIONS holds what a `locale/<code>/LC_MESSAGES/django.po` would give for
it. When the languages issue adds full i18n, LINE becomes `gettext_lazy(...)`, the translations
move to the .po files (msgid LINE, msgstr the value here, with "%(language)s" filled in as
written) and `letter_line` renders it under `translation.override(code)`. The codes are BCP 47
language tags, so they work as HTML `lang` values and Django language codes alike.
"""

from __future__ import annotations

from dataclasses import dataclass

# The English source sentence (gettext's msgid); %(language)s is the language's own name.
LINE = (
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

# Unreviewed first versions (see the module's note): LINE in each language.
TRANSLATIONS: dict[str, str] = {
    "en": LINE % {"language": "English"},
    "ur": "یہ خط آپ کے علاقے میں پیسہ خرچ کرنے کے بارے میں ہے۔ آپ ووٹ دے سکتے ہیں۔ "
    "اردو میں مدد کے لیے ہیلپ ڈیسک سے پوچھیں۔",
    "pa": "ਇਹ ਚਿੱਠੀ ਤੁਹਾਡੇ ਇਲਾਕੇ ਵਿੱਚ ਪੈਸਾ ਖਰਚ ਕਰਨ ਬਾਰੇ ਹੈ। ਤੁਸੀਂ ਵੋਟ ਪਾ ਸਕਦੇ ਹੋ। "
    "ਪੰਜਾਬੀ ਵਿੱਚ ਮਦਦ ਲਈ ਹੈਲਪ ਡੈਸਕ 'ਤੇ ਪੁੱਛੋ।",
    "bn": "এই চিঠিটি আপনার এলাকায় টাকা কীভাবে খরচ করা হবে সে বিষয়ে। আপনি ভোট দিতে পারেন। "
    "বাংলায় সাহায্যের জন্য হেল্প ডেস্কে জিজ্ঞাসা করুন।",
    "pl": "Ten list dotyczy tego, jak wydać pieniądze w Twojej okolicy. Możesz głosować. "
    "O pomoc w języku polskim poproś w punkcie pomocy (help desk).",
    "ar": "تتعلق هذه الرسالة بكيفية إنفاق المال في منطقتك. يمكنك التصويت. "
    "اطلب المساعدة باللغة العربية من مكتب المساعدة.",
}

assert set(TRANSLATIONS) == set(LANGUAGES), "every language needs its line"


@dataclass(frozen=True)
class LetterLine:
    text: str
    lang: str
    direction: str


def letter_line(code: str) -> LetterLine:
    """The letter's line in language `code` (KeyError for a language not offered)."""
    language = LANGUAGES[code]
    return LetterLine(TRANSLATIONS[code], language.code, language.direction)


def language_choices() -> list[tuple[str, str]]:
    """For the codes form: 'Urdu (اردو)'."""
    return [
        (lang.code, lang.name if lang.native == lang.name else f"{lang.name} ({lang.native})")
        for lang in LANGUAGES.values()
    ]
