"""Refusals found by fuzzing the API with schemathesis (tests/config/test_api_schema_fuzz.py),
each reproduced with the exact request: every 4xx is JSON with a readable `reason` (text) and,
for bad input, `errors` field by field."""

from __future__ import annotations

from typing import Any

from django.test import Client

from budgets.models import Phase, Proposal, Round
from tests.budgets.conftest import make_proposal, make_round
from tests.conftest import login
from wards.models import Ward


def test_a_blank_review_reason_is_a_field_error_not_the_refusal_reason(
    client: Client, sparkbrook: Ward, councillor_sam: Any, resident_alice: Any
) -> None:
    # The request body has its own `reason` field; its error used to replace the answer's
    # `reason` with a list, and `errors` was missing.
    proposal = make_proposal(make_round(sparkbrook, Phase.REVIEW), resident_alice)
    response = login(client, councillor_sam).post(
        f"/api/v1/proposals/{proposal.pk}/review/",
        {"decision": "merged", "reason": ""},
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert (
        isinstance(body["reason"], str) and "reason: This field may not be blank." in body["reason"]
    )
    assert body["errors"] == {"reason": ["This field may not be blank."]}
    assert Proposal.objects.get().status == proposal.status


def test_a_too_long_phase_change_reason_reads_as_text(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    round = make_round(sparkbrook, Phase.DRAFT)
    response = login(client, councillor_sam).post(
        f"/api/v1/rounds/{round.pk}/phase/",
        {"phase": "proposals", "reason": "x" * 5000},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert isinstance(response.json()["reason"], str)
    assert "reason" in response.json()["errors"]
    assert Round.objects.get().phase == Phase.DRAFT


def test_a_phase_date_in_the_year_175_is_refused_not_stored(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    # Stored, it came back as "0175-04-19T19:12:16-00:01:15" (London's local mean time), which
    # is no RFC 3339 date-time, so API clients could not read the round back.
    round = make_round(sparkbrook, Phase.DRAFT)
    response = login(client, councillor_sam).patch(
        f"/api/v1/rounds/{round.pk}/",
        {"proposals_start": "0175-04-19T19:13:31.63462Z", "min_age": 80},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "proposals_start" in response.json()["errors"]
    round.refresh_from_db()
    assert round.proposals_start is None and round.min_age != 80


def test_a_phase_date_at_the_end_of_time_is_refused_not_a_500(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    round = make_round(sparkbrook, Phase.DRAFT)
    response = login(client, councillor_sam).patch(
        f"/api/v1/rounds/{round.pk}/",
        {"voting_end": "9999-12-31T23:59:59-12:00"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "voting_end" in response.json()["errors"]
    round.refresh_from_db()
    assert round.voting_end is None


def test_an_unknown_proposal_sort_is_refused_like_an_unknown_status(
    client: Client, sparkbrook: Ward, resident_alice: Any
) -> None:
    # The schema lists the sorts; a typo used to answer 200 in some other order than asked.
    round = make_round(sparkbrook, Phase.PROPOSALS)
    make_proposal(round, resident_alice)
    response = client.get(f"/api/v1/rounds/{round.pk}/proposals/", {"sort": "newst"})
    assert response.status_code == 400
    assert "newest" in response.json()["errors"]["sort"][0]
    assert (
        client.get(f"/api/v1/rounds/{round.pk}/proposals/", {"sort": "newest"}).status_code == 200
    )


def test_a_blank_category_is_named_in_plain_words(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    # The reason used to read "categories: {0: [ErrorDetail(string='This field may not be
    # blank.', code='blank')]}", Python's repr of DRF's error objects.
    round = make_round(sparkbrook, Phase.DRAFT)
    response = login(client, councillor_sam).patch(
        f"/api/v1/rounds/{round.pk}/",
        {"categories": ["", "Parks"]},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["reason"] == "categories: item 1: This field may not be blank."
    assert response.json()["errors"] == {"categories": {"0": ["This field may not be blank."]}}
    round.refresh_from_db()
    assert round.categories != ["", "Parks"]


def test_a_count_past_the_database_range_is_refused_on_every_database(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    # SQLite stored max_points=2**31 while PostgreSQL refused it; the schema gave no bound.
    round = make_round(sparkbrook, Phase.DRAFT)
    response = login(client, councillor_sam).patch(
        f"/api/v1/rounds/{round.pk}/", {"max_points": 2**31}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "max_points" in response.json()["errors"]
    round.refresh_from_db()
    assert round.max_points is None
