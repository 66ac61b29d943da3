"""The rules of budget rounds and proposals. Views, the API, commands and tests all call these.

Every function checks who may act (through wards.access), checks the round's phase, changes the
database and records a ledger event in one transaction, and refuses with a ValidationError or
PermissionDenied whose message a resident can read.

Phases move one step at a time: draft → proposals → review → voting (change_phase, by a
councillor or on schedule by advance_due_rounds). Closed and published are the ballots app's:
its close_round/publish_round call enter_result_phase here, which is the only way in.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format

import audit
from audit import Actor
from budgets.hooks import get_closer
from budgets.models import (
    ALLOWED_RULES,
    MAX_REASON,
    PHASE_ORDER,
    Phase,
    Proposal,
    ProposalStatus,
    Review,
    ReviewDecision,
    Round,
)
from wards import access
from wards.access import Action
from wards.models import Neighbourhood, Role, Ward
from wards.money import format_pence
from wards.text import multi_line, single_line

# A signed-in Django user, an AnonymousUser, or None for the scheduler. wards.access takes Any too.
UserLike = Any

MIN_COST_PENCE = 100  # £1

ROUND_FIELDS: tuple[str, ...] = (
    "title",
    "description",
    "neighbourhood",
    "budget_pence",
    "proposals_start",
    "proposals_end",
    "review_start",
    "review_end",
    "voting_start",
    "voting_end",
    "ballot_type",
    "rule",
    "sat",
    "max_points",
    "min_choices",
    "max_choices",
    "categories",
    "eligible_live",
    "eligible_work",
    "eligible_study",
    "min_age",
    "allow_postcode_voting",
    "allow_code_voting",
    "seal_batch_size",
)
# What a voter relies on once voting opens: changing any of these mid-vote would change the vote.
BALLOT_SETTINGS: tuple[str, ...] = (
    "neighbourhood",
    "budget_pence",
    "voting_start",
    "ballot_type",
    "rule",
    "sat",
    "max_points",
    "min_choices",
    "max_choices",
    "eligible_live",
    "eligible_work",
    "eligible_study",
    "min_age",
    "allow_postcode_voting",
    "allow_code_voting",
    "seal_batch_size",
)
PROPOSAL_FIELDS: tuple[str, ...] = (
    "title",
    "summary",
    "description",
    "estimated_cost_pence",
    "category",
    "location",
    "delivery_partner",
    "volunteer_hours",
)

# The steps change_phase may take; closed and published belong to the ballots app.
NEXT_PHASE: dict[str, str] = {
    Phase.DRAFT: Phase.PROPOSALS,
    Phase.PROPOSALS: Phase.REVIEW,
    Phase.REVIEW: Phase.VOTING,
    Phase.VOTING: Phase.CLOSED,
    Phase.CLOSED: Phase.PUBLISHED,
}
RESULT_PHASES: frozenset[str] = frozenset({Phase.CLOSED, Phase.PUBLISHED})
RESULT_PHASE_SERVICE: dict[str, str] = {
    Phase.CLOSED: "close_round",
    Phase.PUBLISHED: "publish_round",
}

# When the scheduler moves a round on: the date whose passing ends the current phase.
PHASE_DEADLINE: dict[str, str] = {
    Phase.DRAFT: "proposals_start",
    Phase.PROPOSALS: "proposals_end",
    Phase.REVIEW: "review_end",
    Phase.VOTING: "voting_end",
}


# --- helpers ------------------------------------------------------------------------------


def when(moment: datetime.datetime) -> str:
    """'3 March 2026 at 17:00', in the site's time zone: how refusals name a deadline."""
    local = timezone.localtime(moment)
    return f"{date_format(local, 'j F Y')} at {date_format(local, 'H:i')}"


def _actor(user: UserLike, ward: Ward, role: Role) -> Actor:
    """The pseudonymous actor for a ledger event: the role the person acted in, or staff."""
    if user is None:
        return audit.SYSTEM
    if role in access.roles_in(user, ward):
        return audit.actor_for(user, role.value)
    if getattr(user, "is_staff", False):
        return audit.actor_for(user, "staff")
    return audit.actor_for(user, role.value)


