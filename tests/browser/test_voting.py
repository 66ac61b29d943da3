"""A resident votes by code; councillors close and publish; all in a real browser."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from ballots import services
from ballots.models import Ballot
from budgets.models import Phase, Round
from tests.ballots.conftest import make_voting_round, project_ids
from tests.conftest import DECLARED
from wards.models import Membership, Role, Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_resident_votes_by_code_and_checks_the_receipt(
    sparkbrook: Ward, new_page: Any, csp: Any
) -> None:
    round = make_voting_round(sparkbrook)
    (code,) = services.issue_codes(round, 1)
    page = new_page()
    page.goto(f"/rounds/{round.pk}/vote/")
    total = page.locator("#running-total")
    assert "£0 of £100,000 chosen" in total.inner_text()
    # htmx must be loaded (static files served, allowed by the CSP) for the total to update.
    assert page.evaluate("typeof window.htmx") == "object"
    page.get_by_label(re.compile("A Bench by the Brook")).check()
    page.get_by_label(re.compile("B Bike racks")).check()
    expect(total).to_contain_text("£62,500 of £100,000 chosen")
    page.get_by_label(re.compile("C Community garden")).check()
    expect(total).to_contain_text("£102,500 of £100,000 chosen")
    expect(total).to_contain_text("more than the £100,000 budget")
    page.get_by_label(re.compile("C Community garden")).uncheck()
    page.get_by_label("Your voting code").fill(code.lower().replace("-", " "))
    page.get_by_label(re.compile("I live in Sparkbrook")).check()
    page.get_by_label("I am 16 or over").check()
    page.get_by_role("button", name="Review my vote").click()
    page.wait_for_selector("text=Check your vote")
    assert "£62,500 of £100,000 chosen" in page.content()
    page.get_by_role("button", name="Cast my vote").click()
    page.wait_for_selector("text=Your vote has been cast")
    receipt = page.locator("#receipt").inner_text().strip()
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}", receipt)
    assert Ballot.objects.get().receipt == receipt
    # Reloading the answer (and going back to resubmit) never casts again.
    page.reload()
    assert page.locator("#receipt").inner_text().strip() == receipt
    page.go_back()
    page.get_by_role("button", name="Cast my vote").click()
    page.wait_for_selector("text=Your vote has been cast")
    assert page.locator("#receipt").inner_text().strip() == receipt
    assert Ballot.objects.count() == 1
    page.get_by_role("link", name="Check your receipt").click()
    page.wait_for_selector("text=Pending")
    assert receipt in page.locator("h1").inner_text()
    assert csp.problems == []


def test_councillors_close_and_publish(sparkbrook: Ward, new_page: Any, csp: Any) -> None:
    from tests.conftest import make_user

    round = make_voting_round(sparkbrook, scale=1000)
    ids = project_ids(round)
    for code, sel in zip(
        services.issue_codes(round, 3), [[ids[0], ids[1]], [ids[0]], [ids[3]]], strict=True
    ):
        services.cast_ballot(round, sel, code=code, declaration=DECLARED)
    sam, sia = make_user("sam"), make_user("sia")
    for user in (sam, sia):
        Membership.objects.create(user=user, ward=sparkbrook, role=Role.COUNCILLOR)

    page = new_page(sam)
    page.goto(f"/rounds/{round.pk}/voting-desk/")
    assert "Turnout so far: 3" in page.content()
    page.get_by_role("link", name="Close voting…").click()
    page.get_by_label(re.compile("I confirm that voting")).check()
    page.get_by_role("button", name="Close voting and count").click()
    page.wait_for_selector("text=Voting is closed")
    assert "Not yet published" in page.content()
    assert Round.objects.get(pk=round.pk).phase == Phase.CLOSED
    page.goto(f"/rounds/{round.pk}/voting-desk/")
    page.get_by_role("button", name="Ask to publish").click()
    page.wait_for_selector("text=A second councillor must approve")

    second = new_page(sia)
    second.goto(f"/rounds/{round.pk}/voting-desk/")
    second.get_by_role("button", name="Approve and publish").click()
    second.wait_for_selector("text=The result is published")
    assert Round.objects.get(pk=round.pk).phase == Phase.PUBLISHED

    public = new_page()
    public.goto(f"/rounds/{round.pk}/results/")
    funded = public.locator("h2:has-text('Funded projects') + ul").inner_text()
    assert "A Bench by the Brook" in funded and "B Bike racks" in funded
    assert "D Dog park" not in funded
    assert public.locator("svg.chart rect").count() == 5
    assert csp.problems == []
