"""A round's counts (points, choices, support limits, shortlist sizes) are refused past 2**31 - 1
on every database: SQLite would store up to 2**63 where PostgreSQL refuses, so a setting that
worked on the embedded default would fail once moved to production."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from budgets import services
from budgets.models import MAX_COUNT, BallotType, Round
from tests.budgets.test_views import ROUND_POST, body
from tests.conftest import login
from wards.models import Ward


def test_the_round_form_refuses_points_past_the_database_range(
    client: Client, councillor_sam: Any, sparkbrook: Ward
) -> None:
    login(client, councillor_sam)
    data = {**ROUND_POST, "ballot_type": BallotType.CUMULATIVE, "max_points": str(MAX_COUNT + 1)}
    response = client.post("/rounds/new/sparkbrook/", data)
    assert response.status_code == 200
    assert f"less than or equal to {MAX_COUNT}." in body(response)
    assert not Round.objects.exists()


@pytest.mark.parametrize(
    "name", ["max_points", "min_choices", "max_choices", "support_limit", "shortlist_top"]
)
def test_every_count_is_bounded_in_the_service(
    draft_round: Round, councillor_sam: Any, name: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.update_round(draft_round, by=councillor_sam, **{name: MAX_COUNT + 1})
    assert name in exc.value.message_dict
    draft_round.refresh_from_db()
    assert getattr(draft_round, name) != MAX_COUNT + 1
