"""A resident votes on a 320 px phone with the keyboard only (Tab, Shift+Tab, Space, Enter: no
mouse), in English and in Urdu, with JavaScript and without it: the running total is right (live
with JavaScript, from the "Check my total" button without), an error keeps what was chosen, then
review, cast and the receipt. Every stop of the Tab order shows its focus, the order follows the
page, and nothing scrolls sideways.

The assertions read structure and numbers, not words, so they hold in both languages
(tests/browser/test_urdu_phone.py checks the Urdu words and the mirrored layout).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from ballots import services
from ballots.models import Ballot
from tests.ballots.conftest import make_voting_round, project_ids
from tests.browser.test_small_phones import PHONE, _axe_problems, _scroll_width
from wards.models import Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What the focused element is, and whether it shows it: an outline or a shadow that is drawn.
FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    return {
        key: el.id || (el.name && el.value ? `${el.name}=${el.value}` : '')
             || el.className || el.tagName.toLowerCase(),
        visible: outline || style.boxShadow !== 'none',
    };
}"""


@pytest.fixture
def keyboard_phone(browser: Any, http_live_server: Any, csp: Any) -> Iterator[Any]:
    """`keyboard_phone(language, javascript)`: a 320×640 page whose browser asks for `language`."""
    contexts: list[Any] = []

    def make(language: str, javascript: bool) -> Any:
        context = browser.new_context(
            base_url=http_live_server.url,
            viewport=PHONE,
            java_script_enabled=javascript,
            locale=language,
            extra_http_headers={"Accept-Language": language},
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return csp.attach(page)

    yield make
    for context in contexts:
        context.close()


def _focused(page: Any) -> dict[str, Any] | None:
    focused: dict[str, Any] | None = page.evaluate(FOCUSED)
    return focused


def _tab_to(page: Any, selector: str, *, key: str = "Tab", limit: int = 200) -> None:
    """Press Tab (or `key`) until `selector` has the focus, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press(key)
    raise AssertionError(f"the keyboard never reached {selector}")


def _tab_order(page: Any, last: str) -> list[str]:
    """Tab from the top of the page to `last`: the stops in order. Fails at a stop that does not
    show its focus."""
    stops: list[str] = []
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = _focused(page)
        assert focused is not None, f"Tab left the page after {stops}"
        assert focused["visible"], f"no visible focus on {focused['key']} (after {stops})"
        stops.append(focused["key"])
        if page.evaluate("(s) => document.activeElement.matches(s)", last):
            return stops
    raise AssertionError(f"the keyboard never reached {last}: {stops}")


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
@pytest.mark.parametrize("language", ["en-gb", "ur"])
def test_resident_votes_on_a_320px_phone_with_the_keyboard_only(
    sparkbrook: Ward, keyboard_phone: Any, csp: Any, language: str, javascript: bool
) -> None:
    round = make_voting_round(sparkbrook)
    ids = project_ids(round)
    (code,) = services.issue_codes(round, 1)
    page = keyboard_phone(language, javascript)
    page.goto(f"/rounds/{round.pk}/vote/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert page.evaluate("typeof window.htmx") == ("object" if javascript else "undefined")
    total = page.locator("#running-total")

    # The Tab order: the skip link first, the projects in the order shown, the total's button,
    # the code, the declaration, then "Review my vote"; every stop shows its focus.
    stops = _tab_order(page, "button[value=review]")
    assert stops[0] == "skip-link"
    expected = [*(f"project-{pid}" for pid in ids), "step=check", "code", "basis-live"]
    expected += ["age_confirmed", "step=review"]
    assert [stop for stop in stops if stop in expected] == expected
    # Shift+Tab goes back the same way.
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#age_confirmed")).to_be_focused()
    page.keyboard.press("Shift+Tab")
    expect(page.locator("#basis-live")).to_be_focused()

    # Back up to the second project and tick it, then the first (Shift+Tab, Space).
    _tab_to(page, f"#project-{ids[1]}", key="Shift+Tab")
    page.keyboard.press("Space")
    _tab_to(page, f"#project-{ids[0]}", key="Shift+Tab")
    page.keyboard.press("Space")
    if javascript:
        expect(total).to_contain_text("£62,500")
    else:
        # Without JavaScript the server adds it up.
        expect(total).not_to_contain_text("£62,500")
        _tab_to(page, "button[value=check]")
        page.keyboard.press("Enter")
        expect(total).to_contain_text("£62,500")
        expect(page.locator(f"#project-{ids[0]}")).to_be_checked()
    expect(total).to_contain_text("£100,000")
    assert _scroll_width(page) <= PHONE["width"]

    # Review without a code: the error summary takes the focus (with JavaScript), links to the
    # code box, and nothing chosen is lost.
    _tab_to(page, "button[value=review]")
    page.keyboard.press("Enter")
    summary = page.locator(".error-summary")
    summary.wait_for()
    if javascript:
        expect(summary).to_be_focused()
    expect(summary.locator('a[href="#code"]')).to_have_count(1)
    expect(page.locator(f"#project-{ids[0]}")).to_be_checked()
    expect(page.locator(f"#project-{ids[1]}")).to_be_checked()
    expect(page.locator(f"#project-{ids[2]}")).not_to_be_checked()
    assert _scroll_width(page) <= PHONE["width"]

    _tab_to(page, "#code")
    page.keyboard.type(code)
    _tab_to(page, "#basis-live")
    page.keyboard.press("Space")
    _tab_to(page, "#age_confirmed")
    page.keyboard.press("Space")
    _tab_to(page, "button[value=review]")
    page.keyboard.press("Enter")

    # The review step, then the receipt.
    confirm = page.locator("button[value=confirm]")
    confirm.wait_for()
    expect(page.locator("html")).to_have_attribute("lang", language)
    assert _scroll_width(page) <= PHONE["width"]
    assert not javascript or _axe_problems(page) == []
    _tab_to(page, "button[value=confirm]")
    assert (_focused(page) or {}).get("visible"), "no visible focus on the cast button"
    page.keyboard.press("Enter")
    receipt = page.locator("#receipt")
    receipt.wait_for()
    assert _scroll_width(page) <= PHONE["width"]
    ballot = Ballot.objects.get()
    assert ballot.receipt == receipt.inner_text().strip()
    assert not javascript or _axe_problems(page) == []
    assert csp.problems == []