def _public(value: Any) -> Any:
    """A setting's value as ledger JSON."""
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, Neighbourhood):
        return value.slug
    return value


def _clean_reason(reason: str, *, required: bool, what: str = "a reason") -> str:
    reason = multi_line(reason)
    if required and not reason:
        raise ValidationError({"reason": f"Give {what}; it is shown to the public."})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": f"Keep the reason to {MAX_REASON:,} characters or fewer."})
    return reason


def _full_clean(obj: Round | Proposal, exclude: Iterable[str] = ()) -> None:
    obj.full_clean(exclude=list(exclude), validate_unique=False)


def can_manage(user: UserLike, round: Round) -> bool:
    return access.can(user, Action.MANAGE_ROUND, round.ward)


def can_review(user: UserLike, round: Round) -> bool:
    return access.can(user, Action.REVIEW, round.ward)


def can_see_round(user: UserLike, round: Round) -> bool:
    """Draft rounds are seen only by those who manage them; every other phase is public."""
    return round.phase != Phase.DRAFT or can_manage(user, round)


def visible_rounds(user: UserLike) -> Any:
    """Rounds a user may see: public ones, plus drafts in wards they manage (staff: all)."""
    qs = Round.objects.select_related("ward", "neighbourhood")
    if user is not None and user.is_authenticated and user.is_active and user.is_staff:
        return qs
    managed = access.wards_with_role(user, Role.COUNCILLOR)
    return qs.filter(~Q(phase=Phase.DRAFT) | Q(ward__in=managed))


def can_change_proposal(user: UserLike, proposal: Proposal) -> bool:
    """Whether the proposer may still edit or withdraw (the page shows the buttons if so)."""
    try:
        _require_proposer_window(user, proposal, "change")
    except (PermissionDenied, ValidationError):
        return False
    return True


def proposals_open_now(round: Round, now: datetime.datetime | None = None) -> bool:
    try:
        _require_proposals_open(round, now)
    except ValidationError:
        return False
    return True


def _require_proposals_open(round: Round, now: datetime.datetime | None = None) -> None:
    now = now or timezone.now()
    if round.phase != Phase.PROPOSALS:
        if PHASE_ORDER.index(round.phase) < PHASE_ORDER.index(Phase.PROPOSALS):
            raise ValidationError("This round is not taking proposals yet.")
        raise ValidationError(
            "This round has stopped taking proposals"
            + (f": the deadline was {when(round.proposals_end)}." if round.proposals_end else ".")
        )
    if round.proposals_start and now < round.proposals_start:
        raise ValidationError(f"Proposals open on {when(round.proposals_start)}.")
    if round.proposals_end and now >= round.proposals_end:
        raise ValidationError(
            f"The deadline for proposals was {when(round.proposals_end)}; it has passed."
        )


def _check_cost(round: Round, pence: int | None, field: str) -> None:
    if pence is None:
        raise ValidationError({field: "Enter the cost in pounds."})
    if pence < MIN_COST_PENCE:
        raise ValidationError({field: "The cost must be at least £1."})
    if pence > round.budget_pence:
        raise ValidationError(
            {
                field: f"The cost cannot be more than this round's whole budget of "
                f"{format_pence(round.budget_pence)}."
            }
        )


# --- rounds -------------------------------------------------------------------------------


def _pick(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(ROUND_FIELDS))
    if unknown:
        raise ValidationError(
            {name: "This setting does not exist or cannot be changed here." for name in unknown}
        )
    values = dict(fields)
    # Free text is cleaned here, whoever calls (the page, the API, a command), so that every
    # title can be written to ballots.pb: see wards.text.
    if "title" in values:
        values["title"] = single_line(values["title"])
    if "description" in values:
        values["description"] = multi_line(values["description"])
    if "categories" in values and isinstance(values["categories"], list | tuple):
        cleaned = (single_line(str(c)) for c in values["categories"])
        values["categories"] = list(dict.fromkeys(c for c in cleaned if c))
    return values


