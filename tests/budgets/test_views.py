"""Every page for each persona: anonymous, resident, the ward's councillor, another ward's
councillor, an auditor; with the 404/403/405 cases and the forms' validation."""

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

PERSONAS = ["anonymous", "resident_alice", "councillor_sam", "councillor_bob", "auditor_carol"]


@pytest.fixture
def as_persona(request: pytest.FixtureRequest, client: Client) -> Any:
    def make(name: str) -> Client:
        if name == "anonymous":
            return client
        return login(client, request.getfixturevalue(name))

    return make


def body(response: Any) -> str:
    return response.content.decode()


# --- round page -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_round_page_is_public(as_persona: Any, persona: str, proposals_round: Round) -> None:
    response = as_persona(persona).get(f"/rounds/{proposals_round.pk}/")
    assert response.status_code == 200
    text = body(response)
    assert proposals_round.title in text
    assert "£50,000" in text
    assert "Timeline" in text and "What is happening now" in text
    assert ("Councillor controls" in text) == (persona == "councillor_sam")
    assert ("Propose a project" in text) == (persona == "resident_alice")


@pytest.mark.parametrize(("persona", "status"), [
    ("anonymous", 404), ("resident_alice", 404), ("councillor_bob", 404), ("auditor_carol", 404),
    ("councillor_sam", 200), ("staff_dave", 200),
])  # fmt: skip
def test_draft_round_is_seen_only_by_its_managers(
    as_persona: Any, persona: str, status: int, draft_round: Round
) -> None:
    assert as_persona(persona).get(f"/rounds/{draft_round.pk}/").status_code == status
    assert as_persona(persona).get(f"/rounds/{draft_round.pk}/proposals/").status_code == status


def test_round_page_404_and_405(client: Client, proposals_round: Round) -> None:
    assert client.get("/rounds/999999/").status_code == 404
    assert client.post(f"/rounds/{proposals_round.pk}/").status_code == 405


def test_review_round_tells_councillors_what_blocks_voting(
    client: Client, councillor_sam: Any, submitted_in_review: Proposal
) -> None:
    text = body(login(client, councillor_sam).get(f"/rounds/{submitted_in_review.round_id}/"))
    assert "Voting cannot open yet" in text and "waits for a review" in text


# --- phase changes --------------------------------------------------------------------------


def test_councillor_moves_the_phase_from_the_page(
    client: Client, councillor_sam: Any, draft_round: Round
) -> None:
    url = f"/rounds/{draft_round.pk}/phase/"
    response = login(client, councillor_sam).post(url, {"phase": "proposals", "reason": "Go"})
    assert response.status_code == 302
    draft_round.refresh_from_db()
    assert draft_round.phase == Phase.PROPOSALS
    page = client.get(response["Location"])
    assert "now in the proposals open phase" in body(page)
    refused = client.post(url, {"phase": "closed"}, follow=True)
    assert "close_round" in body(refused)
    assert client.get(url).status_code == 405


@pytest.mark.parametrize(("persona", "status"), [
    ("anonymous", 302), ("resident_alice", 403), ("councillor_bob", 403), ("auditor_carol", 403),
])  # fmt: skip
def test_others_cannot_move_the_phase(
    as_persona: Any, persona: str, status: int, proposals_round: Round
) -> None:
    response = as_persona(persona).post(f"/rounds/{proposals_round.pk}/phase/", {"phase": "review"})
    assert response.status_code == status
    proposals_round.refresh_from_db()
    assert proposals_round.phase == Phase.PROPOSALS


# --- creating and editing rounds -----------------------------------------------------------

ROUND_POST = {
    "title": "Sparkbrook 2027", "description": "", "neighbourhood": "", "budget": "40,000",
    "categories_text": "Parks\nStreets\n", "ballot_type": "knapsack", "rule": "greedy",
    "sat": "cost", "eligible_live": "on", "min_age": "16", "allow_postcode_voting": "on",
    "allow_code_voting": "on", "seal_batch_size": "25",
}  # fmt: skip


def test_councillor_creates_a_round_from_the_browser(
    client: Client, councillor_sam: Any, sparkbrook: Ward
) -> None:
    login(client, councillor_sam)
    page = client.get("/rounds/new/sparkbrook/")
    assert page.status_code == 200
    assert "Which ballot types and counting rules go together" in body(page)
    response = client.post("/rounds/new/sparkbrook/", ROUND_POST)
    assert response.status_code == 302, body(response)
    round = Round.objects.get()
    assert round.budget_pence == 4_000_000 and round.categories == ["Parks", "Streets"]
    assert round.phase == Phase.DRAFT and not round.eligible_work
    assert Event.objects.filter(kind="round.created", round_id=round.pk).exists()


