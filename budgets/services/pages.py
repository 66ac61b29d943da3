"""What the round page shows to whom, decided here so templates decide nothing.

round_page(user, round) returns every flag and count budgets/round_detail.html reads: the
template compares no phase with a literal, re-derives no permission and counts no other app's
rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext, gettext_noop, ngettext

from budgets import access as round_access
from budgets.hooks import get_turnout
from budgets.models import MAX_REASON, BallotType, Phase, ProposalStatus, Round, UserLike
from budgets.services.cancelling import cancel_options
from budgets.services.display import PHASE_EXPLANATIONS, WHAT_NEXT, timeline
from budgets.services.places import places_editable, voting_places
from budgets.services.proposals import proposals_open_now
from budgets.services.rounds import RESULT_PHASES, next_phase, settings_editable, voting_blockers
from budgets.services.support import shortlist_rule_words
from wards import access
from wards.access import Action
from wards.models import Ward


def turnout(round: Round) -> int | None:
    """How many people have voted so far, from the counter the ballots app registers (None
    when no app counts voters, or before voting opens)."""
    counter = get_turnout()
    if counter is None or round.phase == Phase.DRAFT:
        return None
    return counter(round)


def ballot_summary(round: Round) -> str:
    """The ballot's limits in words: '(choose 2 to 5)', '(10 points)', '(rank 3)' or ''."""
    if round.ballot_type == BallotType.APPROVAL and round.max_choices:
        if round.min_choices:
            return gettext("(choose %(least)s to %(most)s)") % {
                "least": round.min_choices,
                "most": round.max_choices,
            }
        return gettext("(choose %(most)s)") % {"most": round.max_choices}
    if round.ballot_type == BallotType.CUMULATIVE:
        points = round.max_points or 0
        return ngettext("(%(points)s point)", "(%(points)s points)", points) % {"points": points}
    if round.ballot_type == BallotType.RANKED:
        return gettext("(rank %(most)s)") % {"most": round.max_choices}
    return ""


# Who can vote, one whole phrase per set of bases a round allows (live, work, study in order),
# so each language words the list its own way.
WHO_CAN_VOTE = {
    (True, False, False): gettext_noop("People aged %(age)s or over who live in %(area)s"),
    (False, True, False): gettext_noop("People aged %(age)s or over who work in %(area)s"),
    (False, False, True): gettext_noop("People aged %(age)s or over who study in %(area)s"),
    (True, True, False): gettext_noop("People aged %(age)s or over who live or work in %(area)s"),
    (True, False, True): gettext_noop("People aged %(age)s or over who live or study in %(area)s"),
    (False, True, True): gettext_noop("People aged %(age)s or over who work or study in %(area)s"),
    (True, True, True): gettext_noop(
        "People aged %(age)s or over who live, work or study in %(area)s"
    ),
}


def eligibility_summary(round: Round) -> str:
    """Who can vote, in a sentence (without the closing full stop)."""
    key = (bool(round.eligible_live), bool(round.eligible_work), bool(round.eligible_study))
    phrase = WHO_CAN_VOTE.get(key, WHO_CAN_VOTE[(True, False, False)])
    text = gettext(phrase) % {"age": round.min_age, "area": round.area_name}
    if round.allow_code_voting:
        text += gettext(", or hold a voting code")
    return text


@dataclass(frozen=True)
class RoundCard:
    """One round as the ward page lists it, with the links it may show."""

    round: Round
    phase_label: str
    voting_open: bool
    results_published: bool
    cancelled: bool  # the card says "Cancelled: <reason>"


def ward_round_cards(user: UserLike, ward: Ward) -> list[RoundCard]:
    """The ward's rounds this user may see, newest first (the ward page's list, registered with
    wards.hooks so that wards never imports budgets)."""
    rounds = (
        Round.objects.for_ward(ward)
        .visible_to(user)
        .select_related("ward", "neighbourhood")
        .order_by("-created_at")
    )
    return [
        RoundCard(
            round=r,
            phase_label=str(Phase(r.phase).label),
            voting_open=r.phase == Phase.VOTING,
            results_published=r.phase == Phase.PUBLISHED,
            cancelled=r.cancelled,
        )
        for r in rounds
    ]


WHAT_NEXT_SUPPORT = (
    "Next, residents support the proposals they want to see go on, and the most supported "
    "make the shortlist."
)


def round_page(user: UserLike, round: Round) -> dict[str, Any]:
    """The round page's context: the round, its words, and what this user may do on it."""
    counts = dict(round.proposals.values_list("status").annotate(n=Count("id")).order_by("status"))
    can_manage = round_access.can_manage(user, round)
    following = next_phase(round)
    phase = round.phase
    cancelling = cancel_options(user, round) if can_manage else None
    return {
        "round": round,
        "phase_label": Phase(phase).label,
        "timeline": timeline(round),
        "explanation": PHASE_EXPLANATIONS[phase],
        "what_next": WHAT_NEXT_SUPPORT if following == Phase.SUPPORT else WHAT_NEXT[phase],
        # The support stage's rule in plain words (empty for a round without one).
        "support_rule": shortlist_rule_words(round),
        "supporting": phase == Phase.SUPPORT,
        "not_shortlisted": counts.get(ProposalStatus.NOT_SHORTLISTED, 0),
        "counts": counts,
        "total_proposals": sum(n for s, n in counts.items() if s != ProposalStatus.WITHDRAWN),
        "on_ballot": counts.get(ProposalStatus.FEASIBLE, 0),
        "taking_proposals": phase == Phase.PROPOSALS,
        "proposals_open": proposals_open_now(round),
        "can_propose": access.can(user, Action.PROPOSE, round.ward),
        "can_manage": can_manage,
        "can_review": round_access.can_review(user, round),
        "voting_open": phase == Phase.VOTING,
        "turnout": turnout(round) if phase == Phase.VOTING else None,
        "has_results": round.finished,
        "results_published": phase == Phase.PUBLISHED,
        "has_audit_trail": not round.private,
        "cancelled": round.cancelled,
        # A councillor may cancel (or ask to, or approve or withdraw a request) on the cancel page.
        "can_cancel": cancelling is not None and cancelling.refusal is None,
        "cancel_request": cancelling.request if cancelling is not None else None,
        "settings_editable": settings_editable(round),
        "next_phase": following if following not in RESULT_PHASES else None,
        "next_phase_label": Phase(following).label if following else "",
        "next_phase_opens_voting": following == Phase.VOTING,
        "blockers": voting_blockers(round) if can_manage and following == Phase.VOTING else [],
        # Before voting too: the desk runs the test count before voting opens.
        "can_open_voting_desk": can_manage
        and (following == Phase.VOTING or phase in (Phase.VOTING, Phase.CLOSED)),
        # A clerk has no voting desk (closing and publishing are councillors'), only paper entry.
        "can_enter_paper_only": not can_manage
        and phase == Phase.VOTING
        and access.can(user, Action.ENTER_PAPER, round.ward),
        "ballot_summary": ballot_summary(round),
        "eligibility": eligibility_summary(round),
        "max_reason": MAX_REASON,
        # Where to vote on paper and get help: public, as the letters print it.
        "in_person": voting_places(round),
        "can_change_places": can_manage and places_editable(round),
    }
