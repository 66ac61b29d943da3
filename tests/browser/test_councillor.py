"""A councillor runs the ward's round with only a browser, and a resident signs up.

One long journey shares its data so the browser starts once: the councillor signs in, adds and
removes a clerk, uploads the postcode list (a file with bad lines first), adds a neighbourhood,
issues codes and downloads the letters, prints the paper ballot; a clerk and the councillor key a
paper batch by project numbers; two councillors close early (reason, confirmation) and publish;
anyone reads the city dashboard and its CSV. A resident then signs up with a postcode from the
uploaded list and confirms the account from the email's link.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from budgets.models import Phase, Round
from tests.ballots.conftest import make_voting_round
from tests.conftest import PASSWORD, make_user
from wards.models import Membership, Role, Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BAD_POSTCODES = b"postcode,neighbourhood\nB11 4AA,\nnot a postcode,\nB12 9AB,\nB1 ZZZ,\n"
PAPER_BALLOT = [
    ("A Bench by the Brook", "£25,000"),
    ("B Bike racks", "£37,500"),
    ("C Community garden", "£40,000"),
    ("D Dog park", "£50,000"),
    ("E Lights", "£60,000"),
]
GOOD_POSTCODES = b"postcode,neighbourhood\nB11 4AA,Sparkhill Park\nB12 9AB,\nB11 1GY,\n"


def sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    """Through the sign-in form, as a person would."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def csv_file(name: str, content: bytes) -> dict[str, Any]:
    return {"name": name, "mimeType": "text/csv", "buffer": content}


def read_download(download: Any) -> bytes:
    return Path(download.path()).read_bytes()