def test_round_form_refuses_invalid_combination_with_an_error_summary(
    client: Client, councillor_sam: Any, sparkbrook: Ward
) -> None:
    login(client, councillor_sam)
    response = client.post(
        "/rounds/new/sparkbrook/", {**ROUND_POST, "ballot_type": "ranked", "rule": "mes"}
    )
    assert response.status_code == 200
    text = body(response)
    assert "There is a problem" in text
    assert "cannot count ranked ballots" in text
    assert "Say how many projects each voter ranks." in text
    bad_budget = client.post("/rounds/new/sparkbrook/", {**ROUND_POST, "budget": "0"})
    assert "The budget must be more than £0." in body(bad_budget)
    assert not Round.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [
    ("anonymous", 302), ("resident_alice", 403), ("councillor_bob", 403), ("auditor_carol", 403),
])  # fmt: skip
def test_round_forms_are_for_the_wards_councillors(
    as_persona: Any, persona: str, status: int, proposals_round: Round
) -> None:
    c = as_persona(persona)
    assert c.get("/rounds/new/sparkbrook/").status_code == status
    assert c.post("/rounds/new/sparkbrook/", ROUND_POST).status_code == status
    assert c.get(f"/rounds/{proposals_round.pk}/edit/").status_code == status


def test_unknown_ward_is_404(client: Client, councillor_sam: Any) -> None:
    assert login(client, councillor_sam).get("/rounds/new/atlantis/").status_code == 404


def test_frozen_settings_are_locked_on_the_edit_page(
    client: Client, councillor_sam: Any, round_in_voting: Round
) -> None:
    login(client, councillor_sam)
    page = client.get(f"/rounds/{round_in_voting.pk}/edit/")
    assert "ballot settings are frozen" in body(page)
    response = client.post(
        f"/rounds/{round_in_voting.pk}/edit/",
        {**ROUND_POST, "rule": "mes", "title": "Renamed", "reason": "Typo"},
    )
    assert response.status_code == 302
    round_in_voting.refresh_from_db()
    assert round_in_voting.title == "Renamed"
    assert round_in_voting.rule == "greedy"  # the locked field kept its value
    assert round_in_voting.budget_pence == 5_000_000


# --- proposals list -------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_proposal_list_filters_sorts_and_paginates(
    as_persona: Any, persona: str, review_round: Round
) -> None:
    for n in range(22):
        cost = 100_000 + n
        make_proposal(
            review_round,
            title=f"Bench {n:02d}",
            category="Parks",
            estimated_cost_pence=cost,
            cost_pence=cost,
        )
    make_feasible(make_proposal(review_round, title="Street lights", category="Streets"))
    c = as_persona(persona)
    url = f"/rounds/{review_round.pk}/proposals/"
    first = body(c.get(url))
    assert "23 proposals" in first and "Page 1 of 2" in first
    streets = body(c.get(url + "?category=Streets"))
    assert "1 proposal" in streets and "Street lights" in streets and "Bench 00" not in streets
    feasible = body(c.get(url + "?status=feasible"))
    assert "Street lights" in feasible and "Bench" not in feasible
    cheap_first = body(c.get(url + "?sort=cost_low"))
    assert cheap_first.index("Bench 00") < cheap_first.index("Bench 01")
    page2 = body(c.get(url + "?sort=cost_low&page=2"))
    assert "Page 2 of 2" in page2 and "sort=cost_low" in page2


def test_htmx_gets_only_the_results_partial(client: Client, review_round: Round) -> None:
    make_proposal(review_round, title="Community garden")
    response = client.get(f"/rounds/{review_round.pk}/proposals/", HTTP_HX_REQUEST="true")
    text = body(response)
    assert "Community garden" in text
    assert "<html" not in text and 'id="results"' in text


def test_proposal_list_405(client: Client, review_round: Round) -> None:
    assert client.post(f"/rounds/{review_round.pk}/proposals/").status_code == 405


# --- new proposal ---------------------------------------------------------------------------

