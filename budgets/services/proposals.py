"""Residents' proposals: submit, edit and withdraw while the round takes proposals; list them."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

import audit
from audit import kinds
from budgets.models import (
    Phase,
    Proposal,
    ProposalHiding,
    ProposalQuerySet,
    ProposalStatus,
    Round,
    UserLike,
)
from budgets.services._common import _actor, _check_cost, _clean_reason, _full_clean
from budgets.services.display import when
from wards import access, languages
from wards.access import Action
from wards.models import Role
from wards.text import multi_line, single_line

if TYPE_CHECKING:
    from django.utils.functional import _StrOrPromise as StrOrPromise

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
    if round.phase == Phase.CANCELLED:
        raise ValidationError(gettext("This round was cancelled, so it takes no proposals."))
    if round.phase != Phase.PROPOSALS:
        if round.phase_order.index(round.phase) < round.phase_order.index(Phase.PROPOSALS):
            raise ValidationError(gettext("This round is not taking proposals yet."))
        raise ValidationError(
            gettext("This round has stopped taking proposals: the deadline was %(when)s.")
            % {"when": when(round.proposals_end)}
            if round.proposals_end
            else gettext("This round has stopped taking proposals.")
        )
    if round.proposals_start and now < round.proposals_start:
        raise ValidationError(
            gettext("Proposals open on %(when)s.") % {"when": when(round.proposals_start)}
        )
    if round.proposals_end and now >= round.proposals_end:
        raise ValidationError(
            gettext("The deadline for proposals was %(when)s; it has passed.")
            % {"when": when(round.proposals_end)}
        )


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
            {
                "category": gettext("Choose one of this round's categories: %(categories)s")
                % {"categories": ", ".join(round.categories)}
            }
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
    language: str = "",
) -> Proposal:
    """A resident of the ward proposes a project while the round takes proposals.

    `language` is the one it is written in: by default the proposer's active language."""
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
    written_in = languages.supported(language) if language else languages.active_language()
    if written_in is None:
        raise ValidationError({"language": "Choose one of the languages the site offers."})
    # A double click or a back-and-resubmit sends the same proposal again: the round's row lock
    # above orders the two, and the second gets the first's proposal instead of a copy.
    copies = round.proposals.standing().filter(proposer=by, language=written_in, **values)
    same = copies.order_by("pk").first()
    if same is not None:
        return same
    proposal = Proposal(
        round=round,
        proposer=by,
        cost_pence=estimated_cost_pence,
        language=written_in,
        **values,
    )
    _full_clean(proposal)
    proposal.save()
    audit.record(
        kinds.PROPOSAL_SUBMITTED,
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
    """Refuse, in the proposer's language, unless they may still change/withdraw it."""
    change = verb == "change"
    if user is None or not user.is_authenticated:
        raise PermissionDenied(gettext("Please sign in first."))
    if proposal.proposer_id != user.pk:
        raise PermissionDenied(
            gettext("Only the person who proposed this project can change it.")
            if change
            else gettext("Only the person who proposed this project can withdraw it.")
        )
    if proposal.status != ProposalStatus.SUBMITTED:
        status = {"status": proposal.get_status_display().lower()}
        raise ValidationError(
            gettext("This proposal is %(status)s, so it cannot be changed any more.") % status
            if change
            else gettext("This proposal is %(status)s, so it cannot be withdrawn any more.")
            % status
        )
    if proposal.round.cancelled:
        raise ValidationError(
            gettext("This round was cancelled, so its proposals cannot be changed any more.")
            if change
            else gettext("This round was cancelled, so its proposals cannot be withdrawn any more.")
        )
    if change and ProposalHiding.objects.filter(proposal=proposal).exists():
        # The hash in the ledger refers to the text the councillors hid.
        raise ValidationError(
            gettext("The ward's councillors hid this proposal's text, so it cannot change.")
        )
    try:
        _require_proposals_open(proposal.round)
    except ValidationError:
        raise ValidationError(
            gettext(
                "Proposals can be changed only until review starts, and this round is no "
                "longer taking proposals."
            )
            if change
            else gettext(
                "Proposals can be withdrawn only until review starts, and this round is no "
                "longer taking proposals."
            )
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
        kinds.PROPOSAL_EDITED,
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
        kinds.PROPOSAL_WITHDRAWN,
        ward=proposal.round.ward,
        round=proposal.round,
        actor=_actor(by, proposal.round.ward, Role.RESIDENT),
        payload={"proposal": proposal.pk, "title": proposal.title, "reason": reason},
    )
    return proposal


PROPOSAL_SORTS: dict[str, tuple[StrOrPromise, tuple[str, ...]]] = {
    "newest": (_("Newest first"), ("-created_at", "-id")),
    "oldest": (_("Oldest first"), ("created_at", "id")),
    "cost_low": (_("Cost, lowest first"), ("cost_pence", "id")),
    "cost_high": (_("Cost, highest first"), ("-cost_pence", "id")),
    "title": (_("Title, A to Z"), ("title", "id")),
}


def list_proposals(
    round: Round, *, status: str = "", category: str = "", sort: str = "newest"
) -> ProposalQuerySet:
    """A round's proposals as the public lists them: withdrawn ones only when asked for."""
    qs = round.proposals.filter(status=status) if status else round.proposals.visible()
    if category:
        qs = qs.filter(category=category)
    _label, order = PROPOSAL_SORTS.get(sort, PROPOSAL_SORTS["newest"])
    # Supports are public counts (budgets.services.support); every list shows them.
    return qs.annotate(support_count=Count("supports")).order_by(*order)


def require_can_change_proposal(user: UserLike, proposal: Proposal) -> None:
    """Raise unless the user may edit or withdraw the proposal now (pages check before a form)."""
    _require_proposer_window(user, proposal, "change")


def require_can_propose(user: UserLike, round: Round) -> None:
    """Raise unless the user may propose in the round now (pages check before a form)."""
    access.require(user, Action.PROPOSE, round.ward)
    _require_proposals_open(round)
