"""Whether a round is ready for voting to open: every reason it is not, in words a councillor
can act on (the round page lists them; change_phase refuses with them)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Min
from django.utils import timezone

from budgets.hooks import get_test_count
from budgets.models import ProposalStatus, Round
from budgets.services._common import _full_clean
from budgets.services.display import when
from wards.money import format_pence


def voting_blockers(round: Round) -> list[str]:
    """What stops voting from opening, in words; empty when the round is ready."""
    problems: list[str] = []
    waiting = round.proposals.filter(status=ProposalStatus.SUBMITTED).count()
    if waiting:
        problems.append(
            f"{waiting} proposal{'s' if waiting != 1 else ''} still "
            f"{'wait' if waiting != 1 else 'waits'} for a review."
        )
    cheapest = round.proposals.on_ballot().aggregate(cost=Min("cost_pence"))["cost"]
    if cheapest is None:
        problems.append("No proposal has been found feasible, so the ballot would be empty.")
    elif cheapest > round.budget_pence:
        problems.append(
            "No project on the ballot fits the budget: the cheapest costs "
            f"{format_pence(cheapest)}, more than the round's budget of "
            f"{format_pence(round.budget_pence)}. Raise the budget or lower a cost in review."
        )
    if round.voting_start is not None and round.voting_start > timezone.now():
        problems.append(
            f"Voting is set to open on {when(round.voting_start)}. To open it now, change the "
            "voting start date first."
        )
    if round.voting_end is not None and round.voting_end <= timezone.now():
        problems.append(
            f"The voting end date ({when(round.voting_end)}) has passed. Set a later one first."
        )
    try:
        _full_clean(round)
    except ValidationError as exc:
        problems.extend(exc.messages)
    test_count = get_test_count()
    if test_count is not None and (problem := test_count[0](round)) is not None:
        problems.append(problem)
    return problems
