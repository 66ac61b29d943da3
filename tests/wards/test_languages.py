"""Languages: the page follows Accept-Language until the switcher picks one, which sticks;
<html lang> and dir are right; every catalogue is complete and its compiled file current."""

from __future__ import annotations

import gettext
import io
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from django.utils.html import strip_tags

from tests.conftest import PASSWORD
from wards import catalogues
from wards.models import Ward, WardPostcode
from wards.money import format_pence
from wards.templatetags.money import pounds

pytestmark = pytest.mark.django_db

CATALOGUES = ["ur", "pa", "bn", "pl", "ar"]


def _html_tag(page: str) -> str:
    found = re.search(r"<html[^>]*>", page)
    assert found is not None
    return found.group(0)


def test_without_accept_language_the_page_is_in_british_english(
    client: Client, sparkbrook: Ward
) -> None:
    page = client.get("/wards/sparkbrook/").content.decode()
    assert _html_tag(page) == '<html lang="en-gb" dir="ltr">'
    assert "Budget rounds" in page


@pytest.mark.parametrize(
    ("header", "lang", "direction", "words"),
    [
        ("ur", "ur", "rtl", "بجٹ کے مراحل"),
        ("ar-SA,ar;q=0.9,en;q=0.5", "ar", "rtl", "جولات الميزانية"),
        ("pa-IN", "pa", "ltr", "ਬਜਟ ਦੌਰ"),
        ("bn", "bn", "ltr", "বাজেট পর্ব"),
        ("pl-PL,pl;q=0.9", "pl", "ltr", "Edycje budżetu"),
        ("en-US", "en-gb", "ltr", "Budget rounds"),
        ("fr-FR", "en-gb", "ltr", "Budget rounds"),
    ],
)
def test_the_page_follows_accept_language(
    client: Client, sparkbrook: Ward, header: str, lang: str, direction: str, words: str
) -> None:
    page = client.get("/wards/sparkbrook/", headers={"accept-language": header}).content.decode()
    assert _html_tag(page) == f'<html lang="{lang}" dir="{direction}">'
    assert words in page


def test_urdu_pages_are_mirrored_by_the_rtl_stylesheet(client: Client, sparkbrook: Ward) -> None:
    page = client.get("/wards/sparkbrook/", headers={"accept-language": "ur"}).content.decode()
    assert '<a class="skip-link" href="#main">مرکزی مواد پر جائیں</a>' in page
    assert "css/i18n.css" in page
    static = Path(settings.BASE_DIR) / "static/css"
    # Codes and addresses keep reading left to right inside right-to-left text.
    assert '[dir="rtl"] .code, [dir="rtl"] .url' in (static / "i18n.css").read_text()
    # site.css mirrors by itself: no rule is pinned to a physical left or right side.
    site = (static / "site.css").read_text()
    physical = re.findall(
        r"(?:margin|padding|border|inset)-(?:left|right)|text-align:\s*(?:left|right)"
        r"|float:\s*(?:left|right)|(?<![-\w])(?:left|right)\s*:",
        site,
    )
    assert physical == []
    assert "margin-inline-start" in site or "padding-inline-start" in site


def test_every_page_has_a_switcher_that_works_without_javascript(
    client: Client, sparkbrook: Ward
) -> None:
    page = client.get("/wards/sparkbrook/").content.decode()
    form = re.search(r'<form class="language-switcher" method="post" action="([^"]+)">', page)
    assert form is not None and form.group(1) == "/i18n/setlang/"
    assert 'name="csrfmiddlewaretoken"' in page
    assert '<input type="hidden" name="next" value="/wards/sparkbrook/">' in page
    assert '<button type="submit" class="language-button">Change language</button>' in page
    # Each language named in its own script, marked with its own lang.
    for code, name in [("ur", "اردو"), ("pa", "ਪੰਜਾਬੀ"), ("bn", "বাংলা"), ("pl", "Polski")]:
        assert f'<option value="{code}" lang="{code}">{name}</option>' in page
    assert '<option value="en-gb" lang="en-gb" selected>English</option>' in page
    assert "<script" not in page.split('class="language-switcher"')[1].split("</form>")[0]


def test_the_chosen_language_sticks_and_beats_accept_language(
    client: Client, sparkbrook: Ward
) -> None:
    answer = client.post("/i18n/setlang/", {"language": "pl", "next": "/wards/sparkbrook/"})
    assert answer.status_code == 302
    assert answer["Location"] == "/wards/sparkbrook/"
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "pl"
    for path in ["/wards/sparkbrook/", "/accounts/login/", "/"]:
        page = client.get(path, headers={"accept-language": "ur"}).content.decode()
        assert _html_tag(page) == '<html lang="pl" dir="ltr">', path
    login_page = client.get("/accounts/login/").content.decode()
    assert "<h1>Zaloguj się</h1>" in login_page
    assert '<option value="pl" lang="pl" selected>Polski</option>' in login_page


