"""Support and shortlisting: an optional phase before review or before voting.

Residents of the round's area support the proposals they want to see go on (one support per
person per proposal, at most the round's support_limit per person); when the phase ends the
round shortlists by its rule, set before the phase opened and frozen from then on:

- a threshold: a proposal needs at least `shortlist_threshold` supports;
- the top K: the `shortlist_top` most supported proposals go through. Ties at the boundary all
  go through (a proposal with as many supports as the K-th is never left off by an order
  nobody chose), so the shortlist can be longer than K;
- both: the top K, each of them with at least the threshold.

A proposal that misses is marked not_shortlisted with how many more supports would have put it
through (the bar minus its count: the K-th count, the threshold, or the higher of the two). The
decision, its rule and every count are one ledger event (round.shortlisted), recorded with the
phase change in one transaction (rounds.change_phase calls apply_shortlist).

Who may support: the same people as may vote with an account: registered residents of the ward
(of the neighbourhood, for a neighbourhood's round). One account is one person, as on the ballot.
Supports themselves are not ledger events: only their counts, frozen at the shortlist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, ngettext

import audit
from audit import kinds
from budgets.models import (
    Phase,
    Proposal,
    ProposalStatus,
    Round,
    SupportStage,
    UserLike,
)
from budgets.models import Support as Support
from budgets.services._common import _actor
from budgets.services.display import when
from wards import access
from wards.models import Role


def candidates(round: Round) -> QuerySet[Proposal]:
    """The proposals residents can support: before review, those waiting for it; before voting,
    those found feasible (the would-be ballot)."""
    status = (
        ProposalStatus.SUBMITTED
        if round.support_stage == SupportStage.BEFORE_REVIEW
        else ProposalStatus.FEASIBLE
    )
    return round.proposals.filter(status=status)


def support_counts(round: Round) -> dict[int, int]:
    """Every proposal of the round with its number of supports (public)."""
    rows = round.proposals.annotate(n=Count("supports")).values_list("pk", "n")
    return {pk: n for pk, n in rows}


def shortlist_rule_words(round: Round) -> str:
    """The shortlist rule in plain words, for the round page, the settings form and emails."""
    if round.support_stage == SupportStage.NONE:
        return ""
    limit = round.support_limit or 0
    each = ngettext(
        "Each resident can support up to %(count)s proposal.",
        "Each resident can support up to %(count)s proposals.",
        limit,
    ) % {"count": limit}
    threshold, top = round.shortlist_threshold, round.shortlist_top
    if threshold and top:
        rule = ngettext(
            "The %(top)s most supported proposals go through, if they have at least %(count)s "
            "support; proposals tied with the last place go through too.",
            "The %(top)s most supported proposals go through, if they have at least %(count)s "
            "supports; proposals tied with the last place go through too.",
            threshold,
        ) % {"top": top, "count": threshold}
    elif top:
        rule = gettext(
            "The %(top)s most supported proposals go through; proposals tied with the last "
            "place go through too."
        ) % {"top": top}
    else:
        rule = ngettext(
            "Every proposal with at least %(count)s support goes through.",
            "Every proposal with at least %(count)s supports goes through.",
            threshold or 0,
        ) % {"count": threshold or 0}
    after = (
        gettext("Councillors then review the shortlist.")
        if round.support_stage == SupportStage.BEFORE_REVIEW
        else gettext("The shortlist is the ballot.")
    )
    return f"{each} {rule} {after}"


@dataclass(frozen=True)
class Shortlist:
    """The shortlist decision: who goes through, and by how much each other proposal missed."""

    bar: int  # the fewest supports that go through
    counts: dict[int, int]
    shortlisted: list[int]
    missed_by: dict[int, int]


def decide_shortlist(
    counts: dict[int, int], *, threshold: int | None, top: int | None
) -> Shortlist:
    """The rule, on counts alone (pure, so the tests can try every case).

    The bar is the threshold, the K-th highest count (ties at it all go through; with K or fewer
    proposals, every one), or the higher of the two; a proposal goes through with at least the bar.
    """
    bar = threshold or 0
    if top:
        ordered = sorted(counts.values(), reverse=True)
        if len(ordered) > top:
            bar = max(bar, ordered[top - 1])
    shortlisted = sorted(pk for pk, n in counts.items() if n >= bar)
    missed = {pk: bar - n for pk, n in sorted(counts.items()) if n < bar}
    return Shortlist(
        bar=bar, counts=dict(sorted(counts.items())), shortlisted=shortlisted, missed_by=missed
    )


def apply_shortlist(round: Round, *, by: UserLike) -> Shortlist:
    """Mark the proposals that missed the shortlist and record the decision; the caller
    (rounds.change_phase, leaving the support phase) holds the transaction and the round's lock."""
    pool = list(candidates(round).select_for_update().order_by("pk"))
    counts = {
        pk: n
        for pk, n in Proposal.objects.filter(pk__in=[p.pk for p in pool])
        .annotate(n=Count("supports"))
        .values_list("pk", "n")
    }
    decision = decide_shortlist(
        counts, threshold=round.shortlist_threshold, top=round.shortlist_top
    )
    for proposal in pool:
        if proposal.pk in decision.missed_by:
            proposal.status = ProposalStatus.NOT_SHORTLISTED
            proposal.shortlist_missed_by = decision.missed_by[proposal.pk]
            proposal.save(update_fields=["status", "shortlist_missed_by", "updated_at"])
    audit.record(
        kinds.ROUND_SHORTLISTED,
        ward=round.ward,
        round=round,
        actor=_actor(by, round.ward, Role.COUNCILLOR),
        payload={
            "rule": {
                "stage": round.support_stage,
                "support_limit": round.support_limit,
                "threshold": round.shortlist_threshold,
                "top": round.shortlist_top,
                "ties": "all proposals tied at the boundary go through",
            },
            "bar": decision.bar,
            "counts": {str(pk): n for pk, n in decision.counts.items()},
            "shortlisted": decision.shortlisted,
            "missed_by": {str(pk): n for pk, n in decision.missed_by.items()},
        },
    )
    return decision