PROPOSAL_POST = {
    "title": "Timebank hub", "summary": "A shop front where neighbours swap hours.",
    "description": "Rent and fit-out for a year.", "cost": "£12,500.50", "category": "Parks",
    "location": "Stratford Road",
}  # fmt: skip


def test_resident_proposes_from_the_browser(
    client: Client, resident_alice: Any, proposals_round: Round
) -> None:
    login(client, resident_alice)
    url = f"/rounds/{proposals_round.pk}/proposals/new/"
    assert client.get(url).status_code == 200
    response = client.post(url, PROPOSAL_POST)
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    assert proposal.estimated_cost_pence == 1_250_050
    assert response["Location"] == f"/proposals/{proposal.pk}/"
    assert "Change your proposal" in body(client.get(response["Location"]))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cost": "0"}, "The cost must be at least £1."),
        ({"cost": "50,000.01"}, "whole budget of £50,000"),
        ({"cost": "lots"}, "Enter an amount in pounds"),
        ({"cost": "12.345"}, "at most two decimal places"),
        ({"title": "x" * 10_000}, "at most 120 characters"),
        ({"title": ""}, "This field is required."),
        ({"category": "Moon"}, "Select a valid choice"),
    ],
)
def test_proposal_form_validation(
    client: Client,
    resident_alice: Any,
    proposals_round: Round,
    changes: dict[str, str],
    message: str,
) -> None:
    response = login(client, resident_alice).post(
        f"/rounds/{proposals_round.pk}/proposals/new/", {**PROPOSAL_POST, **changes}
    )
    assert response.status_code == 200
    text = body(response)
    assert "There is a problem" in text and message in text
    assert not Proposal.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [
    ("anonymous", 302), ("councillor_sam", 403), ("councillor_bob", 403), ("auditor_carol", 403),
])  # fmt: skip
def test_only_residents_get_the_proposal_form(
    as_persona: Any, persona: str, status: int, proposals_round: Round
) -> None:
    c = as_persona(persona)
    url = f"/rounds/{proposals_round.pk}/proposals/new/"
    assert c.get(url).status_code == status
    assert c.post(url, PROPOSAL_POST).status_code == status
    assert not Proposal.objects.exists()


def test_proposal_form_explains_when_proposals_are_closed(
    client: Client, resident_alice: Any, review_round: Round
) -> None:
    login(client, resident_alice)
    url = f"/rounds/{review_round.pk}/proposals/new/"
    page = client.get(url)
    assert page.status_code == 200 and "stopped taking proposals" in body(page)
    assert client.post(url, PROPOSAL_POST).status_code == 200
    assert not Proposal.objects.exists()


# --- proposal page, edit and withdraw ------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_proposal_page_shows_the_review_history(
    as_persona: Any, persona: str, submitted_in_review: Proposal
) -> None:
    make_feasible(submitted_in_review)
    response = as_persona(persona).get(f"/proposals/{submitted_in_review.pk}/")
    assert response.status_code == 200
    text = body(response)
    assert submitted_in_review.title in text
    assert "Highways can do this." in text and "£12,000" in text
    assert ("Review this proposal" in text) == (persona == "councillor_sam")
    assert "Change your proposal" not in text


def test_proposal_page_404_405(client: Client, sparkbrook: Ward) -> None:
    assert client.get("/proposals/999999/").status_code == 404
    draft = make_round(sparkbrook, Phase.DRAFT)
    assert client.get(f"/proposals/{make_proposal(draft).pk}/").status_code == 404
    assert client.post(f"/proposals/{make_proposal(draft).pk}/").status_code == 405


def test_proposer_edits_and_withdraws(
    client: Client, resident_alice: Any, alices_proposal: Proposal
) -> None:
    login(client, resident_alice)
    edit = f"/proposals/{alices_proposal.pk}/edit/"
    page = client.get(edit)
    assert page.status_code == 200 and 'value="12000"' in body(page)
    response = client.post(edit, {**PROPOSAL_POST, "title": "Brighter lights"})
    assert response.status_code == 302
    alices_proposal.refresh_from_db()
    assert alices_proposal.title == "Brighter lights"
    withdraw = f"/proposals/{alices_proposal.pk}/withdraw/"
    assert client.get(withdraw).status_code == 200
    assert client.post(withdraw, {"reason": "Funded elsewhere"}).status_code == 302
    alices_proposal.refresh_from_db()
    assert alices_proposal.status == ProposalStatus.WITHDRAWN
    too_late = client.get(edit, follow=True)
    assert "withdrawn, so it cannot be changed" in body(too_late)


