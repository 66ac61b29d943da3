"""The seal batch size K has a sane range (issue 11, finding 11): at least 25, so a batch cannot
point at a voter, and at most 1000, so a councillor cannot leave everything unsealed until close.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client

from budgets import services
from budgets.models import Round
from tests.budgets.test_views import ROUND_POST, body
from tests.conftest import login
from wards.models import Ward


@pytest.mark.parametrize("size", [24, 1001, 1_000_000])
def test_update_round_refuses_a_batch_size_out_of_range(
    draft_round: Round, councillor_sam: Any, size: int
) -> None:
    with pytest.raises(ValidationError) as exc:
        services.update_round(draft_round, by=councillor_sam, seal_batch_size=size)
    assert "between 25 and 1000" in " ".join(exc.value.message_dict["seal_batch_size"])
    draft_round.refresh_from_db()
    assert draft_round.seal_batch_size == 25


@pytest.mark.parametrize("size", [25, 1000])
def test_the_bounds_themselves_are_allowed(
    draft_round: Round, councillor_sam: Any, size: int
) -> None:
    services.update_round(draft_round, by=councillor_sam, seal_batch_size=size)
    draft_round.refresh_from_db()
    assert draft_round.seal_batch_size == size


def test_the_round_form_explains_the_range(
    client: Client, councillor_sam: Any, sparkbrook: Ward
) -> None:
    login(client, councillor_sam)
    response = client.post("/rounds/new/sparkbrook/", {**ROUND_POST, "seal_batch_size": "5000"})
    assert response.status_code == 200
    assert "Seal between 25 and 1000 ballots at a time" in body(response)
    assert not Round.objects.exists()


def test_the_api_refuses_a_huge_batch_size(
    client: Client, councillor_sam: Any, draft_round: Round
) -> None:
    login(client, councillor_sam)
    response = client.patch(
        f"/api/v1/rounds/{draft_round.pk}/",
        data={"seal_batch_size": 5000},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "Seal between 25 and 1000" in response.json()["errors"]["seal_batch_size"][0]
    draft_round.refresh_from_db()
    assert draft_round.seal_batch_size == 25


def test_the_database_refuses_it_too(draft_round: Round) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.filter(pk=draft_round.pk).update(seal_batch_size=1001)
