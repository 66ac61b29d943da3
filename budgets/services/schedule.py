"""The scheduler's job: move each round whose phase's end date has passed on by one step.

`python manage.py advance_rounds` runs advance_due_rounds; closing a vote is the ballots app's,
reached through the closer it registers in budgets.hooks.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from budgets.hooks import get_closer
from budgets.models import Phase, Round
from budgets.services.display import when
from budgets.services.rounds import change_phase, next_phase

# When the scheduler moves a round on: the date whose passing ends the current phase.
PHASE_DEADLINE: dict[str, str] = {
    Phase.DRAFT: "proposals_start",
    Phase.PROPOSALS: "proposals_end",
    Phase.REVIEW: "review_end",
    Phase.SUPPORT: "support_end",
    Phase.VOTING: "voting_end",
}


@dataclass(frozen=True)
class Advance:
    """What the scheduler did with one round."""

    round: Round
    outcome: str  # "moved", "waiting" (cannot move yet), "closed", "needs_close"
    message: str


def due_rounds(now: datetime.datetime | None = None) -> list[Round]:
    """Rounds whose current phase's end date has passed."""
    now = now or timezone.now()
    condition = Q()
    for phase, field in PHASE_DEADLINE.items():
        condition |= Q(phase=phase, **{f"{field}__lte": now})
    return list(Round.objects.filter(condition).select_related("ward").order_by("pk"))


def advance_due_rounds(
    now: datetime.datetime | None = None, *, say: Callable[[str], None] | None = None
) -> list[Advance]:
    """Move each round whose phase has ended on by one step; what `advance_rounds` runs.

    Draft rounds open when proposals_start passes; proposals and review end at their end dates.
    Voting never moves to closed here: counting votes is the ballots app's, so when voting_end
    has passed the closer registered in budgets.hooks runs (if the ballots app registered one).
    """
    now = now or timezone.now()
    say = say or (lambda line: None)
    results: list[Advance] = []
    rounds = due_rounds(now)
    say(f"{len(rounds)} round{'s' if len(rounds) != 1 else ''} past a phase deadline.")
    for round in rounds:
        label = f"Round {round.pk} ({round.title}, {round.ward.name})"
        if round.phase == Phase.VOTING:
            closer = get_closer()
            if closer is None:
                assert round.voting_end is not None
                message = (
                    f"{label}: voting ended {when(round.voting_end)}; "
                    "close_round must run to count the votes (no closer is registered)."
                )
                results.append(Advance(round, "needs_close", message))
            else:
                try:
                    closer(round, by=None)
                except ValidationError as exc:
                    message = f"{label}: could not close yet: {' '.join(exc.messages)}"
                    results.append(Advance(round, "waiting", message))
                else:
                    results.append(Advance(round, "closed", f"{label}: voting closed."))
            say(results[-1].message)
            continue
        to = next_phase(round)
        assert to is not None
        try:
            change_phase(round, to, by=None, reason="Scheduled: the phase's end date passed.")
        except ValidationError as exc:
            message = f"{label}: cannot move to {to}: {' '.join(exc.messages)}"
            results.append(Advance(round, "waiting", message))
        else:
            results.append(Advance(round, "moved", f"{label}: {round.phase} → {to}."))
        say(results[-1].message)
    return results
