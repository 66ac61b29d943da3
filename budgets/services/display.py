"""Words and dates for people: deadlines, phase explanations, the timeline, the rule table.

Nothing here changes the database or decides who may act; the round page's flags (what it
shows to whom) are in budgets.services.pages.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from budgets.models import ALLOWED_RULES, Phase, Round

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise


def when(moment: datetime.datetime) -> str:
    """'3 March 2026 at 17:00', in the site's time zone: how refusals name a deadline."""
    local = timezone.localtime(moment)
    return gettext("%(date)s at %(time)s") % {
        "date": date_format(local, "j E Y"),
        "time": date_format(local, "H:i"),
    }


def allowed_rules_text() -> list[tuple[str, list[str]]]:
    """Each ballot type with the rules that can count it, for forms and docs."""
    return [(ballot_type, sorted(rules)) for ballot_type, rules in ALLOWED_RULES.items()]


PHASE_EXPLANATIONS: dict[str, StrOrPromise] = {
    Phase.DRAFT: _("Councillors are setting this round up. Only they can see it for now."),
    Phase.PROPOSALS: _(
        "Residents are proposing projects. Anyone who lives in the area and is "
        "signed in can put one forward."
    ),
    Phase.REVIEW: _(
        "Councillors are checking each proposal: whether it can be done and what it "
        "would cost. Every decision and its reason is public."
    ),
    Phase.SUPPORT: _(
        "Residents are supporting the proposals they want to see go on: the most "
        "supported make the shortlist, by the rule set before this phase opened."
    ),
    Phase.VOTING: _("Voting is open on the feasible projects."),
    Phase.CLOSED: _("Voting has ended. The votes are being counted."),
    Phase.PUBLISHED: _("The result is published."),
    Phase.CANCELLED: _(
        "This round was cancelled. It takes no proposals or votes, and no vote "
        "cast in it is counted."
    ),
}
WHAT_NEXT: dict[str, StrOrPromise] = {
    Phase.DRAFT: _("Next, proposals open and residents can put projects forward."),
    Phase.PROPOSALS: _("Next, councillors review every proposal and explain their decisions."),
    Phase.REVIEW: _("Next, voting opens on the projects found feasible."),
    Phase.SUPPORT: _(
        "Next, the shortlist is made by the round's rule, and only the shortlisted proposals go on."
    ),
    Phase.VOTING: _("Next, voting closes and the votes are counted by the rule the round set."),
    Phase.CLOSED: _("Next, the result is published with an explanation for every project."),
    Phase.PUBLISHED: _("This round is finished."),
    Phase.CANCELLED: _("This round is over. The ward's councillors may start a new one."),
}


@dataclass(frozen=True)
class TimelineStep:
    phase: str
    label: str
    start: datetime.datetime | None
    end: datetime.datetime | None
    state: str  # "done", "current", "upcoming", or "skipped" (after a cancellation)


def timeline(round: Round) -> list[TimelineStep]:
    """The round's phases with their dates, for the round page. A cancelled round shows the
    phases it went through as done, the rest as skipped, and then the cancellation as now."""
    dates: dict[str, tuple[str | None, str | None]] = {
        Phase.DRAFT: (None, None),
        Phase.PROPOSALS: ("proposals_start", "proposals_end"),
        Phase.REVIEW: ("review_start", "review_end"),
        Phase.SUPPORT: ("support_start", "support_end"),
        Phase.VOTING: ("voting_start", "voting_end"),
        Phase.CLOSED: (None, None),
        Phase.PUBLISHED: (None, None),
    }
    cancelled = round.phase == Phase.CANCELLED
    order = round.phase_order
    current = order.index(round.cancelled_from if cancelled else round.phase)
    steps = []
    for index, value in enumerate(order):
        phase = Phase(value)
        start, end = dates[phase]
        if cancelled:
            state = "done" if index <= current else "skipped"
        else:
            state = "done" if index < current else "current" if index == current else "upcoming"
        steps.append(
            TimelineStep(
                phase=phase.value,
                label=str(phase.label),
                start=getattr(round, start) if start else None,
                end=getattr(round, end) if end else None,
                state=state,
            )
        )
    if cancelled:
        steps.append(
            TimelineStep(
                phase=Phase.CANCELLED.value,
                label=str(Phase.CANCELLED.label),
                start=round.cancelled_at,
                end=None,
                state="current",
            )
        )
    return steps
