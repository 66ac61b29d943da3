"""A clerk runs the help desk for two voters, and keys a paper batch on the tick grid, in a real
browser: nothing of the first voter comes back, by reload or by the back button."""

from __future__ import annotations

import re
from typing import Any

import pytest

from ballots import services
from ballots.models import Ballot, PaperEntry
from budgets.models import Round
from tests.ballots.conftest import make_voting_round
from tests.conftest import make_user
from wards.models import Membership, Role, Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def clerk(sparkbrook: Ward) -> Any:
    user = make_user("cleo")
    Membership.objects.create(user=user, ward=sparkbrook, role=Role.CLERK)
    return user


def _vote(page: Any, project: str, code: str) -> str:
    page.get_by_label(re.compile(project)).check()
    page.get_by_label("Your voting code").fill(code)
    page.get_by_label(re.compile("I live in Sparkbrook")).check()
    page.get_by_label("I am 16 or over").check()
    page.get_by_role("button", name="Review my vote").click()
    page.get_by_role("button", name="Cast my vote").click()
    page.wait_for_selector("text=The vote has been cast")
    return str(page.locator("#receipt").inner_text().strip())


def test_two_voters_at_the_help_desk(sparkbrook: Ward, clerk: Any, new_page: Any, csp: Any) -> None:
    round: Round = make_voting_round(sparkbrook)
    first_code, second_code = services.issue_codes(round, 2)
    page = new_page(clerk)
    page.goto(f"/rounds/{round.pk}/")
    page.get_by_role("link", name="Open the help desk").click()
    page.wait_for_selector("h1:has-text('Help desk')")

    first = _vote(page, "A Bench by the Brook", first_code)
    assert Ballot.objects.get(receipt=first).assisted
    page.reload()  # the receipt is shown once
    page.wait_for_selector("h1:has-text('Help desk')")
    assert first not in page.content()
    page.goto(f"/rounds/{round.pk}/help-desk/")
    page.get_by_role("link", name="Start again with an empty ballot").click()
    assert page.locator("input[type=checkbox]:checked").count() == 0
    assert page.get_by_label("Your voting code").input_value() == ""

    second = _vote(page, "B Bike racks", second_code)
    page.get_by_role("link", name="Next voter").click()
    page.wait_for_selector("h1:has-text('Help desk')")
    assert page.locator("input[type=checkbox]:checked").count() == 0
    assert page.get_by_label("Your voting code").input_value() == ""
    page.go_back()  # the receipt page again: the browser asks the server, which shows nothing
    page.wait_for_selector("h1:has-text('Help desk')")
    assert second not in page.content() and first not in page.content()
    assert "Signed in as" in page.content()  # the clerk is still signed in
    assert Ballot.objects.count() == 2
    assert csp.problems == []


def test_a_clerk_ticks_a_paper_batch(sparkbrook: Ward, clerk: Any, new_page: Any, csp: Any) -> None:
    round: Round = make_voting_round(sparkbrook)
    first_code, second_code = services.issue_codes(round, 2)
    page = new_page(clerk)
    page.goto(f"/rounds/{round.pk}/paper/")
    page.get_by_role("link", name="use the tick grid").click()
    page.get_by_label("How many paper ballots").fill("3")
    page.get_by_role("button", name="Lay out the grid").click()
    assert page.locator("input[name^=code-]").count() == 3
    page.get_by_label("Polling place").fill("Sparkbrook Library")
    page.get_by_label("Ballot papers issued").fill("4")
    page.get_by_label("Spoilt").fill("1")
    page.get_by_label("Unused").fill("1")
    page.get_by_label("Cast (in the box)").fill("2")
    page.get_by_label("Ballot 1, voting code").fill(first_code)
    page.get_by_label("Ballot 1, project 1", exact=True).check()
    page.get_by_label("Ballot 1, project 2", exact=True).check()
    page.get_by_label("Ballot 2, voting code").fill(second_code)
    page.get_by_label("Ballot 2, project 5", exact=True).check()
    page.get_by_role("button", name="Save this entry").click()
    page.wait_for_selector("text=A second person must now enter")
    (entry,) = PaperEntry.objects.all()
    assert len(entry.ballots) == 2
    assert csp.problems == []


def test_the_desk_and_grid_have_no_serious_accessibility_problems(
    sparkbrook: Ward, clerk: Any, new_page: Any
) -> None:
    pytest.importorskip("axe_playwright_python")
    from tests.browser.test_accessibility import _problems

    round: Round = make_voting_round(sparkbrook)
    page = new_page(clerk)
    found = {}
    for path in [f"/rounds/{round.pk}/help-desk/", f"/rounds/{round.pk}/paper/grid/?rows=3"]:
        page.goto(path)
        if problems := _problems(page):
            found[path] = problems
    assert found == {}