def test_an_unknown_language_or_a_get_changes_nothing(client: Client, sparkbrook: Ward) -> None:
    client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies
    client.get("/i18n/setlang/", {"language": "pl", "next": "/"})
    assert settings.LANGUAGE_COOKIE_NAME not in client.cookies
    # An outside address as `next` is not followed.
    answer = client.post("/i18n/setlang/", {"language": "ur", "next": "https://evil.example/"})
    assert answer["Location"] == "/"


def test_switching_needs_the_csrf_token(sparkbrook: Ward) -> None:
    strict = Client(enforce_csrf_checks=True)
    assert strict.post("/i18n/setlang/", {"language": "pl", "next": "/"}).status_code == 403


def test_the_sign_up_email_goes_out_in_the_residents_language(
    client: Client, sparkbrook: Ward
) -> None:
    WardPostcode.objects.create(ward=sparkbrook, postcode="B11 1AA")
    answer = client.post(
        "/accounts/signup/",
        {
            "username": "kasia",
            "email": "kasia@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "postcode": "B11 1AA",
        },
        headers={"accept-language": "pl"},
    )
    assert answer.status_code == 302
    message = mail.outbox[-1]
    assert message.subject == "Potwierdź swoje konto w Community Chest"
    assert "Dzień dobry kasia," in message.body
    assert "jako mieszkaniec okręgu Sparkbrook" in message.body
    assert "Confirm" not in message.body


def test_a_polish_form_error_is_polish(client: Client, sparkbrook: Ward) -> None:
    page = client.post(
        "/accounts/signup/", {"username": ""}, headers={"accept-language": "pl"}
    ).content.decode()
    assert "Wystąpił problem" in page
    assert "Kod pocztowy" in page


@pytest.mark.parametrize("code", ["en-gb", *CATALOGUES])
def test_money_keeps_pounds_and_western_digits_in_every_language(code: str) -> None:
    """UK council practice: the pound sign and the digits of the council's notices and the
    ledger, with the language's own separators on a page (tests/wards/test_numbers.py), and
    the ledger's own form for anything stored."""
    with translation.override(code):
        shown = strip_tags(pounds(123_456_750))
        assert "£" in shown and "".join(c for c in shown if c.isdigit()) == "123456750"
        assert all(c in "0123456789" for c in shown if c.isdigit())
        assert format_pence(100_000_000) == "£1,000,000"


def test_dates_follow_the_language() -> None:
    """Pages write dates as "j E Y": E is the month as a date needs it (Polish "17 grudnia"),
    the same as F ("December") in English."""
    import datetime

    from django.template.defaultfilters import date

    when = datetime.datetime(2026, 12, 17, 18, 0)
    assert date(when, "j E Y") == "17 December 2026"
    with translation.override("pl"):
        assert date(when, "j E Y") == "17 grudnia 2026"
    with translation.override("ur"):
        assert "دسمبر" in date(when, "j E Y")


# The catalogues ----------------------------------------------------------------------------


def test_every_catalogue_is_complete_and_compiled() -> None:
    """What CI checks: every marked message is in every .po, translated, and each .mo is what
    the .po compiles to (manage.py compile_catalogues --check)."""
    call_command("compile_catalogues", "--check", stdout=io.StringIO())


def test_the_check_fails_on_a_new_untranslated_message(tmp_path: Path, settings: object) -> None:
    from django.core.management import CommandError

    marked = catalogues.extract()
    po = catalogues.read_po(catalogues.po_path("pl").read_text(encoding="utf-8"))
    assert not catalogues.missing(po, marked)
    marked[catalogues.MessageId("A sentence nobody translated yet")] = ["templates/x.html"]
    assert catalogues.missing(po, marked) == [
        catalogues.MessageId("A sentence nobody translated yet")
    ]
    added = catalogues.update(po, marked)
    assert [k.msgid for k in added] == ["A sentence nobody translated yet"]
    with pytest.raises(CommandError, match="not current"):
        call_command("compile_catalogues", "--check", "--language", "cy", stdout=io.StringIO())


