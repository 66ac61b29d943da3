"""The rules of rounds and proposals, each phase's refusals, and the ledger events they leave."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import Event
from budgets import services
from budgets.models import Phase, Proposal, ProposalStatus, Round
from tests.budgets.conftest import ago, ahead, make_feasible, make_proposal, make_round
from wards.models import Ward

pytestmark = pytest.mark.django_db

GOOD = {
    "title": "A youth club on Stratford Road",
    "summary": "Two evenings a week for 11 to 16 year olds.",
    "description": "Rent, two youth workers and equipment for a year.",
    "estimated_cost_pence": 1_500_000,
    "category": "Young people",
}


def kinds() -> list[str]:
    return list(Event.objects.values_list("kind", flat=True))


def last_event(kind: str) -> Event:
    event = Event.objects.filter(kind=kind).last()
    assert event is not None, f"no {kind} event"
    return event


# --- rounds ---------------------------------------------------------------------------------


def test_councillor_creates_a_draft_round_with_the_wards_chest(
    councillor_sam: Any, sparkbrook: Ward
) -> None:
    round = services.create_round(sparkbrook, by=councillor_sam, title="Sparkbrook 2026")
    assert round.phase == Phase.DRAFT
    assert round.budget_pence == sparkbrook.chest_pence
    event = last_event("round.created")
    assert event.round_id == round.pk and event.ward == "sparkbrook"
    assert event.actor_role == "councillor"
    assert event.payload["ballot_type"] == "knapsack"


def test_councillor_of_another_ward_cannot_create_a_round(
    councillor_bob: Any, sparkbrook: Ward
) -> None:
    with pytest.raises(PermissionDenied, match="Only councillors for Sparkbrook"):
        services.create_round(sparkbrook, by=councillor_bob, title="Not mine")
    assert not Round.objects.exists()
    assert kinds() == []


def test_residents_and_auditors_cannot_create_rounds(
    resident_alice: Any, auditor_carol: Any, sparkbrook: Ward
) -> None:
    for person in (resident_alice, auditor_carol):
        with pytest.raises(PermissionDenied):
            services.create_round(sparkbrook, by=person, title="x")


def test_staff_create_rounds_and_are_recorded_as_staff(staff_dave: Any, sparkbrook: Ward) -> None:
    services.create_round(sparkbrook, by=staff_dave, title="By staff", budget_pence=500_000)
    assert last_event("round.created").actor_role == "staff"


def test_invalid_ballot_rule_combination_is_refused(councillor_sam: Any, sparkbrook: Ward) -> None:
    with pytest.raises(ValidationError) as err:
        services.create_round(
            sparkbrook, by=councillor_sam, title="x", ballot_type="ranked", rule="mes"
        )
    assert "rule" in err.value.message_dict


def test_unknown_setting_is_refused(councillor_sam: Any, sparkbrook: Ward) -> None:
    with pytest.raises(ValidationError):
        services.create_round(sparkbrook, by=councillor_sam, title="x", phase="voting")


def test_update_round_records_changes_with_the_reason(
    councillor_sam: Any, draft_round: Round
) -> None:
    services.update_round(
        draft_round, by=councillor_sam, reason="Approval is simpler", ballot_type="approval",
        min_choices=1, max_choices=5,
    )  # fmt: skip
    draft_round.refresh_from_db()
    assert draft_round.ballot_type == "approval"
    event = last_event("round.updated")
    assert event.payload == {
        "changed": {"ballot_type": "approval", "max_choices": 5, "min_choices": 1},
        "reason": "Approval is simpler",
    }


def test_ballot_setting_cannot_change_after_voting_opened(
    councillor_sam: Any, review_round: Round, resident_alice: Any
) -> None:
    make_feasible(make_proposal(review_round, resident_alice))
    services.change_phase(review_round, Phase.VOTING, by=councillor_sam, reason="Ready")
    review_round.refresh_from_db()
    with pytest.raises(ValidationError) as err:
        services.update_round(review_round, by=councillor_sam, ballot_type="approval")
    assert "frozen" in err.value.message_dict["ballot_type"][0]
    with pytest.raises(ValidationError):
        services.update_round(review_round, by=councillor_sam, budget_pence=100)
    # Words around the vote may still be corrected.
    services.update_round(review_round, by=councillor_sam, title="Sparkbrook's big vote")
    review_round.refresh_from_db()
    assert review_round.ballot_type == "knapsack"
    assert review_round.title == "Sparkbrook's big vote"


def test_closed_rounds_refuse_every_change(councillor_sam: Any, sparkbrook: Ward) -> None:
    round = make_round(sparkbrook, Phase.CLOSED)
    with pytest.raises(ValidationError, match="ended"):
        services.update_round(round, by=councillor_sam, title="new")


# --- phases ---------------------------------------------------------------------------------


def test_phases_move_one_step_and_are_recorded(councillor_sam: Any, draft_round: Round) -> None:
    round = services.change_phase(
        draft_round, Phase.PROPOSALS, by=councillor_sam, reason="Launch night"
    )
    assert round.phase == Phase.PROPOSALS
    event = last_event("round.phase_changed")
    assert event.payload == {
        "from": "draft",
        "to": "proposals",
        "reason": "Launch night",
        "scheduled": False,
    }
    with pytest.raises(ValidationError, match="one step at a time"):
        services.change_phase(round, Phase.VOTING, by=councillor_sam)
    with pytest.raises(ValidationError, match="one step at a time"):
        services.change_phase(round, Phase.DRAFT, by=councillor_sam)
    with pytest.raises(ValidationError, match="already"):
        services.change_phase(round, Phase.PROPOSALS, by=councillor_sam)


@pytest.mark.parametrize(
    ("to", "service"), [("closed", "close_round"), ("published", "publish_round")]
)
def test_closed_and_published_are_left_to_the_ballots_app(
    councillor_sam: Any, round_in_voting: Round, to: str, service: str
) -> None:
    with pytest.raises(ValidationError, match=service):
        services.change_phase(round_in_voting, to, by=councillor_sam)


def test_voting_waits_for_every_review_and_a_feasible_project(
    councillor_sam: Any, submitted_in_review: Proposal
) -> None:
    round = submitted_in_review.round
    with pytest.raises(ValidationError) as err:
        services.change_phase(round, Phase.VOTING, by=councillor_sam)
    text = " ".join(err.value.messages)
    assert "1 proposal still waits for a review" in text
    assert "ballot would be empty" in text


def test_opening_voting_freezes_the_settings_in_the_ledger(
    councillor_sam: Any, submitted_in_review: Proposal
) -> None:
    make_feasible(submitted_in_review)
    round = services.change_phase(
        submitted_in_review.round, Phase.VOTING, by=councillor_sam, reason="Reviews done"
    )
    assert round.settings_frozen_at is not None
    assert kinds()[-2:] == ["round.phase_changed", "round.settings_frozen"]
    frozen = last_event("round.settings_frozen")
    assert frozen.payload["settings"]["rule"] == "greedy"
    assert frozen.payload["ballot"] == [submitted_in_review.pk]


def test_another_wards_councillor_cannot_change_phase(
    councillor_bob: Any, resident_alice: Any, draft_round: Round
) -> None:
    for person in (councillor_bob, resident_alice):
        with pytest.raises(PermissionDenied):
            services.change_phase(draft_round, Phase.PROPOSALS, by=person)


def test_enter_result_phase_is_the_ballots_apps_way_in(round_in_voting: Round) -> None:
    round = services.enter_result_phase(round_in_voting, Phase.CLOSED, by=None)
    assert round.phase == Phase.CLOSED
    assert last_event("round.phase_changed").actor_role == "system"
    with pytest.raises(ValidationError):
        services.enter_result_phase(round, Phase.CLOSED, by=None)
    assert services.enter_result_phase(round, Phase.PUBLISHED, by=None).phase == Phase.PUBLISHED


def test_enter_result_phase_refuses_skipping_voting(review_round: Round) -> None:
    with pytest.raises(ValidationError):
        services.enter_result_phase(review_round, Phase.CLOSED, by=None)


# --- proposals ------------------------------------------------------------------------------


def test_resident_submits_a_proposal_and_the_ledger_has_no_personal_data(
    resident_alice: Any, proposals_round: Round
) -> None:
    proposal = services.submit_proposal(proposals_round, by=resident_alice, **GOOD)
    assert proposal.status == ProposalStatus.SUBMITTED
    assert proposal.cost_pence == proposal.estimated_cost_pence == 1_500_000
    event = last_event("proposal.submitted")
    assert event.actor_role == "resident"
    body = json.dumps(event.payload) + event.body + event.actor_id
    for personal in ("alice", "Alice", "Ahmed"):
        assert personal not in body
    assert event.payload["title"] == GOOD["title"]


def test_no_proposal_after_the_deadline(resident_alice: Any, sparkbrook: Ward) -> None:
    round = make_round(sparkbrook, Phase.PROPOSALS, proposals_end=ago(minutes=1))
    with pytest.raises(ValidationError, match="deadline for proposals was"):
        services.submit_proposal(round, by=resident_alice, **GOOD)
    assert not Proposal.objects.exists()


def test_no_proposal_before_proposals_open(resident_alice: Any, sparkbrook: Ward) -> None:
    round = make_round(sparkbrook, Phase.PROPOSALS, proposals_start=ahead(days=1))
    with pytest.raises(ValidationError, match="Proposals open on"):
        services.submit_proposal(round, by=resident_alice, **GOOD)


@pytest.mark.parametrize(
    ("phase", "message"),
    [
        ("draft", "not taking proposals yet"),
        ("review", "stopped taking proposals"),
        ("voting", "stopped taking proposals"),
        ("published", "stopped taking proposals"),
    ],
)
def test_no_proposal_outside_the_proposals_phase(
    resident_alice: Any, sparkbrook: Ward, phase: str, message: str
) -> None:
    round = make_round(sparkbrook, phase)
    with pytest.raises(ValidationError, match=message):
        services.submit_proposal(round, by=resident_alice, **GOOD)


@pytest.mark.parametrize(
    ("cost", "message"), [(0, "at least £1"), (99, "at least £1"), (5_000_001, "£50,000")]
)
def test_cost_between_one_pound_and_the_budget(
    resident_alice: Any, proposals_round: Round, cost: int, message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        services.submit_proposal(
            proposals_round, by=resident_alice, **{**GOOD, "estimated_cost_pence": cost}
        )


def test_overlong_title_and_unknown_category_are_refused(
    resident_alice: Any, proposals_round: Round
) -> None:
    with pytest.raises(ValidationError) as err:
        services.submit_proposal(
            proposals_round, by=resident_alice, **{**GOOD, "title": "x" * 10_000}
        )
    assert "title" in err.value.message_dict
    with pytest.raises(ValidationError, match="Choose one of this round's categories"):
        services.submit_proposal(proposals_round, by=resident_alice, **{**GOOD, "category": "Moon"})


def test_only_residents_of_the_ward_propose(
    councillor_sam: Any, auditor_carol: Any, staff_dave: Any, aston: Ward, resident_alice: Any
) -> None:
    aston_round = make_round(aston, Phase.PROPOSALS)
    for person in (councillor_sam, auditor_carol, staff_dave):
        with pytest.raises(PermissionDenied):
            services.submit_proposal(aston_round, by=person, **GOOD)
    with pytest.raises(PermissionDenied, match="Only residents of Aston"):
        services.submit_proposal(aston_round, by=resident_alice, **GOOD)


def test_proposer_edits_until_review(resident_alice: Any, alices_proposal: Proposal) -> None:
    services.edit_proposal(alices_proposal, by=resident_alice, estimated_cost_pence=900_000)
    alices_proposal.refresh_from_db()
    assert alices_proposal.cost_pence == 900_000
    assert last_event("proposal.edited").payload["changed"] == ["estimated_cost_pence"]
    Round.objects.filter(pk=alices_proposal.round_id).update(phase=Phase.REVIEW)
    alices_proposal.refresh_from_db()
    with pytest.raises(ValidationError, match="only until review starts"):
        services.edit_proposal(alices_proposal, by=resident_alice, title="Later")


def test_only_the_proposer_edits_or_withdraws(
    councillor_sam: Any, staff_dave: Any, alices_proposal: Proposal
) -> None:
    for person in (councillor_sam, staff_dave):
        with pytest.raises(PermissionDenied, match="Only the person who proposed"):
            services.edit_proposal(alices_proposal, by=person, title="Hijacked")
        with pytest.raises(PermissionDenied):
            services.withdraw_proposal(alices_proposal, by=person)


def test_withdraw_is_recorded_and_final(resident_alice: Any, alices_proposal: Proposal) -> None:
    services.withdraw_proposal(alices_proposal, by=resident_alice, reason="Found funding")
    alices_proposal.refresh_from_db()
    assert alices_proposal.status == ProposalStatus.WITHDRAWN
    assert last_event("proposal.withdrawn").payload["reason"] == "Found funding"
    with pytest.raises(ValidationError, match="withdrawn"):
        services.withdraw_proposal(alices_proposal, by=resident_alice)


# --- reviews --------------------------------------------------------------------------------


def test_councillor_reviews_with_a_public_reason(
    councillor_sam: Any, submitted_in_review: Proposal
) -> None:
    services.review_proposal(
        submitted_in_review, by=councillor_sam, decision="feasible_changed_cost",
        reason="Highways quote is higher", new_cost_pence=1_500_000,
    )  # fmt: skip
    submitted_in_review.refresh_from_db()
    assert submitted_in_review.status == ProposalStatus.FEASIBLE
    assert submitted_in_review.on_ballot
    assert submitted_in_review.cost_pence == 1_500_000
    assert submitted_in_review.estimated_cost_pence == 1_200_000
    assert submitted_in_review.review_reason == "Highways quote is higher"
    event = last_event("proposal.reviewed")
    assert event.payload["decision"] == "feasible_changed_cost"
    assert event.payload["reason"] == "Highways quote is higher"
    assert event.actor_role == "councillor"
    # A later decision replaces it; the history keeps both.
    services.review_proposal(
        submitted_in_review, by=councillor_sam, decision="not_feasible", reason="Private land"
    )
    submitted_in_review.refresh_from_db()
    assert submitted_in_review.status == ProposalStatus.NOT_FEASIBLE
    assert submitted_in_review.cost_pence == 1_200_000
    assert submitted_in_review.reviews.count() == 2


def test_review_needs_a_reason_and_a_new_cost(
    councillor_sam: Any, submitted_in_review: Proposal
) -> None:
    with pytest.raises(ValidationError, match="reason"):
        services.review_proposal(
            submitted_in_review, by=councillor_sam, decision="feasible", reason=" "
        )
    with pytest.raises(ValidationError, match="Enter the cost"):
        services.review_proposal(
            submitted_in_review, by=councillor_sam, decision="feasible_changed_cost", reason="x"
        )
    with pytest.raises(ValidationError):
        services.review_proposal(
            submitted_in_review, by=councillor_sam, decision="maybe", reason="x"
        )


def test_councillor_of_another_ward_cannot_review(
    councillor_bob: Any, resident_alice: Any, auditor_carol: Any, submitted_in_review: Proposal
) -> None:
    for person in (councillor_bob, resident_alice, auditor_carol):
        with pytest.raises(PermissionDenied):
            services.review_proposal(
                submitted_in_review, by=person, decision="feasible", reason="Looks fine"
            )
    assert not submitted_in_review.reviews.exists()


def test_no_review_outside_the_review_phase(councillor_sam: Any, alices_proposal: Proposal) -> None:
    with pytest.raises(ValidationError, match="once the review phase starts"):
        services.review_proposal(
            alices_proposal, by=councillor_sam, decision="feasible", reason="ok"
        )


def test_merge_duplicates(
    councillor_sam: Any, submitted_in_review: Proposal, resident_alice: Any
) -> None:
    duplicate = make_proposal(submitted_in_review.round, resident_alice, title="More lights")
    services.merge_proposals(duplicate, submitted_in_review, by=councillor_sam, reason="Same road")
    duplicate.refresh_from_db()
    assert duplicate.status == ProposalStatus.MERGED
    assert duplicate.merged_into == submitted_in_review
    assert last_event("proposal.merged").payload["merged_into"] == submitted_in_review.pk
    with pytest.raises(ValidationError):
        services.merge_proposals(
            submitted_in_review, submitted_in_review, by=councillor_sam, reason="x"
        )
    with pytest.raises(ValidationError, match="merged"):
        services.review_proposal(duplicate, by=councillor_sam, decision="feasible", reason="x")


def test_merge_only_within_a_round(
    councillor_sam: Any, submitted_in_review: Proposal, sparkbrook: Ward
) -> None:
    other = make_proposal(make_round(sparkbrook, Phase.REVIEW, title="Other"))
    with pytest.raises(ValidationError, match="same round"):
        services.merge_proposals(submitted_in_review, other, by=councillor_sam, reason="x")