@transaction.atomic
def create_round(ward: Ward, *, by: UserLike, title: str, **fields: Any) -> Round:
    """A new round in draft. The budget defaults to the ward's whole chest."""
    access.require(by, Action.MANAGE_ROUND, ward)
    values = _pick({"title": title, **fields})
    values.setdefault("budget_pence", ward.chest_pence)
    round = Round(ward=ward, phase=Phase.DRAFT, created_by=by, **values)
    _full_clean(round)
    round.save()
    audit.record(
        "round.created",
        ward=ward,
        round=round,
        actor=_actor(by, ward, Role.COUNCILLOR),
        payload={"title": round.title, **_settings_snapshot(round)},
    )
    return round


def _settings_snapshot(round: Round) -> dict[str, Any]:
    return {name: _public(getattr(round, name)) for name in BALLOT_SETTINGS}


@transaction.atomic
def update_round(round: Round, *, by: UserLike, reason: str = "", **changes: Any) -> Round:
    """Change a round's settings. Ballot settings are refused once voting has opened."""
    access.require(by, Action.MANAGE_ROUND, round.ward)
    round = Round.objects.select_for_update().get(pk=round.pk)
    reason = _clean_reason(reason, required=False)
    values = _pick(changes)
    if round.phase in RESULT_PHASES:
        raise ValidationError(
            "Voting in this round has ended, so its settings can no longer change."
        )
    changed = {k: v for k, v in values.items() if getattr(round, k) != v}
    if round.settings_frozen:
        frozen = sorted(set(changed) & set(BALLOT_SETTINGS))
        if frozen:
            raise ValidationError(
                {
                    name: "Voting has opened, so the ballot settings are frozen: "
                    "they cannot change until the round ends."
                    for name in frozen
                }
            )
    if not changed:
        return round
    for name, value in changed.items():
        setattr(round, name, value)
    _full_clean(round)
    round.save()
    audit.record(
        "round.updated",
        ward=round.ward,
        round=round,
        actor=_actor(by, round.ward, Role.COUNCILLOR),
        payload={
            "changed": {name: _public(getattr(round, name)) for name in sorted(changed)},
            "reason": reason,
        },
    )
    return round


def next_phase(round: Round) -> str | None:
    return NEXT_PHASE.get(round.phase)


def voting_blockers(round: Round) -> list[str]:
    """What stops voting from opening, in words; empty when the round is ready."""
    problems: list[str] = []
    waiting = round.proposals.filter(status=ProposalStatus.SUBMITTED).count()
    if waiting:
        problems.append(
            f"{waiting} proposal{'s' if waiting != 1 else ''} still "
            f"{'wait' if waiting != 1 else 'waits'} for a review."
        )
    if not round.proposals.on_ballot().exists():
        problems.append("No proposal has been found feasible, so the ballot would be empty.")
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
    return problems


@transaction.atomic
def change_phase(round: Round, to: str, *, by: UserLike, reason: str = "") -> Round:
    """Move a round one step forward (draft → proposals → review → voting), with a reason.

    `by=None` means the scheduler (advance_rounds); anyone else must manage the round.
    """
    if by is not None:
        access.require(by, Action.MANAGE_ROUND, round.ward)
    round = Round.objects.select_for_update().select_related("ward").get(pk=round.pk)
    reason = _clean_reason(reason, required=False)
    if to not in PHASE_ORDER:
        raise ValidationError({"phase": f"There is no phase called {to!r}."})
    if to in RESULT_PHASES:
        raise ValidationError(
            {
                "phase": f"A round becomes {to} only when its votes are counted: use "
                f"{RESULT_PHASE_SERVICE[to]} (the ballots app), not a phase change."
            }
        )
    if to == round.phase:
        raise ValidationError({"phase": f"This round is already in the {to} phase."})
    expected = NEXT_PHASE.get(round.phase)
    if to != expected:
        raise ValidationError(
            {
                "phase": f"A round moves one step at a time: from {round.phase} it can only go "
                f"to {expected}."
            }
        )
    if to == Phase.VOTING:
        problems = voting_blockers(round)
        if problems:
            raise ValidationError({"phase": ["Voting cannot open yet.", *problems]})
    return _set_phase(round, to, by=by, reason=reason)