def test_extraction_finds_python_and_template_messages() -> None:
    found = catalogues.extract()
    keys = {k.msgid: k for k in found}
    assert "templates/base.html" in found[keys["Skip to main content"]]
    assert "config/accounts.py" in found[keys["Postcode"]]
    assert keys["%(total)s proposal"].plural == "%(total)s proposals"
    assert "Signed in as <strong>%(name)s</strong>" in keys
    template = (
        "{% load i18n %}{% blocktranslate trimmed with w=x %}\n  In {{ w }}\n"
        '{% endblocktranslate %}{% translate "Hi" context "greeting" %}'
    )
    assert set(catalogues.extract_template(template)) == {
        catalogues.MessageId("In %(w)s"),
        catalogues.MessageId("Hi", context="greeting"),
    }


@pytest.mark.parametrize("code", CATALOGUES)
def test_each_catalogue_compiles_and_loads(code: str) -> None:
    mo = catalogues.po_path(code).with_suffix(".mo")
    loaded = gettext.GNUTranslations(io.BytesIO(mo.read_bytes()))
    po = catalogues.read_po(catalogues.po_path(code).read_text(encoding="utf-8"))
    assert loaded.gettext("Sign in") == po.entries[catalogues.MessageId("Sign in")].translations[0]
    assert loaded.gettext("Sign in") != "Sign in"
    forms = catalogues.plural_forms(po.header)
    for key, entry in po.entries.items():
        if key.plural:
            assert len(entry.translations) == forms, (code, key.msgid)


@pytest.mark.parametrize("code", CATALOGUES)
def test_translations_keep_the_placeholders_and_markup(code: str) -> None:
    """A translation may drop a placeholder the language does not need, but never invent one,
    and keeps every HTML tag (links must still go where they went)."""
    po = catalogues.read_po(catalogues.po_path(code).read_text(encoding="utf-8"))
    for key, entry in po.entries.items():
        source = key.msgid + key.plural
        allowed = set(re.findall(r"%\(\w+\)s", source))
        tags = sorted(re.findall(r"<[^>]+>", key.msgid))
        for text in entry.translations:
            assert set(re.findall(r"%\(\w+\)s", text)) <= allowed, (code, key.msgid, text)
            assert sorted(re.findall(r"<[^>]+>", text)) == tags, (code, key.msgid, text)


def test_the_round_page_explains_the_phase_in_the_readers_language(
    client: Client, sparkbrook: Ward
) -> None:
    from budgets.models import Phase
    from tests.budgets.conftest import make_round

    round = make_round(sparkbrook, Phase.PROPOSALS)
    page = client.get(f"/rounds/{round.pk}/", headers={"accept-language": "ur"}).content.decode()
    assert "رہائشی منصوبے تجویز کر رہے ہیں۔" in page  # the phase explained
    assert "تجاویز کھلی ہیں" in page  # its label
    assert "ابھی کیا ہو رہا ہے" in page  # "What is happening now"
    english = client.get(f"/rounds/{round.pk}/").content.decode()
    assert "Residents are proposing projects." in english


def test_the_subscription_email_is_in_the_language_of_the_page_it_was_asked_from(
    client: Client, sparkbrook: Ward
) -> None:
    answer = client.post(
        "/wards/sparkbrook/subscribe/",
        {"email": "amina@example.org"},
        headers={"accept-language": "ur"},
    )
    assert answer.status_code == 302
    message = mail.outbox[-1]
    assert message.subject == "Sparkbrook کے بارے میں ای میلز کی تصدیق کریں"
    assert message.body.startswith("السلام علیکم،")
    assert "Community Chest: when" not in message.body


def test_the_home_page_is_in_punjabi(client: Client, sparkbrook: Ward) -> None:
    page = client.get("/", headers={"accept-language": "pa"}).content.decode()
    assert '<html lang="pa" dir="ltr">' in page
    assert "<h1>ਤੁਹਾਡਾ ਵਾਰਡ, ਤੁਹਾਡੀ ਚੋਣ</h1>" in page
    assert ">ਮੇਰਾ ਵਾਰਡ ਲੱਭੋ</button>" in page
    assert '<h2 id="all-wards">ਹਰ ਵਾਰਡ</h2>' in page


@pytest.mark.parametrize("code", ["../../outside", "pl/../../x", "", "en gb", "x" * 40])
def test_a_language_code_that_is_not_one_is_refused(code: str, tmp_path: Path, settings) -> None:
    # "--language ../../outside" used to create and write a catalogue outside locale/.
    from django.core.management import CommandError

    settings.LOCALE_PATHS = [tmp_path / "site" / "locale"]  # ../.. stays inside tmp_path
    with pytest.raises(CommandError, match="language code"):
        call_command("compile_catalogues", "--language", code, stdout=io.StringIO())
    assert not any(tmp_path.rglob("*.po"))
