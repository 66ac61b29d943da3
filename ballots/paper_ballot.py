"""The printable paper ballot: every project on the ballot with a short number (1, 2, 3… in the
order `ballot_projects` gives), its cost, the ballot's rules in plain words and a box for the code.

Paper entry reads those numbers back with `paper_numbers`, never database ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from ballots.selection import ballot_projects
from budgets.models import BallotType, Phase, PollingPlace, Proposal, Round
from budgets.services import voting_places
from wards.access import Action, can
from wards.numbers import display_pence

# The ballot is public from voting on, as the online ballot is.
PUBLIC_PHASES = frozenset({Phase.VOTING, Phase.CLOSED, Phase.PUBLISHED})
# Before voting, the ward's councillors may print a preview; reviews can still change it.
PREVIEW_PHASES = frozenset({Phase.PROPOSALS, Phase.REVIEW, Phase.SUPPORT})


def paper_numbers(round: Round) -> dict[int, Proposal]:
    """Each project on the ballot by its short number on the paper ballot: 1, 2, 3…"""
    return {number: p for number, p in enumerate(ballot_projects(round), start=1)}


def _proposal_id(numbers: Mapping[int, Proposal], ref: Any) -> int:
    text = str(ref).strip()
    if not text.isdigit() or int(text) not in numbers:
        raise ValidationError(
            f"{text or 'an empty mark'} is not a project number on the paper ballot "
            f"(its projects are numbered 1 to {len(numbers)})."
        )
    return numbers[int(text)].pk


def selection_from_numbers(
    round: Round, refs: Mapping[str, Any], numbers: Mapping[int, Proposal] | None = None
) -> dict[str, Any]:
    """One paper ballot as typed with the paper ballot's short numbers ("projects", "ranking"
    or "points" keyed by number), with those numbers replaced by the projects' ids.

    The one place paper numbers become ids. A number that is not on the paper ballot (a database
    id typed by mistake included) raises ValidationError; nothing is guessed. Pass `numbers`
    (from `paper_numbers`) when translating many ballots of the same round.
    """
    numbers = paper_numbers(round) if numbers is None else numbers
    out = {
        key: value for key, value in refs.items() if key not in ("projects", "ranking", "points")
    }
    for key in ("projects", "ranking"):
        if key in refs:
            out[key] = [_proposal_id(numbers, ref) for ref in refs[key]]
    if "points" in refs:
        out["points"] = {
            str(_proposal_id(numbers, ref)): points for ref, points in refs["points"].items()
        }
    return out


def numbers_by_id(round: Round) -> dict[int, int]:
    """The inverse of `paper_numbers`: each ballot project's id to its short number."""
    return {p.pk: number for number, p in paper_numbers(round).items()}


def ballot_rules(round: Round) -> list[str]:
    """How to fill in this round's paper ballot, in plain words, one sentence a line."""
    budget = display_pence(round.budget_pence)
    if round.ballot_type == BallotType.KNAPSACK:
        rules = [
            gettext("Put a cross (X) in the box next to each project you want funded."),
            gettext(
                "Together the projects you choose must cost no more than the budget of %(budget)s."
            )
            % {"budget": budget},
        ]
    elif round.ballot_type == BallotType.APPROVAL:
        low, high = round.min_choices, round.max_choices
        if low and high:
            rule = gettext(
                "Put a cross (X) in the box next to between %(low)s and %(high)s projects."
            )
        elif high:
            rule = gettext("Put a cross (X) in the box next to up to %(high)s projects.")
        elif low:
            rule = gettext("Put a cross (X) in the box next to at least %(low)s projects.")
        else:
            rule = gettext("Put a cross (X) in the box next to as many projects as you support.")
        rules = [rule % {"low": low, "high": high}]
    elif round.ballot_type == BallotType.CUMULATIVE:
        points = {"points": round.max_points}
        rules = [
            gettext(
                "You have %(points)s points. Write in the box next to a project how many "
                "points you give it: more points for the ones you care about most."
            )
            % points,
            gettext("All your points together must be no more than %(points)s.") % points,
        ]
    else:
        rules = [
            gettext(
                "Write 1 in the box next to your favourite project, 2 next to your second "
                "choice, and so on, up to %(most)s."
            )
            % {"most": round.max_choices},
            gettext("Use each number once; leave the other boxes empty."),
        ]
    return [
        *rules,
        gettext("Write the voting code from your letter in the code box. Each code counts once."),
        gettext("A paper that breaks these rules, or has no valid code, cannot be counted."),
    ]


@dataclass(frozen=True)
class PaperBallot:
    round: Round
    numbers: dict[int, Proposal]
    rules: list[str]
    budget: str
    preview: bool  # not yet final: the ballot can still change before voting opens
    # Where to hand the filled-in paper in: the round's polling places.
    polling_places: list[PollingPlace] = field(default_factory=list)


def paper_ballot(user: Any, round: Round) -> PaperBallot | None:
    """The paper ballot as `user` may see it, or None (the page is then not found)."""
    if round.phase in PUBLIC_PHASES:
        preview = False
    elif round.phase in PREVIEW_PHASES and can(user, Action.MANAGE_ROUND, round.ward):
        preview = True
    else:
        return None
    return PaperBallot(
        round=round,
        numbers=paper_numbers(round),
        rules=ballot_rules(round),
        budget=display_pence(round.budget_pence),
        preview=preview,
        polling_places=voting_places(round).polling_places,
    )
