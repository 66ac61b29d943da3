"""Co-production: residents pledge volunteer hours or help in kind to a proposal.

A pledge is a promise, not a vote: nothing that builds a ballot or counts one reads this table,
so pledges can never change a result. Residents of the proposal's ward pledge while the
proposal stands (not withdrawn, merged or found not feasible) in any public phase (a funded
project still needs hands after the vote); one pledge per person per proposal, a second one
replaces the first, and the person may withdraw it at any time. Each pledge and withdrawal is a
ledger event under the resident's pseudonym, with the hours and whether help in kind was
offered, never its words (they are the resident's own, and may name them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

import audit
from audit import kinds
from budgets.models import (
    MAX_IN_KIND,
    MAX_PLEDGE_HOURS,
    Phase,
    Pledge,
    Proposal,
    ProposalStatus,
    UserLike,
)
from budgets.services._common import _actor
from wards import access
from wards.access import Action
from wards.models import Role
from wards.ratelimit import take_action
from wards.text import single_line

# Pledging, changing and withdrawing all count: 20 an hour per account is plenty for a person
# and stops a script from flooding a proposal's page.
PLEDGE_LIMIT = 20
PLEDGE_WINDOW_SECONDS = 60 * 60


@dataclass(frozen=True)
class PledgeTotals:
    """What the public sees of a proposal's pledges: counts and hours, and the help offered in
    kind (its words, never who offered it)."""

    people: int = 0
    hours: int = 0
    in_kind: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PledgePanel:
    """The proposal page's pledge section for one visitor (templates decide nothing)."""

    totals: PledgeTotals
    mine: Pledge | None
    can_pledge: bool
    why_not: str
    max_hours: int = MAX_PLEDGE_HOURS
    max_in_kind: int = MAX_IN_KIND


def pledging_problem(proposal: Proposal) -> str:
    """Why nobody may pledge to this proposal now ("" if they may)."""
    if proposal.round.phase == Phase.DRAFT:
        return gettext("This round has not opened yet.")
    if proposal.status == ProposalStatus.WITHDRAWN:
        return gettext("The proposer withdrew this proposal.")
    if proposal.status == ProposalStatus.MERGED:
        return gettext("This proposal was merged into another: pledge to that one.")
    if proposal.status == ProposalStatus.NOT_FEASIBLE:
        return gettext("This proposal was found not feasible.")
    return ""


def _hours_message() -> str:
    return gettext("Pledge between 0 and %(max)s hours.") % {"max": MAX_PLEDGE_HOURS}


def _clean_hours(hours: object) -> int:
    if isinstance(hours, bool):
        raise ValidationError({"hours": _hours_message()})
    if hours is None or hours == "":
        return 0
    try:
        value = int(str(hours).strip())
    except ValueError:
        raise ValidationError({"hours": gettext("Enter a whole number of hours.")}) from None
    if not 0 <= value <= MAX_PLEDGE_HOURS:
        raise ValidationError({"hours": _hours_message()})
    return value


def _clean_in_kind(text: object) -> str:
    if text is not None and not isinstance(text, str):
        raise ValidationError({"in_kind": gettext("Describe the help in kind as text.")})
    cleaned = single_line(text or "")
    if len(cleaned) > MAX_IN_KIND:
        raise ValidationError(
            {
                "in_kind": gettext("Keep the help in kind to %(max)s characters or fewer.")
                % {"max": MAX_IN_KIND}
            }
        )
    return cleaned


def _rate_limit(by: UserLike) -> None:
    take_action(
        "pledge",
        str(by.pk),
        limit=PLEDGE_LIMIT,
        window=PLEDGE_WINDOW_SECONDS,
        what=gettext("pledges changed in an hour"),
    )


