"""The city dashboard and its exports: every ward's current round, turnout once voting opens,
money only once published, drafts never; CSV and Excel for council officers."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from ballots import services
from budgets.models import Phase, Round
from tests.ballots.conftest import close, close_and_publish, make_voting_round, project_ids
from tests.conftest import DECLARED
from wards.models import Ward

pytestmark = pytest.mark.django_db

COLUMNS = ["ward", "round", "phase", "budget_pence", "voters", "allocated_pence", "unspent_pence"]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def vote(round: Round, *choices: list[int]) -> None:
    codes = services.issue_codes(round, len(choices))
    for code, selection in zip(codes, choices, strict=True):
        services.cast_ballot(round, selection, code=code, declaration=DECLARED)


def csv_rows(client: Client) -> list[dict[str, str]]:
    response = client.get("/dashboard.csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def by_ward(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["ward"]: row for row in rows}


@pytest.fixture
def published(sparkbrook: Ward) -> Round:
    """Sparkbrook: a published round that funded £25,000 + £37,500 of £100,000."""
    round = make_voting_round(sparkbrook)
    ids = project_ids(round)
    vote(round, [ids[0], ids[1]], [ids[0], ids[1]], [ids[0]])
    close_and_publish(round)
    return round


@pytest.fixture
def closed(aston: Ward) -> Round:
    """Aston: closed and counted, not published."""
    round = make_voting_round(aston)
    ids = project_ids(round)
    vote(round, [ids[0]], [ids[1]])
    close(round)
    return round


def test_urls_are_the_documented_ones() -> None:
    assert reverse("ballots:dashboard") == "/dashboard/"
    assert reverse("ballots:dashboard_csv") == "/dashboard.csv"
    assert reverse("ballots:dashboard_xlsx") == "/dashboard.xlsx"


def test_page_shows_every_ward_with_its_round_and_city_totals(
    client: Client, published: Round, closed: Round
) -> None:
    Ward.objects.create(name="Nechells", slug="nechells", chest_pence=10_000_000)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "<caption>" in page and 'scope="col"' in page and 'scope="row"' in page
    assert "Nechells" in page and "No round yet" in page
    assert published.title in page and closed.title in page
    # Published: £62,500 allocated, £37,500 unspent, the two funded projects named.
    assert "£62,500" in page and "£37,500" in page
    assert "A Bench by the Brook, B Bike racks" in page
    # City totals: 3 + 2 voters, the published round's money only.
    totals = response.context["totals"]
    assert (totals.wards, totals.with_round, totals.voters) == (3, 2, 5)
    assert (totals.allocated_pence, totals.unspent_pence, totals.funded) == (
        6_250_000,
        3_750_000,
        2,
    )


def test_csv_has_the_columns_and_a_published_rounds_money(
    client: Client, published: Round, closed: Round
) -> None:
    response = client.get("/dashboard.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="dashboard.csv"'
    header = next(csv.reader(io.StringIO(response.content.decode())))
    assert header[: len(COLUMNS)] == COLUMNS
    rows = by_ward(csv_rows(client))
    spark = rows["Sparkbrook"]
    assert spark["round"] == published.title
    assert spark["phase"] == Phase.PUBLISHED
    assert (spark["budget_pence"], spark["voters"]) == ("10000000", "3")
    assert (spark["allocated_pence"], spark["unspent_pence"]) == ("6250000", "3750000")


def test_a_closed_unpublished_round_shows_turnout_but_no_allocation(
    client: Client, closed: Round
) -> None:
    row = by_ward(csv_rows(client))["Aston"]
    assert (row["phase"], row["voters"]) == (Phase.CLOSED, "2")
    assert row["allocated_pence"] == row["unspent_pence"] == row["funded_projects"] == ""
    page = client.get("/dashboard/").content.decode()
    assert "Not published" in page
    assert "A Bench by the Brook" not in page and "£" + "25,000" not in page


def test_turnout_is_shown_once_voting_opens(client: Client, sparkbrook: Ward) -> None:
    round = make_voting_round(sparkbrook)
    ids = project_ids(round)
    vote(round, [ids[0]])
    assert by_ward(csv_rows(client))["Sparkbrook"]["voters"] == "1"
    Round.objects.filter(pk=round.pk).update(phase=Phase.REVIEW)
    assert by_ward(csv_rows(client))["Sparkbrook"]["voters"] == ""


def test_drafts_are_never_shown(client: Client, published: Round, sparkbrook: Ward) -> None:
    draft = make_voting_round(sparkbrook, title="Secret draft round", phase=Phase.DRAFT)
    assert draft.created_at >= published.created_at
    assert "Secret draft round" not in client.get("/dashboard/").content.decode()
    assert "Secret draft round" not in client.get("/dashboard.csv").content.decode()
    assert by_ward(csv_rows(client))["Sparkbrook"]["round"] == published.title
    sheet = load_workbook(io.BytesIO(client.get("/dashboard.xlsx").content)).active
    assert sheet is not None
    assert all("Secret draft round" not in str(c.value) for row in sheet.iter_rows() for c in row)


def test_a_councillor_sees_the_public_view_without_their_own_draft(
    client: Client, councillor_sam: Any, sparkbrook: Ward
) -> None:
    make_voting_round(sparkbrook, title="Sam's draft round", phase=Phase.DRAFT)
    client.force_login(councillor_sam)
    page = client.get("/dashboard/").content.decode()
    assert "Sam&#x27;s draft round" not in page and "Sam's draft round" not in page
    assert "No round yet" in page


def test_xlsx_has_the_columns_and_numbers(client: Client, published: Round) -> None:
    response = client.get("/dashboard.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="dashboard.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0][: len(COLUMNS)]) == COLUMNS
    row = dict(zip(rows[0], rows[1], strict=True))
    assert (row["ward"], row["allocated_pence"], row["unspent_pence"]) == (
        "Sparkbrook",
        6_250_000,
        3_750_000,
    )


def test_a_formula_like_ward_name_is_text_in_both_exports(client: Client) -> None:
    evil = '=HYPERLINK("http://evil.example","x")'
    ward = Ward.objects.create(name=evil, slug="evil", chest_pence=10_000_000)
    make_voting_round(ward, title="+SUM(1,2)")
    rows = by_ward(csv_rows(client))
    assert "'" + evil in rows
    assert rows["'" + evil]["round"] == "'+SUM(1,2)"
    sheet = load_workbook(io.BytesIO(client.get("/dashboard.xlsx").content)).active
    assert sheet is not None
    cells = {c.value: c for row in sheet.iter_rows() for c in row}
    assert cells[evil].data_type == "s"
    assert cells["+SUM(1,2)"].data_type == "s"


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard.csv", "/dashboard.xlsx"])
def test_wrong_method_is_405(client: Client, url: str) -> None:
    assert client.post(url).status_code == 405
    assert client.delete(url).status_code == 405


@pytest.mark.parametrize("url", ["/dashboard/", "/dashboard.csv", "/dashboard.xlsx"])
def test_queries_do_not_grow_with_the_wards(
    client: Client, url: str, published: Round, closed: Round, django_assert_max_num_queries: Any
) -> None:
    for n in range(6):
        ward = Ward.objects.create(name=f"Ward {n}", slug=f"ward-{n}", chest_pence=10_000_000)
        round = make_voting_round(ward)
        if n % 2:
            vote(round, [project_ids(round)[0]])
            close_and_publish(round)
    # One more than the dashboard's own five: the delivery app's counts (one query, through
    # ballots.hooks), still the same whatever the number of wards.
    with django_assert_max_num_queries(6):
        assert client.get(url).status_code == 200


def test_a_ward_wide_round_is_current_before_a_later_neighbourhood_round(
    client: Client, sparkbrook: Ward
) -> None:
    ward_round = make_voting_round(sparkbrook)
    make_voting_round(
        sparkbrook,
        title="Balsall Heath fund",
        phase=Phase.PROPOSALS,
        neighbourhood=sparkbrook.neighbourhoods.get(),
    )
    assert by_ward(csv_rows(client))["Sparkbrook"]["round"] == ward_round.title
    ward_round.phase = Phase.DRAFT
    ward_round.save()
    assert by_ward(csv_rows(client))["Sparkbrook"]["round"] == "Balsall Heath fund"