def _set_phase(round: Round, to: str, *, by: UserLike, reason: str) -> Round:
    previous = round.phase
    round.phase = to
    now = timezone.now()
    update = ["phase", "updated_at"]
    if to == Phase.VOTING and not round.settings_frozen:
        round.settings_frozen_at = now
        update.append("settings_frozen_at")
    round.save(update_fields=update)
    actor = _actor(by, round.ward, Role.COUNCILLOR)
    audit.record(
        "round.phase_changed",
        ward=round.ward,
        round=round,
        actor=actor,
        payload={"from": previous, "to": to, "reason": reason, "scheduled": by is None},
    )
    if "settings_frozen_at" in update:
        audit.record(
            "round.settings_frozen",
            ward=round.ward,
            round=round,
            actor=actor,
            payload={
                "settings": _settings_snapshot(round),
                "ballot": sorted(round.proposals.on_ballot().values_list("pk", flat=True)),
            },
        )
    return round


@transaction.atomic
def enter_result_phase(round: Round, to: str, *, by: UserLike, reason: str = "") -> Round:
    """The hook for ballots.services.close_round / publish_round: voting → closed → published.

    The ballots app checks its own rules (voting has ended, ballots are sealed, the result is
    stored) before calling this, inside its transaction; this checks only the phase order.
    """
    if by is not None:
        access.require(by, Action.MANAGE_ROUND, round.ward)
    round = Round.objects.select_for_update().select_related("ward").get(pk=round.pk)
    if to not in RESULT_PHASES:
        raise ValidationError({"phase": "Use change_phase for phases before voting ends."})
    if NEXT_PHASE.get(round.phase) != to:
        raise ValidationError({"phase": f"A round in the {round.phase} phase cannot become {to}."})
    return _set_phase(round, to, by=by, reason=_clean_reason(reason, required=False))


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
        to = NEXT_PHASE[round.phase]
        try:
            change_phase(round, to, by=None, reason="Scheduled: the phase's end date passed.")
        except ValidationError as exc:
            message = f"{label}: cannot move to {to}: {' '.join(exc.messages)}"
            results.append(Advance(round, "waiting", message))
        else:
            results.append(Advance(round, "moved", f"{label}: {round.phase} → {to}."))
        say(results[-1].message)
    return results


# --- proposals ----------------------------------------------------------------------------


def _proposal_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(PROPOSAL_FIELDS))
    if unknown:
        raise ValidationError({name: "This field cannot be set here." for name in unknown})
    values = dict(fields)
    for name in ("title", "category", "location", "delivery_partner"):
        if name in values:
            values[name] = single_line(values[name])
    for name in ("summary", "description"):
        if name in values:
            values[name] = multi_line(values[name])
    return values


def _check_category(round: Round, category: str) -> None:
    if round.categories and category not in round.categories:
        raise ValidationError(
            {"category": "Choose one of this round's categories: " + ", ".join(round.categories)}
        )


@transaction.atomic
def submit_proposal(
    round: Round,
    *,
    by: UserLike,
    title: str,
    summary: str,
    description: str,
    estimated_cost_pence: int,
    category: str = "",
    location: str = "",
    delivery_partner: str = "",
    volunteer_hours: int | None = None,
) -> Proposal:
    """A resident of the ward proposes a project while the round takes proposals."""
    access.require(by, Action.PROPOSE, round.ward)
    round = Round.objects.select_for_update().select_related("ward").get(pk=round.pk)
    _require_proposals_open(round)
    values = _proposal_values(
        {
            "title": title,
            "summary": summary,
            "description": description,
            "estimated_cost_pence": estimated_cost_pence,
            "category": category,
            "location": location,
            "delivery_partner": delivery_partner,
            "volunteer_hours": volunteer_hours,
        }
    )
    _check_cost(round, estimated_cost_pence, "estimated_cost_pence")
    _check_category(round, values["category"])
    proposal = Proposal(round=round, proposer=by, cost_pence=estimated_cost_pence, **values)
    _full_clean(proposal)
    proposal.save()
    audit.record(
        "proposal.submitted",
        ward=round.ward,
        round=round,
        actor=_actor(by, round.ward, Role.RESIDENT),
        payload={
            "proposal": proposal.pk,
            "title": proposal.title,
            "estimated_cost_pence": proposal.estimated_cost_pence,
            "category": proposal.category,
        },
    )
    return proposal


