"""axe-core finds no violation at all, of any impact, on any page a resident reads, in each of
the six languages, and every page says its language and direction.

The test checks structure (lang and dir, contrast, names, labels, landmarks), so it holds whatever
the words are. One test per language, so a parallel run (pytest-xdist, as `make test` runs) shares
the six among its workers; each builds the data set (tests/resident_pages.py) and opens one
anonymous page and one signed in as Alice, a resident, reused for every path. Every <details> is
opened before axe runs, so the parts one click away (the auditors' count on the results page) are
checked too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.resident_pages import build_resident_pages

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LANGUAGES = ["en-gb", "ur", "pa", "bn", "pl", "ar"]
RIGHT_TO_LEFT = {"ur", "ar"}


@pytest.fixture(scope="module")
def axe_source() -> str:
    axe = pytest.importorskip("axe_playwright_python")
    return (Path(axe.__file__).parent / "axe.min.js").read_text()


# Opens every <details>, then starts axe-core without waiting for it; _finish waits.
START = """() => {
    document.querySelectorAll('details').forEach(d => { d.open = true; });
    window.__axe = axe.run(document, {resultTypes: ['violations']});
    return [document.documentElement.lang, document.documentElement.dir];
}"""


def _finish(page: Any, language: str, started: list[str]) -> list[str]:
    """The page's problems, one readable line each: its language and direction, then every
    axe-core violation of any impact with where it is."""
    lang, direction = started
    expected = "rtl" if language in RIGHT_TO_LEFT else "ltr"
    problems = []
    if (lang, direction) != (language, expected):
        problems.append(f'<html lang="{lang}" dir="{direction}">, not "{language}" {expected}')
    results = page.evaluate("() => window.__axe")
    assert results["passes"], "axe ran no checks at all"
    for v in results["violations"]:
        where = ", ".join(" ".join(node["target"]) for node in v["nodes"][:4])
        more = f" and {len(v['nodes']) - 4} more" if len(v["nodes"]) > 4 else ""
        problems.append(f"{v['id']} ({v['impact']}): {v['help']}, at {where}{more}")
    return problems


def _open(
    browser: Any, server: Any, axe_source: str, language: str, session: str | None = None
) -> Any:
    """A page whose browser asks for `language` (Accept-Language), with axe-core loaded into
    every document it opens."""
    context = browser.new_context(
        base_url=server.url, locale=language, extra_http_headers={"Accept-Language": language}
    )
    context.add_init_script(script=axe_source)
    if session is not None:
        context.add_cookies([{"name": "sessionid", "value": session, "url": server.url}])
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page


def _check(page: Any, language: str, where: str, report: list[str], go: Any) -> None:
    """`go(page)`, then axe on what it shows."""
    go(page)
    started = page.evaluate(START)
    if problems := _finish(page, language, started):
        report.append(f"- {language}, {where}:\n    " + "\n    ".join(problems))


def _fill_ballot(page: Any, code: str) -> None:
    """From the ballot with errors to the review step."""
    page.locator("input[name=projects]").first.check()
    page.locator("#code").fill(code)
    page.locator("#basis-live").check()
    page.locator("#age_confirmed").check()
    page.locator("button[value=review]").click()
    page.locator("button[value=confirm]").wait_for()


def _submit_empty_ballot(page: Any, vote: str) -> None:
    page.goto(vote)
    page.locator("button[value=review]").click()
    page.locator(".error-summary").wait_for()


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_accessibility_violation_on_any_resident_page_in_any_language(
    browser: Any, http_live_server: Any, axe_source: str, language: str
) -> None:
    from django.test import Client

    data = build_resident_pages()
    client = Client()
    client.force_login(data.alice)
    session = client.cookies["sessionid"].value
    server = http_live_server
    anonymous = _open(browser, server, axe_source, language)
    signed_in = _open(browser, server, axe_source, language, session)
    report: list[str] = []
    try:
        for page, paths in ((anonymous, data.anonymous), (signed_in, data.signed_in)):
            for name, path in paths.items():
                _check(
                    page, language, f"{name} ({path})", report, lambda p, path=path: p.goto(path)
                )
        # The ballot after an error, then the review step.
        _check(
            anonymous,
            language,
            "ballot: with errors",
            report,
            lambda p: _submit_empty_ballot(p, data.vote),
        )
        _check(
            anonymous, language, "ballot: review step", report, lambda p: _fill_ballot(p, data.code)
        )
    finally:
        anonymous.context.close()
        signed_in.context.close()
    assert not report, f"{len(report)} page(s) with problems:\n" + "\n".join(report)