@pytest.mark.parametrize(("persona", "status"), [
    ("anonymous", 302), ("councillor_sam", 403), ("councillor_bob", 403), ("auditor_carol", 403),
])  # fmt: skip
def test_only_the_proposer_edits_or_withdraws(
    as_persona: Any, persona: str, status: int, alices_proposal: Proposal
) -> None:
    c = as_persona(persona)
    for action in ("edit", "withdraw"):
        assert c.get(f"/proposals/{alices_proposal.pk}/{action}/").status_code == status
        assert (
            c.post(f"/proposals/{alices_proposal.pk}/{action}/", PROPOSAL_POST).status_code
            == status
        )
    alices_proposal.refresh_from_db()
    assert alices_proposal.status == ProposalStatus.SUBMITTED


def test_editing_after_proposals_close_is_explained(
    client: Client, resident_alice: Any, submitted_in_review: Proposal
) -> None:
    response = login(client, resident_alice).get(
        f"/proposals/{submitted_in_review.pk}/edit/", follow=True
    )
    assert "only until review starts" in body(response)


def test_edit_and_withdraw_refuse_other_methods(
    client: Client, resident_alice: Any, alices_proposal: Proposal
) -> None:
    login(client, resident_alice)
    assert client.put(f"/proposals/{alices_proposal.pk}/edit/").status_code == 405
    assert client.delete(f"/proposals/{alices_proposal.pk}/withdraw/").status_code == 405


# --- reviews --------------------------------------------------------------------------------


def test_councillor_reviews_from_the_browser(
    client: Client, councillor_sam: Any, submitted_in_review: Proposal
) -> None:
    login(client, councillor_sam)
    url = f"/proposals/{submitted_in_review.pk}/review/"
    assert client.get(url).status_code == 200
    missing = client.post(url, {"decision": "feasible_changed_cost", "reason": "Quote"})
    assert "Enter the new cost in pounds." in body(missing)
    no_reason = client.post(url, {"decision": "feasible"})
    assert "There is a problem" in body(no_reason)
    response = client.post(
        url, {"decision": "feasible_changed_cost", "new_cost": "15,000", "reason": "Quote"}
    )
    assert response.status_code == 302
    submitted_in_review.refresh_from_db()
    assert submitted_in_review.cost_pence == 1_500_000 and submitted_in_review.on_ballot
    page = body(client.get(f"/proposals/{submitted_in_review.pk}/"))
    assert "Feasible with a changed cost" in page and "Quote" in page


def test_merge_from_the_browser(
    client: Client, councillor_sam: Any, submitted_in_review: Proposal
) -> None:
    dup = make_proposal(submitted_in_review.round, title="Lamps again")
    login(client, councillor_sam)
    response = client.post(
        f"/proposals/{dup.pk}/review/",
        {"decision": "merged", "merged_into": submitted_in_review.pk, "reason": "Same road"},
    )
    assert response.status_code == 302
    dup.refresh_from_db()
    assert dup.merged_into == submitted_in_review
    assert "merged into" in body(client.get(f"/proposals/{dup.pk}/"))


@pytest.mark.parametrize(("persona", "status"), [
    ("anonymous", 302), ("resident_alice", 403), ("councillor_bob", 403), ("auditor_carol", 403),
])  # fmt: skip
def test_only_the_wards_councillors_review(
    as_persona: Any, persona: str, status: int, submitted_in_review: Proposal
) -> None:
    c = as_persona(persona)
    url = f"/proposals/{submitted_in_review.pk}/review/"
    assert c.get(url).status_code == status
    assert c.post(url, {"decision": "feasible", "reason": "ok"}).status_code == status
    assert not submitted_in_review.reviews.exists()


def test_review_outside_the_review_phase_is_explained(
    client: Client, councillor_sam: Any, alices_proposal: Proposal
) -> None:
    response = login(client, councillor_sam).get(
        f"/proposals/{alices_proposal.pk}/review/", follow=True
    )
    assert "once the review phase starts" in body(response)


def test_review_page_shows_the_current_decision(
    client: Client, councillor_sam: Any, submitted_in_review: Proposal
) -> None:
    make_feasible(submitted_in_review)
    response = login(client, councillor_sam).get(f"/proposals/{submitted_in_review.pk}/review/")
    assert response.status_code == 200
    assert "Already reviewed: Feasible (Highways can do this.)" in body(response)
