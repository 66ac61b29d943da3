"""Bad input to the voting half is a clear refusal, never a 500, and exports are safe to open
(issue 11, finding 12)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from django.test import Client

from ballots import services
from budgets.models import BallotType, Proposal, Round
from tests.ballots.conftest import close_and_publish, make_voting_round, project_ids
from tests.conftest import DECLARED
from wards.models import Ward

pytestmark = pytest.mark.django_db


def _cast_raw(client: Client, round: Round, text: str) -> Any:
    """JSON as any client may send it: 1e400 is valid JSON, read by Python as infinity."""
    return client.post(
        f"/api/v1/rounds/{round.pk}/ballots/", data=text, content_type="application/json"
    )


@pytest.mark.parametrize("bad", ["1e400", "-1e400", "1.5", "true", '"1e3"', '"x"', "[]"])
def test_a_bad_project_id_is_a_400_with_a_reason(
    client: Client, voting_round: Round, issued_codes: list[str], bad: str
) -> None:
    body = f'{{"code": "{issued_codes[0]}", "projects": [{bad}]}}'
    response = _cast_raw(client, voting_round, body)
    assert response.status_code == 400
    assert "is not a project on this ballot" in response.json()["reason"]
    assert not voting_round.ballots.exists()


@pytest.mark.parametrize("bad", ["1e400", "NaN", "2.5", "true", '"lots"'])
def test_bad_points_are_a_400_with_a_reason(client: Client, sparkbrook: Ward, bad: str) -> None:
    round = make_voting_round(sparkbrook, BallotType.CUMULATIVE)
    (code,) = services.issue_codes(round, 1)
    first = project_ids(round)[0]
    response = _cast_raw(client, round, f'{{"code": "{code}", "points": {{"{first}": {bad}}}}}')
    assert response.status_code == 400
    reason = response.json()["reason"]
    assert "Points must be whole numbers" in reason or "JSON parse error" in reason


def test_a_bad_point_key_is_a_400(client: Client, sparkbrook: Ward) -> None:
    round = make_voting_round(sparkbrook, BallotType.CUMULATIVE)
    (code,) = services.issue_codes(round, 1)
    response = _cast_raw(client, round, json.dumps({"code": code, "points": {"1e400": 3}}))
    assert response.status_code == 400
    assert "is not a project on this ballot" in response.json()["reason"]


@pytest.mark.parametrize("typed", ["a/b", "../../admin", "7KQ2/M9XD/4TPA/H3NE", "%2F", " "])
def test_a_malformed_receipt_is_explained_on_the_lookup_page(client: Client, typed: str) -> None:
    response = client.get("/receipts/", {"receipt": typed})
    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text or "This field is required." in text
    if typed.strip():
        assert "A receipt has 16 letters and numbers" in text


def test_a_well_formed_receipt_goes_to_its_page_in_printed_form(client: Client) -> None:
    response = client.get("/receipts/", {"receipt": " 7kq2 m9xd 4tpa h3ne "})
    assert response.status_code == 302
    assert response["Location"] == "/receipts/7KQ2-M9XD-4TPA-H3NE"


FORMULAS = ['=HYPERLINK("http://x","y")', "+44 1 2", "-2+3", "@SUM(A1)", "\tTab"]


def test_result_csv_neutralises_formulas_in_titles(client: Client, sparkbrook: Ward) -> None:
    round = make_voting_round(sparkbrook, scale=1000)
    proposals = list(round.proposals.order_by("id"))
    for proposal, title in zip(proposals, FORMULAS, strict=True):
        Proposal.objects.filter(pk=proposal.pk).update(title=title)
    ids = project_ids(round)
    for code, selection in zip(services.issue_codes(round, 2), [ids[:1], ids[1:3]], strict=True):
        services.cast_ballot(round, selection, code=code, declaration=DECLARED)
    close_and_publish(round)
    response = client.get(f"/rounds/{round.pk}/result.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert sorted(row["title"] for row in rows) == sorted("'" + t for t in FORMULAS)
    assert all(row["project_id"].isdigit() and row["cost_pence"].isdigit() for row in rows)


def test_codes_csv_neutralises_formulas(voting_round: Round) -> None:
    voting_round.ward.name = "=cmd|' /C calc'!A0"
    issued = services.issue_codes(voting_round, 2)
    rows = list(csv.reader(io.StringIO(services.codes_csv(issued, voting_round, "@evil"))))
    assert rows[1][2] == "'=cmd|' /C calc'!A0"
    assert rows[1][3].startswith("'@evil")
    assert rows[1][0] == issued[0]


def test_services_clean_one_line_text_whoever_calls_them(
    voting_round: Round, ids: list[int], issued_codes: list[str], councillor_sam: Any
) -> None:
    """The polling place and a revocation's reason go to the ledger and pages: one line each,
    with no invisible characters, even from a command or a script rather than a form."""
    batch = services.enter_paper_batch(
        voting_round,
        polling_place="Library\n\u202eHall",
        by=councillor_sam,
        account=services.PaperAccount(1, 0, 0, 1),
        ballots=[{"code": issued_codes[0], "projects": [ids[0]]}],
    )
    assert batch.polling_place == "Library Hall"
    services.revoke_code(voting_round, issued_codes[1], reason="Lost\r\nletter\u200b")
    from ballots.models import VotingCode

    assert VotingCode.objects.get(revoked_at__isnull=False).revoke_reason == "Lost letter"
