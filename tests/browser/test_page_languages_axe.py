"""axe-core on the home, find-your-ward, help, accessibility, privacy, subscription, results and
not-found pages as Urdu, Arabic and Polish readers get them."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from ballots import services
from tests.ballots.conftest import make_voting_round, project_ids
from tests.browser.test_accessibility import EVERY_IMPACT, _problems
from tests.conftest import DECLARED
from wards.models import Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["ur", "ar", "pl"])
def test_translated_pages_have_no_accessibility_problems(
    sparkbrook: Ward, aston: Ward, browser: Any, http_live_server: Any, language: str
) -> None:
    pytest.importorskip("axe_playwright_python")
    end = timezone.now() + datetime.timedelta(days=7)
    voting = make_voting_round(sparkbrook, scale=1000, voting_end=end)
    (code,) = services.issue_codes(voting, 1)
    services.cast_ballot(voting, [project_ids(voting)[0]], code=code, declaration=DECLARED)
    closed = make_voting_round(aston, scale=1000)
    for code, pid in zip(services.issue_codes(closed, 3), project_ids(closed)[:3], strict=True):
        services.cast_ballot(closed, [pid], code=code, declaration=DECLARED)
    services.close_round(closed)
    services.publish_round(closed)
    context = browser.new_context(base_url=http_live_server.url, locale=language)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        found: dict[str, list[str]] = {}
        for path in [
            "/",
            "/find-your-ward/?postcode=not+a+postcode",
            "/help/",
            "/accessibility/",
            "/privacy/",
            "/wards/sparkbrook/subscribe/",
            "/wards/sparkbrook/subscribe/sent/",
            f"/rounds/{voting.pk}/results/",
            f"/rounds/{closed.pk}/results/",
            "/no-such-page/",
        ]:
            page.goto(path)
            assert page.locator("html").get_attribute("lang") == language, path
            problems = _problems(page, EVERY_IMPACT)
            if problems:
                found[path] = problems
        assert found == {}
    finally:
        context.close()
