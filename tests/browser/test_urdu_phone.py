"""A resident votes in Urdu on a 320 px phone: the ballot is right to left and in Urdu, nothing
scrolls sideways, the vote is cast and the receipt shown, and axe finds nothing on the ballot."""

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


@pytest.fixture
def urdu_phone(browser: Any, http_live_server: Any, csp: Any) -> Iterator[Any]:
    """A 320×640 page whose browser asks for Urdu."""
    context = browser.new_context(
        base_url=http_live_server.url,
        viewport=PHONE,
        locale="ur",
        extra_http_headers={"Accept-Language": "ur"},
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield csp.attach(page)
    context.close()


def test_resident_votes_in_urdu_on_a_320px_phone(
    sparkbrook: Ward, urdu_phone: Any, csp: Any
) -> None:
    round = make_voting_round(sparkbrook)
    ids = project_ids(round)
    (code,) = services.issue_codes(round, 1)
    page = urdu_phone
    page.goto(f"/rounds/{round.pk}/vote/")

    html = page.locator("html")
    expect(html).to_have_attribute("lang", "ur")
    expect(html).to_have_attribute("dir", "rtl")
    expect(page.locator("h1")).to_have_text(f"ووٹ: {round.title}")
    expect(page.locator("legend").first).to_have_text("بیلٹ پر منصوبے")
    expect(page.get_by_role("button", name="اپنا ووٹ دیکھیں")).to_be_visible()
    expect(page.get_by_role("button", name="میرا کل دیکھیں")).to_be_visible()
    expect(page.locator("#running-total")).to_contain_text("میں سے £0 چنے گئے")
    assert _scroll_width(page) <= PHONE["width"]
    assert _axe_problems(page) == []
    # Mirrored: the tick box sits at the right-hand start of its row, the words to its left.
    box = page.locator(f"#project-{ids[0]}").bounding_box()
    words = page.locator(f"label[for=project-{ids[0]}]").bounding_box()
    assert box is not None and words is not None
    assert box["x"] > words["x"] and box["x"] + box["width"] <= PHONE["width"]

    page.locator(f"label[for=project-{ids[0]}]").click()
    page.locator(f"label[for=project-{ids[1]}]").click()
    expect(page.locator("#running-total")).to_contain_text("£100,000 میں سے £62,500 چنے گئے")
    page.locator("#code").fill(code)
    page.locator("label[for=basis-live]").click()
    page.locator("label[for=age_confirmed]").click()
    page.get_by_role("button", name="اپنا ووٹ دیکھیں").click()

    expect(page.locator("h1")).to_have_text("اپنا ووٹ چیک کریں")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert _scroll_width(page) <= PHONE["width"]
    page.get_by_role("button", name="میرا ووٹ ڈالیں").click()

    expect(page.locator("h1")).to_have_text("آپ کا ووٹ ڈال دیا گیا ہے")
    assert _scroll_width(page) <= PHONE["width"]
    receipt = page.locator("#receipt").inner_text().strip()
    assert Ballot.objects.get().receipt == receipt
    assert _axe_problems(page) == []
    assert csp.problems == []