def test_a_councillor_runs_the_round_with_only_a_browser(
    sparkbrook: Ward, new_page: Any, csp: Any
) -> None:
    sam = make_user("sam", first_name="Sam", last_name="Singh")
    sia = make_user("sia", first_name="Sia", last_name="Shah")
    for councillor in (sam, sia):
        Membership.objects.create(user=councillor, ward=sparkbrook, role=Role.COUNCILLOR)
    make_user("hana", first_name="Hana", last_name="Hussain")
    make_user("ivo", first_name="Ivo", last_name="Ilic")
    now = timezone.now()
    round = make_voting_round(
        sparkbrook,
        voting_start=now - datetime.timedelta(hours=1),
        voting_end=now + datetime.timedelta(days=7),
    )

    page = new_page()
    sign_in(page, "sam")

    # The ward's team: add two clerks, remove one after the confirmation page.
    page.goto("/wards/sparkbrook/")
    page.get_by_role("link", name="The ward's team").click()
    clerks = page.locator("section", has=page.get_by_role("heading", name="Clerks"))
    expect(clerks).to_contain_text("The ward has no clerks yet.")
    for username in ("hana", "ivo"):
        page.get_by_label("Add a clerk: the username of their account").fill(username)
        page.get_by_role("button", name="Add as clerk").click()
        expect(page.get_by_role("status")).to_contain_text(f"{username} is now a clerk")
    expect(clerks.get_by_role("listitem")).to_have_text(
        [re.compile(r"Hana Hussain \(hana\)"), re.compile(r"Ivo Ilic \(ivo\)")]
    )
    page.get_by_role("link", name="Remove Ivo Ilic as a clerk").click()
    page.get_by_role("button", name="Yes, remove this clerk").click()
    expect(page.get_by_role("status")).to_contain_text("ivo is no longer a clerk")
    expect(clerks.get_by_role("listitem")).to_have_text([re.compile(r"Hana Hussain \(hana\)")])

    # Postcodes and neighbourhoods: a neighbourhood, then a file with bad lines (each reported,
    # nothing imported), then the corrected file.
    page.goto("/wards/sparkbrook/")
    page.get_by_role("link", name="Postcodes and neighbourhoods").click()
    page.get_by_label("Add a neighbourhood").fill("Sparkhill Park")
    page.get_by_role("button", name="Add neighbourhood").click()
    expect(page.get_by_role("status")).to_contain_text("Sparkhill Park is now a neighbourhood")
    upload = page.get_by_label("Postcode list (CSV)")
    upload.set_input_files(csv_file("postcodes.csv", BAD_POSTCODES))
    page.get_by_role("button", name="Upload").click()
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("Nothing was imported")
    expect(problem).to_contain_text("line 3: 'not a postcode' is not a full UK postcode")
    expect(problem).to_contain_text("line 5: 'B1 ZZZ' is not a full UK postcode")
    assert not sparkbrook.postcodes.exists()
    upload.set_input_files(csv_file("postcodes.csv", GOOD_POSTCODES))
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status")).to_contain_text("3 added, 0 removed")
    expect(page.locator("p.lead")).to_contain_text("It lists 3 postcodes.")
    expect(page.get_by_role("row", name="Sparkhill Park")).to_contain_text("1")

    # Where to vote on paper and get help: the letters print it.
    page.goto(f"/rounds/{round.pk}/")
    page.get_by_role("link", name="Polling places and help desk").click()
    page.get_by_label("Name").fill("Sparkbrook Library")
    page.get_by_label("Address").fill("Stratford Road, B11 1AR")
    page.get_by_label("When it is open for voting").fill("Saturdays 10:00 to 16:00")
    page.get_by_role("button", name="Add the polling place").click()
    expect(page.get_by_role("region", name="Polling places")).to_contain_text("Sparkbrook Library")
    page.get_by_label("Where").fill("Sparkbrook Library, front desk")
    page.get_by_role("button", name="Save the help desk").click()
    expect(page.get_by_role("region", name="Help desk")).to_contain_text("front desk")

    # Voting codes and letters: one ZIP download, from the voting desk.
    page.goto(f"/rounds/{round.pk}/")
    page.get_by_role("link", name="Open the voting desk").click()
    page.get_by_role("link", name="Issue codes and print the letters").click()
    page.get_by_label("How many codes").fill("3")
    page.get_by_label("Polling place to print first (optional)").select_option(
        label="Sparkbrook Library"
    )
    with page.expect_download() as info:
        page.get_by_role("button", name="Issue the codes and download the letters").click()
    download = info.value
    assert re.fullmatch(r"voting-codes-round-\d+-\d{4}-\d\d-\d\d\.zip", download.suggested_filename)
    with zipfile.ZipFile(io.BytesIO(read_download(download))) as archive:
        rows = list(csv.reader(io.StringIO(archive.read("codes.csv").decode("utf-8"))))
        letters = archive.read("letters.html").decode("utf-8")
    assert rows[0][0] == "code"
    codes = [row[0] for row in rows[1:]]
    assert len(codes) == 3 and len(set(codes)) == 3
    assert len(re.findall(r'<section class="letter[ "]', letters)) == 3
    assert all(code in letters for code in codes)
    # Every letter says where to vote on paper and where to get help.
    assert letters.count("Stratford Road, B11 1AR") == 3
    assert letters.count("Sparkbrook Library, front desk") == 3

    # The printable paper ballot: projects numbered 1..5 with their costs.
    page.goto(f"/rounds/{round.pk}/voting-desk/")
    page.get_by_role("link", name="Print the paper ballot").click()
    ballot_rows = page.locator("table.paper-projects tbody tr")
    expect(ballot_rows).to_have_count(5)
    for n, (title, cost) in enumerate(PAPER_BALLOT, start=1):
        expect(ballot_rows.nth(n - 1).get_by_role("cell")).to_have_text([str(n), title, cost, ""])

    # Paper, keyed twice: the clerk first, then the councillor; the second agreeing entry counts.
    batch = f"{codes[0]}: 1, 2\n{codes[1].lower().replace('-', ' ')}: 4\n"
    clerk = new_page()
    sign_in(clerk, "hana")
    clerk.goto(f"/rounds/{round.pk}/")
    clerk.get_by_role("link", name="Enter a paper batch").click()
    enter_paper(clerk, batch)
    expect(clerk.get_by_role("status")).to_contain_text("Entry saved: awaiting second entry")
    expect(clerk.get_by_text("A second person must now enter this batch")).to_be_visible()
    page.goto(f"/rounds/{round.pk}/voting-desk/")
    page.get_by_role("link", name="Enter a paper batch").click()
    enter_paper(page, batch)
    expect(page.get_by_role("status")).to_contain_text("Entry saved: accepted")
    # The codes used on paper have voted: online they are refused; the third letter's code votes.
    resident = new_page()
    resident.goto(f"/rounds/{round.pk}/vote/")
    for code in (codes[0], codes[2]):
        resident.get_by_label(re.compile("E Lights")).check()
        resident.get_by_label("Your voting code").fill(code)
        resident.get_by_label(re.compile("I live in Sparkbrook")).check()
        resident.get_by_label("I am 16 or over").check()
        resident.get_by_role("button", name="Review my vote").click()
        resident.get_by_role("button", name="Cast my vote").click()
        if code == codes[0]:
            expect(resident.get_by_role("alert")).to_contain_text(
                "That voting code is not valid for this vote"
            )
    expect(resident.get_by_role("heading", name="Your vote has been cast")).to_be_visible()
    page.goto(f"/rounds/{round.pk}/voting-desk/")
    expect(page.get_by_text("Turnout so far: 3 (1 online, 2 on paper)")).to_be_visible()

    # Closing before the end date: a public reason from one councillor, then a second councillor
    # confirms.
    page.goto(f"/rounds/{round.pk}/voting-desk/")
    page.get_by_role("link", name="Close voting…").click()
    expect(page.get_by_text("Closing before then needs a public reason")).to_be_visible()
    page.get_by_label("Public reason for closing early").fill("The library closes for works.")
    page.get_by_role("button", name="Ask to close voting early").click()
    expect(page.get_by_role("status")).to_contain_text("A second councillor must approve it")
    second = new_page()
    sign_in(second, "sia")
    second.goto(f"/rounds/{round.pk}/voting-desk/")
    second.get_by_role("link", name="Close voting…").click()
    expect(second.get_by_text("The library closes for works.")).to_be_visible()
    second.get_by_role("button", name="Approve and close voting").click()
    expect(second.get_by_role("alert")).to_contain_text("Tick the box to confirm")
    assert Round.objects.get(pk=round.pk).phase == Phase.VOTING
    second.get_by_label(re.compile("I confirm that voting in")).check()
    second.get_by_role("button", name="Approve and close voting").click()
    expect(second.get_by_role("status")).to_contain_text("Voting is closed")
    assert Round.objects.get(pk=round.pk).phase == Phase.CLOSED

    # Publishing takes two councillors: one asks, the other approves.
    second.goto(f"/rounds/{round.pk}/voting-desk/")
    second.get_by_role("button", name="Ask to publish").click()
    expect(second.get_by_role("status")).to_contain_text("A second councillor must approve")
    page.goto(f"/rounds/{round.pk}/voting-desk/")
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_role("status")).to_contain_text("The result is published")
    assert Round.objects.get(pk=round.pk).phase == Phase.PUBLISHED

    # The city dashboard, and its CSV for council officers.
    public = new_page()
    public.goto("/")
    public.get_by_role("link", name="City dashboard").first.click()
    row = public.get_by_role("row", name=re.compile("^Sparkbrook"))
    expect(row).to_contain_text("Published")
    expect(row).to_contain_text("3 (1, 2)")
    expect(row).to_contain_text("A Bench by the Brook")
    with public.expect_download() as info:
        public.get_by_role("link", name="CSV").click()
    assert info.value.suggested_filename == "dashboard.csv"
    table = list(csv.DictReader(io.StringIO(read_download(info.value).decode("utf-8-sig"))))
    (mine,) = [r for r in table if r["ward"] == "Sparkbrook"]
    assert mine["round"] == round.title
    assert mine["budget_pence"] == str(round.budget_pence)
    assert (mine["voters"], mine["online_voters"], mine["paper_voters"]) == ("3", "1", "2")
    assert int(mine["allocated_pence"]) + int(mine["unspent_pence"]) == round.budget_pence
    assert "A Bench by the Brook" in mine["funded_projects"]
    assert csp.problems == []


