"""A resident on a 320 px phone: nothing scrolls sideways, targets are big enough, text is
readable, and a points ballot keeps what was typed after an error. (Voting with the keyboard only,
with and without JavaScript, in English and Urdu: test_keyboard_voting.py.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from ballots import services
from budgets.models import BallotType, Proposal, Round
from tests.ballots.conftest import make_voting_round, project_ids
from tests.conftest import DECLARED
from wards.models import Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 320, "height": 640}


@pytest.fixture
def phone(browser: Any, http_live_server: Any, csp: Any) -> Iterator[Any]:
    """A page in a 320×640 context; `phone(javascript=False)` turns JavaScript off."""
    contexts: list[Any] = []

    def make(*, javascript: bool = True) -> Any:
        context = browser.new_context(
            base_url=http_live_server.url, viewport=PHONE, java_script_enabled=javascript
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return csp.attach(page)

    yield make
    for context in contexts:
        context.close()


def _resident_pages(sparkbrook: Ward, aston: Ward) -> dict[str, str]:
    """Every kind of page a resident reads, with data in it, by name."""
    round: Round = make_voting_round(sparkbrook, scale=1000)
    ids = project_ids(round)
    issued = services.issue_codes(round, 2)
    receipt = services.cast_ballot(round, [ids[0]], code=issued[0], declaration=DECLARED).receipt
    closed = make_voting_round(aston, scale=1000)
    closed_ids = project_ids(closed)
    for code, pid in zip(services.issue_codes(closed, 3), closed_ids[:3], strict=True):
        services.cast_ballot(closed, [pid], code=code, declaration=DECLARED)
    services.close_round(closed)
    services.publish_round(closed)
    proposal = Proposal.objects.filter(round=round).order_by("pk").first()
    assert proposal is not None
    return {
        "home": "/",
        "ward": "/wards/sparkbrook/",
        "round": f"/rounds/{round.pk}/",
        "proposals": f"/rounds/{round.pk}/proposals/",
        "proposal": f"/proposals/{proposal.pk}/",
        "vote": f"/rounds/{round.pk}/vote/",
        "receipt": f"/receipts/{receipt}",
        "receipt lookup": "/receipts/",
        "results": f"/rounds/{closed.pk}/results/",
        "delivery": f"/rounds/{closed.pk}/delivery/",
        "audit": f"/audit/rounds/{closed.pk}/",
        "dashboard": "/dashboard/",
        "sign-up": "/accounts/signup/",
        "sign-in": "/accounts/login/",
        "help": "/help/",
        "accessibility": "/accessibility/",
        "privacy": "/privacy/",
        "find your ward": "/find-your-ward/?postcode=ZZ1+1ZZ",
    }


def _small_targets(page: Any) -> list[str]:
    """Form controls and summaries smaller than 24×24 CSS px (WCAG 2.2, 2.5.8); links in
    running text are exempt, as the criterion allows."""
    return list(
        page.evaluate(
            """() => [...document.querySelectorAll(
                    'input:not([type=hidden]), button, select, textarea, summary')]
                .map(el => ({el, box: el.getBoundingClientRect()}))
                .filter(({box}) => box.width > 0 && (box.width < 24 || box.height < 24))
                .map(({el, box}) => `${el.id || el.name || el.textContent.trim()}: `
                                    + `${Math.round(box.width)}x${Math.round(box.height)}`)"""
        )
    )


def _scroll_width(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth"))


def test_no_resident_page_scrolls_sideways_at_320px(
    sparkbrook: Ward, aston: Ward, phone: Any, csp: Any
) -> None:
    pages = _resident_pages(sparkbrook, aston)
    page = phone()
    wide, small = {}, {}
    for name, path in pages.items():
        page.goto(path)
        if (width := _scroll_width(page)) > PHONE["width"]:
            wide[name] = width
        if targets := _small_targets(page):
            small[name] = targets
    assert small == {}
    # The review step and the ballot after an error, reached by submitting the ballot.
    page.goto(pages["vote"])
    page.get_by_role("button", name="Review my vote").click()
    page.locator(".error-summary").wait_for()
    if (width := _scroll_width(page)) > PHONE["width"]:
        wide["vote with errors"] = width
    assert wide == {}
    assert csp.problems == []


def test_results_chart_text_is_readable_on_a_small_phone(
    sparkbrook: Ward, aston: Ward, phone: Any
) -> None:
    pages = _resident_pages(sparkbrook, aston)
    page = phone()
    page.goto(pages["results"])
    sizes = page.evaluate(
        """() => [...document.querySelectorAll('svg.chart text')].map(t => {
            const scale = t.getScreenCTM().a;
            return parseFloat(getComputedStyle(t).fontSize) * scale;
        })"""
    )
    assert sizes and min(sizes) >= 12, sizes
    # Plain words first; the exact count one click away.
    assert "Funded:" in page.content() and "Not funded:" in page.content()
    precise = page.locator("details#precise")
    expect(precise.locator("table").first).to_be_hidden()
    precise.locator("summary").click()
    expect(precise.locator("table").first).to_be_visible()


@pytest.mark.parametrize(
    "ballot_type", [BallotType.KNAPSACK, BallotType.CUMULATIVE, BallotType.RANKED]
)
def test_ballot_targets_are_at_least_24px_and_every_input_has_a_visible_label(
    sparkbrook: Ward, phone: Any, ballot_type: str
) -> None:
    round = make_voting_round(sparkbrook, ballot_type)
    page = phone()
    page.goto(f"/rounds/{round.pk}/vote/")
    small = page.evaluate(
        """() => [...document.querySelectorAll(
                'main input:not([type=hidden]), main button, main select, main textarea')]
            .map(el => ({id: el.id || el.textContent.trim(), box: el.getBoundingClientRect()}))
            .filter(({box}) => box.width < 24 || box.height < 24)
            .map(({id, box}) => `${id}: ${box.width}x${box.height}`)"""
    )
    assert small == []
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll('main input:not([type=hidden])')]
            .filter(el => { const l = document.querySelector(`label[for="${el.id}"]`);
                            if (!l) return true;
                            const box = l.getBoundingClientRect();
                            return box.width === 0 || box.height === 0; })
            .map(el => el.id)"""
    )
    assert unlabelled == []
    if ballot_type == BallotType.KNAPSACK:
        # The label sits beside its box, and the whole row (its far right end too) ticks it.
        box = page.locator("#project-" + str(project_ids(round)[0]))
        label = page.locator(f"label[for=project-{project_ids(round)[0]}]")
        b, lb = box.bounding_box(), label.bounding_box()
        assert b is not None and lb is not None
        assert b["width"] >= 24 and b["height"] >= 24
        assert abs(lb["y"] - b["y"]) < 20 and lb["x"] > b["x"] + b["width"] - 1
        label.click(position={"x": lb["width"] - 5, "y": lb["height"] / 2})
        expect(box).to_be_checked()


