"""The budgets API: JSON shapes (a contract), filters, permissions and refusals as 4xx JSON."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from audit.models import Event
from budgets.models import Phase, Proposal, ProposalStatus, Round
from tests.budgets.conftest import make_feasible, make_proposal, make_round
from tests.conftest import login
from wards.models import Ward

pytestmark = pytest.mark.django_db

ROUND_FIELDS = {
    "id", "ward", "neighbourhood", "title", "phase", "budget_pence", "ballot_type", "rule",
    "sat", "max_points", "min_choices", "max_choices", "proposals_start", "proposals_end",
    "review_start", "review_end", "voting_start", "voting_end",
}  # fmt: skip
PROPOSAL_FIELDS = {
    "id", "title", "summary", "cost_pence", "category", "status", "on_ballot", "review_reason",
    "description", "location", "estimated_cost_pence", "created_at",
}  # fmt: skip


def test_round_list_shape_filters_and_hidden_drafts(
    client: Client, sparkbrook: Ward, aston: Ward
) -> None:
    make_round(sparkbrook, Phase.VOTING, neighbourhood=sparkbrook.neighbourhoods.get())
    make_round(aston, Phase.PROPOSALS)
    make_round(aston, Phase.DRAFT, title="Secret draft")
    data = client.get("/api/v1/rounds/").json()
    assert data["count"] == 2
    first = data["results"][0]
    assert set(first) >= ROUND_FIELDS
    titles = [r["title"] for r in data["results"]]
    assert "Secret draft" not in titles
    spark = client.get("/api/v1/rounds/?ward=sparkbrook").json()["results"]
    assert len(spark) == 1
    assert spark[0]["ward"] == "sparkbrook"
    assert spark[0]["neighbourhood"] == "balsall-heath"
    assert spark[0]["ballot_type"] == "knapsack"
    assert spark[0]["budget_pence"] == 5_000_000
    voting = client.get("/api/v1/rounds/?phase=voting").json()
    assert [r["phase"] for r in voting["results"]] == ["voting"]
    bad = client.get("/api/v1/rounds/?phase=sleeping")
    assert bad.status_code == 400 and "reason" in bad.json()


def test_page_size_goes_up_to_500(client: Client, aston: Ward) -> None:
    for n in range(3):
        make_round(aston, Phase.PROPOSALS, title=f"Round {n}")
    data = client.get("/api/v1/rounds/?page_size=2").json()
    assert len(data["results"]) == 2 and data["next"]
    assert len(client.get("/api/v1/rounds/?page_size=500").json()["results"]) == 3


def test_drafts_are_visible_to_their_councillors_only(
    client: Client, councillor_sam: Any, councillor_bob: Any, draft_round: Round
) -> None:
    url = f"/api/v1/rounds/{draft_round.pk}/"
    assert client.get(url).status_code == 404
    assert login(Client(), councillor_bob).get(url).status_code == 404
    sam = login(Client(), councillor_sam)
    assert sam.get(url).json()["phase"] == "draft"
    assert sam.get("/api/v1/rounds/").json()["count"] == 1


def test_round_detail(client: Client, round_in_voting: Round) -> None:
    data = client.get(f"/api/v1/rounds/{round_in_voting.pk}/").json()
    assert set(data) >= ROUND_FIELDS
    assert data["id"] == round_in_voting.pk
    assert client.get("/api/v1/rounds/999999/").status_code == 404


def test_councillor_creates_updates_and_opens_a_round(
    client: Client, councillor_sam: Any, sparkbrook: Ward
) -> None:
    login(client, councillor_sam)
    response = client.post(
        "/api/v1/rounds/",
        {"ward": "sparkbrook", "title": "Balsall Heath 2026", "neighbourhood": "balsall-heath",
         "budget_pence": 2_000_000, "categories": ["Parks"]},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["phase"] == "draft" and created["neighbourhood"] == "balsall-heath"
    url = f"/api/v1/rounds/{created['id']}/"
    patched = client.patch(
        url, {"ballot_type": "approval", "max_choices": 3, "reason": "Simpler"},
        content_type="application/json",
    )  # fmt: skip
    assert patched.status_code == 200 and patched.json()["ballot_type"] == "approval"
    assert Event.objects.filter(kind="round.updated").get().payload["reason"] == "Simpler"
    phase = client.post(
        url + "phase/", {"phase": "proposals", "reason": "Go"}, content_type="application/json"
    )
    assert phase.status_code == 200 and phase.json()["phase"] == "proposals"
    skip = client.post(url + "phase/", {"phase": "voting"}, content_type="application/json")
    assert skip.status_code == 400 and "one step at a time" in skip.json()["reason"]
    closed = client.post(url + "phase/", {"phase": "closed"}, content_type="application/json")
    assert closed.status_code == 400 and "close_round" in closed.json()["reason"]


def test_invalid_combination_is_a_400_with_the_field(
    client: Client, councillor_sam: Any, sparkbrook: Ward
) -> None:
    response = login(client, councillor_sam).post(
        "/api/v1/rounds/",
        {"ward": "sparkbrook", "title": "x", "ballot_type": "ranked", "rule": "mes",
         "max_choices": 3},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 400
    assert "rule" in response.json()["errors"]


def test_round_writes_are_refused_to_others(
    client: Client, councillor_bob: Any, resident_alice: Any, draft_round: Round, sparkbrook: Ward
) -> None:
    body = {"ward": "sparkbrook", "title": "Mine now"}
    anon = client.post("/api/v1/rounds/", body, content_type="application/json")
    assert anon.status_code == 403 and anon.json()["reason"] == "Please sign in first."
    bob = login(Client(), councillor_bob)
    refused = bob.post("/api/v1/rounds/", body, content_type="application/json")
    assert refused.status_code == 403
    assert "Only councillors for Sparkbrook" in refused.json()["reason"]
    proposals = make_round(sparkbrook, Phase.PROPOSALS)
    url = f"/api/v1/rounds/{proposals.pk}/"
    assert bob.patch(url, {"title": "x"}, content_type="application/json").status_code == 403
    alice = login(Client(), resident_alice)
    assert alice.post(url + "phase/", {"phase": "review"}).status_code == 403
    assert alice.delete(url).status_code == 405


def test_frozen_settings_refused_through_the_api(
    client: Client, councillor_sam: Any, round_in_voting: Round
) -> None:
    response = login(client, councillor_sam).patch(
        f"/api/v1/rounds/{round_in_voting.pk}/", {"rule": "mes"}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "frozen" in response.json()["reason"]


def test_proposal_list_shape_and_filters(client: Client, review_round: Round) -> None:
    a = make_feasible(make_proposal(review_round, title="Benches", category="Parks"))
    make_proposal(review_round, title="CCTV", category="Streets")
    make_proposal(review_round, title="Gone", status=ProposalStatus.WITHDRAWN)
    data = client.get(f"/api/v1/rounds/{review_round.pk}/proposals/").json()
    assert data["count"] == 2
    item = data["results"][0]
    assert set(item) >= PROPOSAL_FIELDS
    assert item["id"] == a.pk and item["status"] == "feasible" and item["on_ballot"] is True
    assert item["review_reason"] == "Highways can do this."
    parks = client.get(f"/api/v1/rounds/{review_round.pk}/proposals/?category=Parks").json()
    assert [p["title"] for p in parks["results"]] == ["Benches"]
    gone = client.get(f"/api/v1/rounds/{review_round.pk}/proposals/?status=withdrawn").json()
    assert [p["title"] for p in gone["results"]] == ["Gone"]


def test_resident_proposes_through_the_api(
    client: Client, resident_alice: Any, proposals_round: Round
) -> None:
    url = f"/api/v1/rounds/{proposals_round.pk}/proposals/"
    body = {"title": "Community garden", "summary": "Raised beds", "description": "On the lot",
            "cost_pence": 800_000, "category": "Parks"}  # fmt: skip
    assert client.post(url, body, content_type="application/json").status_code == 403
    response = login(client, resident_alice).post(url, body, content_type="application/json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "submitted" and data["cost_pence"] == 800_000
    assert data["on_ballot"] is False and data["reviews"] == []
    zero = client.post(url, {**body, "cost_pence": 0}, content_type="application/json")
    assert zero.status_code == 400 and "at least £1" in zero.json()["reason"]


def test_api_refuses_proposals_outside_the_phase(
    client: Client, resident_alice: Any, review_round: Round
) -> None:
    response = login(client, resident_alice).post(
        f"/api/v1/rounds/{review_round.pk}/proposals/",
        {"title": "t", "summary": "s", "description": "d", "cost_pence": 1000},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "stopped taking proposals" in response.json()["reason"]


def test_review_through_the_api(
    client: Client, councillor_sam: Any, councillor_bob: Any, submitted_in_review: Proposal
) -> None:
    url = f"/api/v1/proposals/{submitted_in_review.pk}/review/"
    body = {"decision": "not_feasible", "reason": "The land is private."}
    bob = login(Client(), councillor_bob).post(url, body, content_type="application/json")
    assert bob.status_code == 403 and "Only councillors for Sparkbrook" in bob.json()["reason"]
    response = login(client, councillor_sam).post(url, body, content_type="application/json")
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == "not_feasible" and data["review_reason"] == "The land is private."
    assert data["reviews"][0]["decision"] == "not_feasible"
    detail = Client().get(f"/api/v1/proposals/{submitted_in_review.pk}/").json()
    assert detail["reviews"][0]["reason"] == "The land is private."


def test_merge_through_the_api(
    client: Client, councillor_sam: Any, submitted_in_review: Proposal
) -> None:
    dup = make_proposal(submitted_in_review.round, title="Lights again")
    login(client, councillor_sam)
    url = f"/api/v1/proposals/{dup.pk}/review/"
    missing = client.post(
        url, {"decision": "merged", "reason": "dup"}, content_type="application/json"
    )
    assert missing.status_code == 400
    assert "duplicates" in missing.json()["reason"]
    response = client.post(
        url, {"decision": "merged", "reason": "Same lamps", "merged_into": submitted_in_review.pk},
        content_type="application/json",
    )  # fmt: skip
    assert response.status_code == 200
    assert response.json()["status"] == "merged"
    assert response.json()["merged_into"] == submitted_in_review.pk


def test_the_schema_documents_the_budgets_api(client: Client) -> None:
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    for path in (
        "/api/v1/rounds/",
        "/api/v1/rounds/{round_id}/proposals/",
        "/api/v1/proposals/{proposal_id}/review/",
        "/api/v1/rounds/{round_id}/phase/",
    ):
        assert path in schema  # fmt: skip


def test_the_schema_is_generated_without_a_warning(tmp_path: Any) -> None:
    """A warning here is also a `check --deploy` warning, which fails CI: two choice fields of
    the same name (a review's and unspent money's "decision") must get distinct enum names."""
    from django.core.management import call_command

    out = tmp_path / "schema.yml"
    call_command("spectacular", "--fail-on-warn", "--file", str(out))
    schema = out.read_text()
    assert "ReviewDecisionEnum" in schema and "UnspentMoneyDecisionEnum" in schema