def enter_paper(page: Any, ballots: str) -> None:
    """One person's entry of the Sparkbrook Library batch: 3 papers issued, 1 unused, 2 cast."""
    page.get_by_label("Polling place").fill("Sparkbrook Library")
    page.get_by_label("Ballot papers issued").fill("3")
    page.get_by_label("Spoilt").fill("0")
    page.get_by_label("Unused").fill("1")
    page.get_by_label("Cast (in the box)").fill("2")
    page.get_by_label("Ballots, one per line").fill(ballots)
    page.get_by_role("button", name="Save this entry").click()


def test_a_resident_signs_up_and_confirms_by_email(
    sparkbrook: Ward, new_page: Any, csp: Any
) -> None:
    from wards.postcodes import import_postcodes

    import_postcodes(sparkbrook, ["B11 4AA"])
    page = new_page()
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Username").fill("rosa")
    page.get_by_label("Email address").fill("rosa@example.org")
    page.get_by_label("Password", exact=True).fill("a long and unusual passphrase")
    page.get_by_label("Password confirmation").fill("a long and unusual passphrase")
    page.get_by_label("Postcode").fill("b114aa")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your email")).to_be_visible()
    rosa = get_user_model().objects.get(username="rosa")
    assert not rosa.is_active

    (message,) = mail.outbox
    assert message.to == ["rosa@example.org"]
    link = re.search(r"https?://\S+/accounts/signup/confirm/\S+/", message.body)
    assert link is not None
    page.goto(link.group(0))
    expect(page.get_by_text("a resident of Sparkbrook")).to_be_visible()
    page.get_by_role("button", name="Confirm my account").click()
    expect(page.get_by_role("status")).to_contain_text("Your account is confirmed")
    rosa.refresh_from_db()
    assert rosa.is_active

    sign_in(page, "rosa", "a long and unusual passphrase")
    page.goto("/wards/sparkbrook/")
    expect(page.get_by_text("You are a resident here.")).to_be_visible()
    assert csp.problems == []
