"""Whether a round is ready for voting to open: every reason it is not, in words a councillor
can act on (the round page lists them; change_phase refuses with them)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Min
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from budgets.hooks import get_test_count
from budgets.models import ProposalStatus, Round
from budgets.services._common import _full_clean
from budgets.services.display import when
from wards.numbers import display_pence


def voting_blockers(round: Round) -> list[str]:
    """What stops voting from opening, in words; empty when the round is ready."""
    problems: list[str] = []
    waiting = round.proposals.filter(status=ProposalStatus.SUBMITTED).count()
    if waiting:
        problems.append(
            ngettext(
                "%(count)s proposal still waits for a review.",
                "%(count)s proposals still wait for a review.",
                waiting,
            )
            % {"count": waiting}
        )
    cheapest = round.proposals.on_ballot().aggregate(cost=Min("cost_pence"))["cost"]
    if cheapest is None:
        problems.append(
            gettext("No proposal has been found feasible, so the ballot would be empty.")
        )
    elif cheapest > round.budget_pence:
        problems.append(
            gettext(
                "No project on the ballot fits the budget: the cheapest costs %(cheapest)s, "
                "more than the round's budget of %(budget)s. Raise the budget or lower a cost "
                "in review."
            )
            % {"cheapest": display_pence(cheapest), "budget": display_pence(round.budget_pence)}
        )
    if round.voting_start is not None and round.voting_start > timezone.now():
        problems.append(
            gettext(
                "Voting is set to open on %(when)s. To open it now, change the voting start "
                "date first."
            )
            % {"when": when(round.voting_start)}
        )
    if round.voting_end is not None and round.voting_end <= timezone.now():
        problems.append(
            gettext("The voting end date (%(when)s) has passed. Set a later one first.")
            % {"when": when(round.voting_end)}
        )
    try:
        _full_clean(round)
    except ValidationError as exc:
        problems.extend(exc.messages)
    test_count = get_test_count()
    if test_count is not None and (problem := test_count[0](round)) is not None:
        problems.append(problem)
    return problems