def make_pledge(proposal: Proposal, *, by: UserLike, hours: object, in_kind: object) -> Pledge:
    """Pledge (or change one's pledge of) volunteer hours and/or help in kind to a proposal."""
    access.require(by, Action.PLEDGE, proposal.round.ward)
    clean_hours, clean_in_kind = _clean_hours(hours), _clean_in_kind(in_kind)
    if not clean_hours and not clean_in_kind:
        raise ValidationError(
            {"hours": gettext("Pledge some hours, or say what help in kind you can give.")}
        )
    _rate_limit(by)
    with transaction.atomic():
        locked = (
            Proposal.objects.select_for_update().select_related("round__ward").get(pk=proposal.pk)
        )
        if problem := pledging_problem(locked):
            raise ValidationError(problem)
        same = locked.pledges.filter(person=by, hours=clean_hours, in_kind=clean_in_kind).first()
        if same is not None:
            return same  # the same pledge sent again (a double click): nothing new to record
        try:
            with transaction.atomic():
                pledge, _ = Pledge.objects.update_or_create(
                    proposal=locked,
                    person=by,
                    defaults={"hours": clean_hours, "in_kind": clean_in_kind},
                )
        except IntegrityError:  # the same person pledging twice at the same moment
            raise ValidationError(
                gettext("Your pledge is already recorded; reload the page.")
            ) from None
        audit.record(
            kinds.PLEDGE_MADE,
            ward=locked.round.ward,
            round=locked.round,
            actor=_actor(by, locked.round.ward, Role.RESIDENT),
            payload={
                "proposal": locked.pk,
                "title": locked.title,
                "hours": clean_hours,
                "in_kind": bool(clean_in_kind),
            },
        )
    return pledge


def withdraw_pledge(proposal: Proposal, *, by: UserLike) -> None:
    """Withdraw one's own pledge to the proposal (at any time: a promise one can no longer keep)."""
    if by is None or not by.is_authenticated:
        raise PermissionDenied(gettext("Please sign in first."))
    _rate_limit(by)
    with transaction.atomic():
        deleted, _ = Pledge.objects.filter(proposal=proposal, person=by).delete()
        if not deleted:
            raise ValidationError(gettext("You have no pledge to this proposal to withdraw."))
        audit.record(
            kinds.PLEDGE_WITHDRAWN,
            ward=proposal.round.ward,
            round=proposal.round,
            actor=_actor(by, proposal.round.ward, Role.RESIDENT),
            payload={"proposal": proposal.pk, "title": proposal.title},
        )


def pledge_totals(proposal_ids: list[int]) -> dict[int, PledgeTotals]:
    """Pledge totals for each of these proposals (those with none are left out), in one query."""
    people: dict[int, int] = {}
    hours: dict[int, int] = {}
    in_kind: dict[int, list[str]] = {}
    rows = Pledge.objects.filter(proposal_id__in=proposal_ids).order_by("created_at", "id")
    for pid, h, kind in rows.values_list("proposal_id", "hours", "in_kind"):
        people[pid] = people.get(pid, 0) + 1
        hours[pid] = hours.get(pid, 0) + h
        if kind:
            in_kind.setdefault(pid, []).append(kind)
    return {
        pid: PledgeTotals(people=n, hours=hours[pid], in_kind=in_kind.get(pid, []))
        for pid, n in people.items()
    }


def pledge_panel(user: UserLike, proposal: Proposal) -> PledgePanel:
    """The pledge section of the proposal page, for this visitor."""
    totals = pledge_totals([proposal.pk]).get(proposal.pk, PledgeTotals())
    mine = None
    if user is not None and user.is_authenticated:
        mine = Pledge.objects.filter(proposal=proposal, person=user).first()
    problem = pledging_problem(proposal)
    if not problem and not access.can(user, Action.PLEDGE, proposal.round.ward):
        problem = gettext("Only residents of %(ward)s can pledge help to its projects.") % {
            "ward": proposal.round.ward.name
        }
        if user is None or not user.is_authenticated:
            problem = gettext("Sign in as a resident of the ward to pledge help.")
    return PledgePanel(totals=totals, mine=mine, can_pledge=not problem, why_not=problem)