# --- residents' supports ------------------------------------------------------------------


def support_problem(proposal: Proposal) -> str:
    """Why nobody may support (or stop supporting) this proposal now ("" if they may)."""
    round = proposal.round
    if round.phase != Phase.SUPPORT:
        if round.support_stage == SupportStage.NONE:
            return gettext("This round has no support stage.")
        return gettext("Supporting is open only during the round's support phase.")
    now = timezone.now()
    if round.support_start and now < round.support_start:
        return gettext("Supporting opens on %(when)s.") % {"when": when(round.support_start)}
    if round.support_end and now >= round.support_end:
        return gettext("Supporting closed on %(when)s.") % {"when": when(round.support_end)}
    if not candidates(round).filter(pk=proposal.pk).exists():
        return gettext("This proposal is %(status)s: it cannot be supported.") % {
            "status": proposal.get_status_display().lower()
        }
    return ""


def can_support(user: UserLike, round: Round) -> bool:
    """A registered resident of the round's area (its neighbourhood, for a neighbourhood's
    round): the people who may vote with an account."""
    return access.is_resident(user, round.ward, round.neighbourhood_id)


def _require_can_support(user: UserLike, round: Round) -> None:
    if user is None or not user.is_authenticated:
        raise PermissionDenied(gettext("Please sign in first."))
    if not can_support(user, round):
        raise PermissionDenied(_only_residents(round))


def _only_residents(round: Round) -> str:
    return gettext("Only residents of %(area)s can support proposals here.") % {
        "area": round.area_name
    }


def _fresh(proposal: Proposal) -> Proposal:
    """The proposal, read again under a lock on its round (inside the caller's transaction)."""
    round = Round.objects.select_for_update().select_related("ward").get(pk=proposal.round_id)
    proposal = Proposal.objects.get(pk=proposal.pk)
    proposal.round = round
    return proposal