def _require_proposer_window(user: UserLike, proposal: Proposal, verb: str) -> None:
    if user is None or not user.is_authenticated:
        raise PermissionDenied("Please sign in first.")
    if proposal.proposer_id != user.pk:
        raise PermissionDenied(f"Only the person who proposed this project can {verb} it.")
    if proposal.status != ProposalStatus.SUBMITTED:
        raise ValidationError(
            f"This proposal is {proposal.get_status_display().lower()}, so it cannot be "
            f"{'changed' if verb == 'change' else verb + 'n'} any more."
        )
    try:
        _require_proposals_open(proposal.round)
    except ValidationError:
        raise ValidationError(
            f"Proposals can be {'changed' if verb == 'change' else verb + 'n'} only until "
            "review starts, and this round is no longer taking proposals."
        ) from None


@transaction.atomic
def edit_proposal(proposal: Proposal, *, by: UserLike, **changes: Any) -> Proposal:
    """The proposer changes their proposal, until the proposals phase ends."""
    proposal = (
        Proposal.objects.select_for_update().select_related("round__ward").get(pk=proposal.pk)
    )
    _require_proposer_window(by, proposal, "change")
    values = _proposal_values(changes)
    round = proposal.round
    if "estimated_cost_pence" in values:
        _check_cost(round, values["estimated_cost_pence"], "estimated_cost_pence")
        values["cost_pence"] = values["estimated_cost_pence"]
    if "category" in values:
        _check_category(round, values["category"])
    changed = sorted(k for k, v in values.items() if getattr(proposal, k) != v)
    if not changed:
        return proposal
    for name in changed:
        setattr(proposal, name, values[name])
    _full_clean(proposal)
    proposal.save()
    public = [n for n in changed if n != "cost_pence"]
    audit.record(
        "proposal.edited",
        ward=round.ward,
        round=round,
        actor=_actor(by, round.ward, Role.RESIDENT),
        payload={
            "proposal": proposal.pk,
            "changed": public,
            "title": proposal.title,
            "estimated_cost_pence": proposal.estimated_cost_pence,
        },
    )
    return proposal


@transaction.atomic
def withdraw_proposal(proposal: Proposal, *, by: UserLike, reason: str = "") -> Proposal:
    """The proposer withdraws their proposal, until the proposals phase ends."""
    proposal = (
        Proposal.objects.select_for_update().select_related("round__ward").get(pk=proposal.pk)
    )
    _require_proposer_window(by, proposal, "withdraw")
    reason = _clean_reason(reason, required=False)
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.save(update_fields=["status", "updated_at"])
    audit.record(
        "proposal.withdrawn",
        ward=proposal.round.ward,
        round=proposal.round,
        actor=_actor(by, proposal.round.ward, Role.RESIDENT),
        payload={"proposal": proposal.pk, "title": proposal.title, "reason": reason},
    )
    return proposal


def _require_review(by: UserLike, proposal: Proposal) -> None:
    access.require(by, Action.REVIEW, proposal.round.ward)
    round = proposal.round
    if round.phase != Phase.REVIEW:
        if PHASE_ORDER.index(round.phase) < PHASE_ORDER.index(Phase.REVIEW):
            raise ValidationError("Proposals can be reviewed once the review phase starts.")
        raise ValidationError("The review phase has ended, so decisions can no longer change.")
    if proposal.status in (ProposalStatus.WITHDRAWN, ProposalStatus.MERGED):
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
        "proposal.reviewed",
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
    if into.status in (ProposalStatus.WITHDRAWN, ProposalStatus.MERGED):
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
        "proposal.merged",
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


