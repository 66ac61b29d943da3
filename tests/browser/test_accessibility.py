"""axe-core finds no serious or critical accessibility problems on the pages residents use."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from ballots import services
from budgets.models import Round
from tests.ballots.conftest import make_voting_round, project_ids
from tests.conftest import DECLARED
from wards.models import Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SERIOUS = frozenset({"serious", "critical"})
EVERY_IMPACT = frozenset({"minor", "moderate", "serious", "critical"})


def _problems(page: Any, impacts: frozenset[str] = SERIOUS) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.response["passes"], "axe ran no checks at all"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} element(s)"
        for v in results.response["violations"]
        if v["impact"] in impacts
    ]


def test_public_pages_have_no_serious_accessibility_problems(
    sparkbrook: Ward, aston: Ward, new_page: Any
) -> None:
    pytest.importorskip("axe_playwright_python")
    round: Round = make_voting_round(sparkbrook, scale=1000)
    ids = project_ids(round)
    issued = services.issue_codes(round, 2)
    receipt = services.cast_ballot(round, [ids[0]], code=issued[0], declaration=DECLARED).receipt
    services.cast_ballot(round, [ids[1]], code=issued[1], declaration=DECLARED)
    closed = make_voting_round(aston, scale=1000)
    closed_ids = project_ids(closed)
    for code, pid in zip(services.issue_codes(closed, 2), closed_ids[:2], strict=True):
        services.cast_ballot(closed, [pid], code=code, declaration=DECLARED)
    services.close_round(closed)
    services.publish_round(closed)

    page = new_page()
    found: dict[str, list[str]] = {}
    for path in [
        "/",
        "/wards/sparkbrook/",
        f"/rounds/{round.pk}/",
        f"/rounds/{round.pk}/proposals/",
        f"/rounds/{round.pk}/vote/",
        f"/receipts/{receipt}",
        "/receipts/",
        f"/rounds/{closed.pk}/results/",
        f"/audit/rounds/{closed.pk}/",
        "/accounts/login/",
    ]:
        page.goto(path)
        problems = _problems(page)
        if problems:
            found[path] = problems
    assert found == {}


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


@pytest.mark.parametrize("language", ["en-GB", "ur", "pa", "bn", "pl", "ar"])
def test_ward_round_and_proposal_pages_have_no_accessibility_problems_in_each_language(
    sparkbrook: Ward, browser: Any, http_live_server: Any, language: str
) -> None:
    """axe-core on the pages a resident reaches first, as the browser's language asks, and once
    more after picking the language with the switcher (no JavaScript needed)."""
    pytest.importorskip("axe_playwright_python")
    from budgets.models import Proposal

    round: Round = make_voting_round(sparkbrook, scale=1000)
    proposal = Proposal.objects.filter(round=round).first()
    assert proposal is not None
    context = browser.new_context(base_url=http_live_server.url, locale=language)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        found: dict[str, list[str]] = {}
        for path in ["/wards/sparkbrook/", f"/rounds/{round.pk}/", f"/proposals/{proposal.pk}/"]:
            page.goto(path)
            expected = language.lower()
            assert page.locator("html").get_attribute("lang") == expected, path
            rtl = language in {"ur", "ar"}
            assert page.locator("html").get_attribute("dir") == ("rtl" if rtl else "ltr")
            problems = _problems(page, EVERY_IMPACT)
            if problems:
                found[path] = problems
        assert found == {}
        # The switcher, by keyboard-free form submission: English sticks over the browser's ask.
        page.select_option("#language-choice", "en-gb")
        page.click("button.language-button")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en-gb"
        page.goto("/wards/sparkbrook/")
        assert page.locator("html").get_attribute("lang") == "en-gb"
    finally:
        context.close()
