"""The voting desk's "Issue codes" form, sent twice from a real browser.

A double click on the submit button, and the button pressed again once the ZIP has downloaded,
must issue one batch (one CodeBatch, one `codes.issued` ledger event) and download the same codes.
Back and a second press is a second batch, and the desk holds both files.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from audit.models import Event
from ballots import codes
from ballots.models import CodeBatch, VotingCode
from budgets.models import Round
from tests.ballots.conftest import make_voting_round
from tests.conftest import make_user
from wards.models import Membership, Role, Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNT = 4
SUBMIT = "Issue the codes and download the letters"


def codes_csv(download: Any) -> str:
    with zipfile.ZipFile(io.BytesIO(Path(download.path()).read_bytes())) as archive:
        return archive.read("codes.csv").decode("utf-8")


def assert_one_batch(round: Round) -> None:
    assert CodeBatch.objects.filter(round=round).count() == 1
    assert Event.objects.for_round(round.pk).of_kind("codes.issued").count() == 1
    assert VotingCode.objects.filter(round=round).count() == COUNT


@pytest.fixture
def round(sparkbrook: Ward) -> Round:
    Membership.objects.create(user=make_user("sam"), ward=sparkbrook, role=Role.COUNCILLOR)
    now = timezone.now()
    return make_voting_round(
        sparkbrook,
        voting_start=now - datetime.timedelta(hours=1),
        voting_end=now + datetime.timedelta(days=7),
    )


def open_form(new_page: Any, round: Round) -> Any:
    page = new_page(get_user_model().objects.get(username="sam"))
    page.goto(f"/rounds/{round.pk}/voting-desk/")
    page.get_by_role("link", name="Issue codes and print the letters").click()
    page.get_by_label("How many codes").fill(str(COUNT))
    return page


def test_a_double_click_then_a_second_press_issue_one_batch(round: Round, new_page: Any) -> None:
    page = open_form(new_page, round)
    posts: list[str] = []
    page.on("request", lambda sent: posts.append(sent.url) if sent.method == "POST" else None)
    button = page.get_by_role("button", name=SUBMIT)

    with page.expect_download() as info:
        button.dblclick()
    first = codes_csv(info.value)
    rows = list(csv.reader(io.StringIO(first)))
    assert rows[0][0] == "code"
    assert len(rows) - 1 == COUNT and len({row[0] for row in rows[1:]}) == COUNT
    assert_one_batch(round)

    # A download leaves the form on screen: pressed again, it answers the same ZIP.
    with page.expect_download() as again:
        button.click()
    assert codes_csv(again.value) == first
    assert len(posts) >= 2
    assert_one_batch(round)


def test_back_and_resubmit_is_a_second_batch_the_desk_holds_too(
    round: Round, new_page: Any
) -> None:
    """The form page is sent no-store (its secret yields the codes), so Back fetches it again
    with a new secret: Chromium restores the typed count, not the hidden secret, and the second
    press issues a second batch. That is a batch the desk downloads, unlike a double click's
    first one: every live code is in one of the files the desk holds, none without a letter."""
    page = open_form(new_page, round)
    with page.expect_download() as info:
        page.get_by_role("button", name=SUBMIT).click()
    first = codes_csv(info.value)

    page.goto(f"/rounds/{round.pk}/voting-desk/")
    page.go_back()
    assert page.get_by_label("How many codes").input_value() == str(COUNT)
    with page.expect_download() as again:
        page.get_by_role("button", name=SUBMIT).click()
    second = codes_csv(again.value)

    held = {
        codes.hash_code(round, row[0])
        for text in (first, second)
        for row in list(csv.reader(io.StringIO(text)))[1:]
    }
    assert len(held) == 2 * COUNT
    live = set(VotingCode.objects.filter(round=round).values_list("code_hash", flat=True))
    assert live == held
    assert CodeBatch.objects.filter(round=round).count() == 2
