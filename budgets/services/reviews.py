"""Councillors' reviews: decide each proposal (feasible, at a changed cost, not feasible) or
merge a duplicate, with a public reason. decide_review is the one entry point pages and the API
call; it dispatches to review_proposal or merge_proposals."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

import audit
from audit import kinds
from budgets.models import (
    Phase,
    Proposal,
    ProposalStatus,
    Review,
    ReviewDecision,
    UserLike,
)
from budgets.services._common import _actor, _check_cost, _clean_reason
from wards import access
from wards.access import Action
from wards.models import Role


def _require_review(by: UserLike, proposal: Proposal) -> None:
    access.require(by, Action.REVIEW, proposal.round.ward)
    round = proposal.round
    if round.phase == Phase.CANCELLED:
        raise ValidationError("This round was cancelled, so its proposals are not reviewed.")
    if round.phase != Phase.REVIEW:
        order = round.phase_order
        if order.index(round.phase) < order.index(Phase.REVIEW):
            raise ValidationError("Proposals can be reviewed once the review phase starts.")
        raise ValidationError("The review phase has ended, so decisions can no longer change.")
    if not proposal.standing:
        raise ValidationError(
            f"This proposal was {proposal.get_status_display().lower()}, so it cannot be reviewed."
        )


REVIEW_STATUS = {
    ReviewDecision.FEASIBLE: ProposalStatus.FEASIBLE,
    ReviewDecision.FEASIBLE_CHANGED_COST: ProposalStatus.FEASIBLE,
    ReviewDecision.NOT_FEASIBLE: ProposalStatus.NOT_FEASIBLE,
}


@transaction.atomic
def review_proposal(
    proposal: Proposal,
    *,
    by: UserLike,
    decision: str,
    reason: str,
    new_cost_pence: int | None = None,
) -> Review:
    """A councillor of the ward decides: feasible, feasible at a changed cost, or not feasible.

    The reason is public. A later review replaces the decision; the history keeps both.
    """
    proposal = (
        Proposal.objects.select_for_update().select_related("round__ward").get(pk=proposal.pk)
    )
    _require_review(by, proposal)
    if decision == ReviewDecision.MERGED:
        raise ValidationError(
            {"decision": "To merge a duplicate, say which proposal it duplicates (merge)."}
        )
    if decision not in REVIEW_STATUS:
        raise ValidationError(
            {"decision": "Choose feasible, feasible with a changed cost, or not feasible."}
        )
    reason = _clean_reason(reason, required=True, what="the reason for the decision")
    round = proposal.round
    if decision == ReviewDecision.FEASIBLE_CHANGED_COST:
        _check_cost(round, new_cost_pence, "new_cost_pence")
        assert new_cost_pence is not None
        proposal.cost_pence = new_cost_pence
    else:
        if new_cost_pence is not None:
            raise ValidationError(
                {"new_cost_pence": "Give a new cost only with 'feasible with a changed cost'."}
            )
        proposal.cost_pence = proposal.estimated_cost_pence
    last = proposal.reviews.order_by("-pk").first()
    if (
        last is not None
        and (last.reviewer_id, last.decision, last.reason, last.new_cost_pence)
        == (by.pk, decision, reason, new_cost_pence)
        and proposal.status == REVIEW_STATUS[ReviewDecision(decision)]
    ):
        return last  # the same decision sent again (a double click): nothing new to record
    proposal.status = REVIEW_STATUS[ReviewDecision(decision)]
    proposal.review_reason = reason
    proposal.save(update_fields=["status", "cost_pence", "review_reason", "updated_at"])
    review = Review.objects.create(
        proposal=proposal,
        reviewer=by,
        decision=decision,
        reason=reason,
        new_cost_pence=new_cost_pence,
    )
    audit.record(
        kinds.PROPOSAL_REVIEWED,
        ward=round.ward,
        round=round,
        actor=_actor(by, round.ward, Role.COUNCILLOR),
        payload={
            "proposal": proposal.pk,
            "title": proposal.title,
            "decision": decision,
            "reason": reason,
            "cost_pence": proposal.cost_pence,
        },
    )
    return review


@transaction.atomic
def merge_proposals(duplicate: Proposal, into: Proposal, *, by: UserLike, reason: str) -> Review:
    """Merge a duplicate into another proposal of the same round, with a public reason."""
    duplicate = (
        Proposal.objects.select_for_update().select_related("round__ward").get(pk=duplicate.pk)
    )
    into = Proposal.objects.select_for_update().get(pk=into.pk)
    _require_review(by, duplicate)
    if into.round_id != duplicate.round_id:
        raise ValidationError({"merged_into": "Merge only proposals in the same round."})
    if into.pk == duplicate.pk:
        raise ValidationError({"merged_into": "A proposal cannot be merged into itself."})
    if not into.standing:
        raise ValidationError(
            {
                "merged_into": "That proposal was "
                f"{into.get_status_display().lower()}; merge into one that is still standing."
            }
        )
    reason = _clean_reason(reason, required=True, what="the reason for merging")
    round = duplicate.round
    # Anything merged into the duplicate earlier now points at the surviving proposal.
    moved = list(duplicate.merged_from.values_list("pk", flat=True))
    duplicate.merged_from.update(merged_into=into)
    duplicate.status = ProposalStatus.MERGED
    duplicate.merged_into = into
    duplicate.review_reason = reason
    duplicate.save(update_fields=["status", "merged_into", "review_reason", "updated_at"])
    review = Review.objects.create(
        proposal=duplicate,
        reviewer=by,
        decision=ReviewDecision.MERGED,
        reason=reason,
        merged_into=into,
    )
    audit.record(
        kinds.PROPOSAL_MERGED,
        ward=round.ward,
        round=round,
        actor=_actor(by, round.ward, Role.COUNCILLOR),
        payload={
            "proposal": duplicate.pk,
            "title": duplicate.title,
            "merged_into": into.pk,
            "reason": reason,
            "also_moved": moved,
        },
    )
    return review


def can_review_now(user: UserLike, proposal: Proposal) -> bool:
    """Whether the user may review the proposal now (the page shows the button if so)."""
    try:
        _require_review(user, proposal)
    except (PermissionDenied, ValidationError):
        return False
    return True


def require_can_review(user: UserLike, proposal: Proposal) -> None:
    """Raise unless the user may review the proposal now (pages check before a form)."""
    _require_review(user, proposal)


def decide_review(
    proposal: Proposal,
    *,
    by: UserLike,
    decision: str,
    reason: str,
    new_cost_pence: int | None = None,
    merged_into: Proposal | int | None = None,
) -> Review:
    """Record a reviewer's decision, whichever it is: merging a duplicate (merged_into is the
    surviving proposal or its id) or feasible / feasible at new_cost_pence / not feasible.

    A new cost is taken only with 'feasible with a changed cost' and a merge target only with
    'merged'; the page's form and the API both pass what they were given and let this decide.
    """
    if decision == ReviewDecision.MERGED:
        if not merged_into:
            raise ValidationError(
                {"merged_into": "Say which proposal this one duplicates (its id)."}
            )
        if isinstance(merged_into, Proposal):
            target = merged_into
        else:
            found = Proposal.objects.filter(pk=merged_into).first()
            if found is None:
                raise ValidationError({"merged_into": "There is no proposal with that id."})
            target = found
        return merge_proposals(proposal, target, by=by, reason=reason)
    return review_proposal(
        proposal, by=by, decision=decision, reason=reason, new_cost_pence=new_cost_pence
    )
