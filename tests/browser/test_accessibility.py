"""axe-core finds no serious or critical accessibility problems on the pages a ward's team uses,
and the language switcher overrides the browser's language. (Every resident page, every impact, six
languages: test_every_resident_page.py.)"""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from ballots import services
from budgets.models import Round
from tests.ballots.conftest import make_voting_round, project_ids
from wards.models import Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SERIOUS = frozenset({"serious", "critical"})


def _problems(page: Any, impacts: frozenset[str] = SERIOUS) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.response["passes"], "axe ran no checks at all"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} element(s)"
        for v in results.response["violations"]
        if v["impact"] in impacts
    ]


def test_councillor_pages_have_no_serious_accessibility_problems(
    sparkbrook: Ward, new_page: Any
) -> None:
    """The pages a ward's team runs the round from: team, postcodes, codes, paper, closing."""
    pytest.importorskip("axe_playwright_python")
    from django.utils import timezone

    from tests.conftest import make_user
    from wards.models import Membership, Role

    sam = make_user("sam", first_name="Sam", last_name="Singh")
    Membership.objects.create(user=sam, ward=sparkbrook, role=Role.COUNCILLOR)
    clerk = make_user("hana", first_name="Hana", last_name="Hussain")
    Membership.objects.create(user=clerk, ward=sparkbrook, role=Role.CLERK)
    round: Round = make_voting_round(
        sparkbrook, voting_end=timezone.now() + datetime.timedelta(days=7)
    )
    code = services.issue_codes(round, 1)[0]
    batch = services.enter_paper_batch(
        round,
        polling_place="Sparkbrook Library",
        by=clerk,
        account=services.PaperAccount(1, 0, 0, 1),
        ballots=[{"code": code, "projects": [project_ids(round)[0]]}],
    )

    page = new_page(sam)
    found: dict[str, list[str]] = {}
    for path in [
        "/wards/sparkbrook/team/",
        "/wards/sparkbrook/team/hana/remove/",
        "/wards/sparkbrook/postcodes/",
        f"/rounds/{round.pk}/voting-desk/",
        f"/rounds/{round.pk}/codes/",
        f"/rounds/{round.pk}/paper-ballot/",
        f"/rounds/{round.pk}/paper/",
        f"/rounds/{round.pk}/paper/{batch.pk}/",
        f"/rounds/{round.pk}/close/",
        "/dashboard/",
        "/accounts/signup/",
    ]:
        page.goto(path)
        problems = _problems(page)
        if problems:
            found[path] = problems
    # A form's error state: the postcode upload with a bad line.
    page.goto("/wards/sparkbrook/postcodes/")
    page.get_by_label("Postcode list (CSV)").set_input_files(
        files={"name": "bad.csv", "mimeType": "text/csv", "buffer": b"postcode\nnot one\n"}
    )
    page.get_by_role("button", name="Upload").click()
    page.get_by_role("alert").wait_for()
    if problems := _problems(page):
        found["/wards/sparkbrook/postcodes/ (upload refused)"] = problems
    assert found == {}


@pytest.mark.parametrize("language", ["ur", "pl"])
def test_the_language_switcher_overrides_the_browsers_language(
    sparkbrook: Ward, browser: Any, http_live_server: Any, language: str
) -> None:
    """The page follows the browser's language until the switcher (a plain form, no JavaScript
    needed) picks another, which then sticks. (axe-core on every resident page in the six
    languages: test_every_resident_page.py.)"""
    context = browser.new_context(base_url=http_live_server.url, locale=language)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto("/wards/sparkbrook/")
        assert page.locator("html").get_attribute("lang") == language
        page.select_option("#language-choice", "en-gb")
        page.click("button.language-button")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en-gb"
        page.goto("/wards/sparkbrook/")
        assert page.locator("html").get_attribute("lang") == "en-gb"
    finally:
        context.close()
