"""GET /api/v1/rounds/<id>/delivery/: every funded project's status, milestones, money, updates
with photo URLs and hours pledged against delivered; 404 before publication; in the schema."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client

from budgets.models import Proposal, Round
from budgets.services.pledges import make_pledge
from delivery import services
from tests.ballots.conftest import make_voting_round
from tests.delivery.conftest import PERSONAS, as_persona, image_bytes, upload

pytestmark = pytest.mark.django_db


def _url(round: Round) -> str:
    return f"/api/v1/rounds/{round.pk}/delivery/"


@pytest.mark.parametrize("who", PERSONAS)
def test_the_delivery_of_a_round_for_everyone(
    client: Client, published_round: Round, funded: list[int], councillor_sam: Any,
    resident_alice: Any, who: str, request: pytest.FixtureRequest,
) -> None:  # fmt: skip
    make_pledge(Proposal.objects.get(pk=funded[0]), by=resident_alice, hours=10, in_kind="tools")
    services.set_milestone(
        published_round, funded[0], by=councillor_sam, title="Order placed",
        planned_on=datetime.date(2026, 6, 1),
    )  # fmt: skip
    services.post_update(
        published_round, funded[0], by=councillor_sam, text="Delivered", status="delivered",
        spent_pence=2_400_000, final_cost_pence=2_400_000, hours_delivered=8,
        photo=upload(image_bytes()), photo_alt="Benches",
    )  # fmt: skip
    services.record_unspent(
        published_round, by=councillor_sam, decision="carried_over", amount_pence=3_750_000
    )
    as_persona(client, who, request)
    answer = client.get(_url(published_round))
    assert answer.status_code == 200
    body = answer.json()
    assert body["round"] == published_round.pk and body["ward"] == "sparkbrook"
    assert body["allocated_pence"] == 6_250_000
    assert body["unspent"]["decision"] == "carried_over"
    assert body["unspent"]["amount_pence"] == 3_750_000
    projects = {p["proposal"]: p for p in body["projects"]}
    assert sorted(projects) == funded
    done, waiting = projects[funded[0]], projects[funded[1]]
    assert done["status"] == "delivered" and done["final_cost_pence"] == 2_400_000
    assert (done["pledged_hours"], done["delivered_hours"], done["in_kind"]) == (10, 8, ["tools"])
    assert done["milestones"] == [
        {"title": "Order placed", "planned_on": "2026-06-01", "reached_on": None}
    ]
    (update,) = done["updates"]
    assert update["photo_url"].startswith("http://testserver/media/delivery/")
    assert update["posted_by_role"] == "councillor" and update["hours_delivered"] == 8
    assert waiting["status"] == "not_started" and waiting["updates"] == []
    assert waiting["spent_pence"] == 0 and waiting["final_cost_pence"] is None


def test_no_delivery_before_publication(client: Client, sparkbrook: Any) -> None:
    voting = make_voting_round(sparkbrook)
    answer = client.get(_url(voting))
    assert answer.status_code == 404 and "published" in answer.json()["reason"]
    assert client.get("/api/v1/rounds/999999/delivery/").status_code == 404


def test_wrong_methods_are_refused(client: Client, published_round: Round) -> None:
    assert client.post(_url(published_round)).status_code in (403, 405)
    assert client.put(_url(published_round)).status_code in (403, 405)


def test_the_schema_documents_it(client: Client) -> None:
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/rounds/{round_id}/delivery/" in schema
    assert "pledged_hours" in schema and "photo_url" in schema