@transaction.atomic
def support_proposal(proposal: Proposal, *, by: UserLike) -> bool:
    """Support a proposal; True if this added a support, False if the person already did.

    The round's row is locked first (as the phase change that makes the shortlist locks it),
    so supports are counted one after the other against the person's limit and none lands
    while the shortlist is being made; the unique constraint stops a double support.
    """
    proposal = _fresh(proposal)
    round = proposal.round
    _require_can_support(by, round)
    problem = support_problem(proposal)
    if problem:
        raise ValidationError(problem)
    if Support.objects.filter(proposal=proposal, person=by).exists():
        return False
    used = Support.objects.filter(proposal__round=round, person=by).count()
    limit = round.support_limit or 0
    if used >= limit:
        raise ValidationError(
            ngettext(
                "You have supported %(count)s proposal, the most this round allows. "
                "Stop supporting one to support another.",
                "You have supported %(count)s proposals, the most this round allows. "
                "Stop supporting one to support another.",
                used,
            )
            % {"count": used}
        )
    try:
        with transaction.atomic():
            Support.objects.create(proposal=proposal, person=by)
    except IntegrityError:
        return False  # the same support, sent twice at once: one stands
    return True


@transaction.atomic
def withdraw_support(proposal: Proposal, *, by: UserLike) -> bool:
    """Stop supporting a proposal while the support phase is open; True if there was one."""
    proposal = _fresh(proposal)
    _require_can_support(by, proposal.round)
    problem = support_problem(proposal)
    if problem:
        raise ValidationError(problem)
    deleted, _ = Support.objects.filter(proposal=proposal, person=by).delete()
    return deleted > 0


def support_counts_for(round: Round, user: UserLike) -> int:
    """How many of the round's proposals this person supports."""
    if user is None or not user.is_authenticated:
        return 0
    return Support.objects.filter(proposal__round=round, person=user).count()


@dataclass(frozen=True)
class SupportListState:
    """The proposal list's support buttons for one visitor: which proposals they may support
    or stop supporting (templates decide nothing)."""

    shown: bool  # counts are shown: the support phase has opened
    open: bool  # the support phase is on now
    can_add: frozenset[int]
    mine: frozenset[int]
    used: int
    limit: int
    rule: str


def support_list_state(round: Round, user: UserLike) -> SupportListState:
    open_now = round.phase == Phase.SUPPORT
    eligible = open_now and can_support(user, round)
    mine = (
        frozenset(
            Support.objects.filter(proposal__round=round, person=user).values_list(
                "proposal_id", flat=True
            )
        )
        if eligible
        else frozenset()
    )
    limit = round.support_limit or 0
    can_add: frozenset[int] = frozenset()
    if eligible and len(mine) < limit:
        can_add = frozenset(candidates(round).values_list("pk", flat=True)) - mine
    return SupportListState(
        shown=round.support_opened_at is not None,
        open=open_now,
        can_add=can_add,
        mine=mine,
        used=len(mine),
        limit=limit,
        rule=shortlist_rule_words(round),
    )


@dataclass(frozen=True)
class SupportPanel:
    """A proposal's support section for one visitor (templates decide nothing)."""

    count: int
    shown: bool  # the round has a support stage and the phase has opened
    open: bool
    mine: bool
    can_support: bool
    can_withdraw: bool
    why_not: str
    used: int
    limit: int
    missed_by: int | None


def support_panel(proposal: Proposal, user: UserLike, count: int | None = None) -> SupportPanel:
    round = proposal.round
    if count is None:
        count = proposal.supports.count()
    signed_in = user is not None and user.is_authenticated
    mine = signed_in and Support.objects.filter(proposal=proposal, person=user).exists()
    used = Support.objects.filter(proposal__round=round, person=user).count() if signed_in else 0
    limit = round.support_limit or 0
    problem = support_problem(proposal)
    eligible = can_support(user, round)
    why_not = problem
    if not why_not and not eligible:
        why_not = (
            gettext("Sign in to support proposals.") if not signed_in else _only_residents(round)
        )
    if not why_not and not mine and used >= limit:
        why_not = ngettext(
            "You have supported %(count)s proposal, the most this round allows.",
            "You have supported %(count)s proposals, the most this round allows.",
            used,
        ) % {"count": used}
    return SupportPanel(
        count=count,
        shown=round.support_opened_at is not None,
        open=not problem,
        mine=bool(mine),
        can_support=not why_not and not mine,
        can_withdraw=not problem and eligible and bool(mine),
        why_not=why_not,
        used=used,
        limit=limit,
        missed_by=proposal.shortlist_missed_by
        if proposal.status == ProposalStatus.NOT_SHORTLISTED
        else None,
    )