def allowed_rules_text() -> list[tuple[str, list[str]]]:
    """Each ballot type with the rules that can count it, for forms and docs."""
    return [(ballot_type, sorted(rules)) for ballot_type, rules in ALLOWED_RULES.items()]


PROPOSAL_SORTS: dict[str, tuple[str, tuple[str, ...]]] = {
    "newest": ("Newest first", ("-created_at", "-id")),
    "oldest": ("Oldest first", ("created_at", "id")),
    "cost_low": ("Cost, lowest first", ("cost_pence", "id")),
    "cost_high": ("Cost, highest first", ("-cost_pence", "id")),
    "title": ("Title, A to Z", ("title", "id")),
}


def list_proposals(
    round: Round, *, status: str = "", category: str = "", sort: str = "newest"
) -> Any:
    """A round's proposals as the public lists them: withdrawn ones only when asked for."""
    qs = round.proposals.filter(status=status) if status else round.proposals.visible()
    if category:
        qs = qs.filter(category=category)
    _, order = PROPOSAL_SORTS.get(sort, PROPOSAL_SORTS["newest"])
    return qs.order_by(*order)


def require_can_change_proposal(user: UserLike, proposal: Proposal) -> None:
    """Raise unless the user may edit or withdraw the proposal now (pages check before a form)."""
    _require_proposer_window(user, proposal, "change")


def require_can_review(user: UserLike, proposal: Proposal) -> None:
    """Raise unless the user may review the proposal now (pages check before a form)."""
    _require_review(user, proposal)


def require_can_propose(user: UserLike, round: Round) -> None:
    """Raise unless the user may propose in the round now (pages check before a form)."""
    access.require(user, Action.PROPOSE, round.ward)
    _require_proposals_open(round)


PHASE_EXPLANATIONS: dict[str, str] = {
    Phase.DRAFT: "Councillors are setting this round up. Only they can see it for now.",
    Phase.PROPOSALS: "Residents are proposing projects. Anyone who lives in the area and is "
    "signed in can put one forward.",
    Phase.REVIEW: "Councillors are checking each proposal: whether it can be done and what it "
    "would cost. Every decision and its reason is public.",
    Phase.VOTING: "Voting is open on the feasible projects.",
    Phase.CLOSED: "Voting has ended. The votes are being counted.",
    Phase.PUBLISHED: "The result is published.",
}
WHAT_NEXT: dict[str, str] = {
    Phase.DRAFT: "Next, proposals open and residents can put projects forward.",
    Phase.PROPOSALS: "Next, councillors review every proposal and explain their decisions.",
    Phase.REVIEW: "Next, voting opens on the projects found feasible.",
    Phase.VOTING: "Next, voting closes and the votes are counted by the rule the round set.",
    Phase.CLOSED: "Next, the result is published with an explanation for every project.",
    Phase.PUBLISHED: "This round is finished.",
}


@dataclass(frozen=True)
class TimelineStep:
    phase: str
    label: str
    start: datetime.datetime | None
    end: datetime.datetime | None
    state: str  # "done", "current" or "upcoming"


def timeline(round: Round) -> list[TimelineStep]:
    """The round's phases with their dates, for the round page."""
    dates: dict[str, tuple[str | None, str | None]] = {
        Phase.DRAFT: (None, None),
        Phase.PROPOSALS: ("proposals_start", "proposals_end"),
        Phase.REVIEW: ("review_start", "review_end"),
        Phase.VOTING: ("voting_start", "voting_end"),
        Phase.CLOSED: (None, None),
        Phase.PUBLISHED: (None, None),
    }
    current = PHASE_ORDER.index(round.phase)
    steps = []
    for index, phase in enumerate(Phase):
        start, end = dates[phase]
        state = "done" if index < current else "current" if index == current else "upcoming"
        steps.append(
            TimelineStep(
                phase=phase.value,
                label=phase.label,
                start=getattr(round, start) if start else None,
                end=getattr(round, end) if end else None,
                state=state,
            )
        )
    return steps