def _axe_problems(page: Any) -> list[str]:
    """axe-core's serious and critical findings (none when axe is not installed)."""
    try:
        from tests.browser.test_accessibility import _problems
    except ImportError:  # pragma: no cover
        return []
    import importlib.util

    if importlib.util.find_spec("axe_playwright_python") is None:
        return []
    return _problems(page)


def test_points_ballot_keeps_what_was_typed_after_an_error(sparkbrook: Ward, phone: Any) -> None:
    round = make_voting_round(sparkbrook, BallotType.CUMULATIVE)
    ids = project_ids(round)
    page = phone(javascript=False)
    page.goto(f"/rounds/{round.pk}/vote/")
    page.get_by_label(re.compile("Points for A Bench")).fill("4")
    page.get_by_label(re.compile("Points for B Bike")).fill("9")
    page.get_by_role("button", name="Review my vote").click()
    page.locator(".error-summary").wait_for()
    assert "13 of 10 points used" in page.locator("#running-total").inner_text()
    expect(page.locator(f"#points-{ids[0]}")).to_have_value("4")
    expect(page.locator(f"#points-{ids[1]}")).to_have_value("9")
    # An error about the points links to the first points box.
    links = page.locator(".error-summary a")
    assert f"#points-{ids[0]}" in [links.nth(i).get_attribute("href") for i in range(links.count())]


def test_receipt_prints_without_the_sites_frame(sparkbrook: Ward, phone: Any) -> None:
    round = make_voting_round(sparkbrook)
    (code,) = services.issue_codes(round, 1)
    receipt = services.cast_ballot(
        round, [project_ids(round)[0]], code=code, declaration=DECLARED
    ).receipt
    page = phone()
    page.goto(f"/receipts/{receipt}")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".site-footer")).to_be_hidden()
    expect(page.locator(".receipt-code")).to_be_visible()
    expect(page.locator(".print-only")).to_contain_text(f"/receipts/{receipt}")
    assert len(page.pdf(format="A4")) > 1000


def test_new_pages_have_no_serious_accessibility_problems(
    sparkbrook: Ward, aston: Ward, phone: Any
) -> None:
    pytest.importorskip("axe_playwright_python")
    from tests.browser.test_accessibility import _problems

    pages = _resident_pages(sparkbrook, aston)
    page = phone()
    found = {}
    for name, path in pages.items():
        page.goto(path)
        if problems := _problems(page):
            found[name] = problems
    page.goto(pages["vote"])
    page.get_by_role("button", name="Review my vote").click()
    page.locator(".error-summary").wait_for()
    if problems := _problems(page):
        found["vote with errors"] = problems
    assert found == {}
