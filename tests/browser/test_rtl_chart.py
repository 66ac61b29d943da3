"""On an Urdu or Arabic phone the results chart keeps every label and number on the chart."""

from __future__ import annotations

from typing import Any

import pytest

from ballots import services
from tests.ballots.conftest import make_voting_round, project_ids
from tests.conftest import DECLARED
from wards.models import Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["ur", "ar"])
def test_the_results_chart_text_stays_inside_the_chart_right_to_left(
    sparkbrook: Ward, browser: Any, http_live_server: Any, csp: Any, language: str
) -> None:
    round = make_voting_round(sparkbrook, scale=1000)
    ids = project_ids(round)
    for code, pid in zip(services.issue_codes(round, 3), ids[:3], strict=True):
        services.cast_ballot(round, [pid], code=code, declaration=DECLARED)
    services.close_round(round)
    services.publish_round(round)
    context = browser.new_context(
        base_url=http_live_server.url,
        viewport={"width": 320, "height": 640},
        extra_http_headers={"Accept-Language": language},
    )
    try:
        page = csp.attach(context.new_page())
        page.goto(f"/rounds/{round.pk}/results/")
        assert page.locator("html").get_attribute("dir") == "rtl"
        boxes = page.evaluate(
            """() => {
                const svg = document.querySelector('svg.chart');
                const width = svg.viewBox.baseVal.width;
                return [...svg.querySelectorAll('text')].map(t => {
                    const b = t.getBBox();
                    return [t.textContent, b.x, b.x + b.width, width];
                });
            }"""
        )
        assert len(boxes) == 10  # a title and a number for each of the five projects
        for text, left, right, width in boxes:
            assert left >= 0 and right <= width + 1, (text, left, right)
    finally:
        context.close()
