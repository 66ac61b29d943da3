"""What the delivery pages, the API, the ward page, the results page and the city dashboard show,
decided here so that templates decide nothing.

Every funded project of a published round is listed, with its record if anyone has reported on
it, else as "not started". Pledges are the budgets app's (a promise made to the proposal); the
hours they promise are shown against the hours the updates record as delivered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch
from django.http import Http404

from ballots.models import Result
from budgets import access as round_access
from budgets.models import Phase, Proposal, Round
from budgets.services.pledges import PledgeTotals, pledge_totals
from delivery.models import Delivery, Milestone, Status, Unspent, UnspentDecision, Update
from delivery.services import funded_ids, published_result
from wards.access import Action, can
from wards.models import Ward

STATUS_TAGS: dict[str, str] = {
    Status.DELIVERED: "tag tag-ok",
    Status.IN_PROGRESS: "tag tag-feasible",
    Status.CANCELLED: "tag tag-warn",
}


@dataclass(frozen=True)
class ProjectDelivery:
    """One funded project as the delivery pages show it."""

    proposal: Proposal
    record: Delivery | None
    milestones: list[Milestone] = field(default_factory=list)
    updates: list[Update] = field(default_factory=list)
    pledges: PledgeTotals = field(default_factory=PledgeTotals)

    @property
    def status(self) -> str:
        return self.record.status if self.record else Status.NOT_STARTED.value

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label)

    @property
    def status_tag(self) -> str:
        """The CSS class of the status tag."""
        return STATUS_TAGS.get(self.status, "tag")

    @property
    def cancelled_reason(self) -> str:
        return self.record.cancelled_reason if self.record else ""

    @property
    def cost_pence(self) -> int:
        """The cost on the ballot, which the result funded."""
        return self.proposal.cost_pence

    @property
    def spent_pence(self) -> int:
        return self.record.spent_pence if self.record else 0

    @property
    def final_cost_pence(self) -> int | None:
        return self.record.final_cost_pence if self.record else None

    @property
    def cost_so_far_pence(self) -> int:
        """What the project has cost: its final cost once known, else what is spent so far."""
        final = self.final_cost_pence
        return final if final is not None else self.spent_pence

    @property
    def hours_delivered(self) -> int:
        return self.record.hours_delivered if self.record else 0

    @property
    def latest_update(self) -> Update | None:
        return self.updates[0] if self.updates else None

    @property
    def latest_photo(self) -> Update | None:
        return next((u for u in self.updates if u.photo), None)


@dataclass(frozen=True)
class RoundDelivery:
    """A published round's funded projects and what became of its money."""

    round: Round
    result: Result
    projects: list[ProjectDelivery]
    unspent: Unspent | None

    @property
    def allocated_pence(self) -> int:
        return int(self.result.result_json.get("spent", 0))

    @property
    def left_unallocated_pence(self) -> int:
        """The budget the vote did not allocate (what the councillors' record starts from)."""
        return max(0, self.round.budget_pence - self.allocated_pence)

    @property
    def cost_so_far_pence(self) -> int:
        return sum(p.cost_so_far_pence for p in self.projects)

    def _count(self, status: str) -> int:
        return sum(1 for p in self.projects if p.status == status)

    @property
    def delivered(self) -> int:
        return self._count(Status.DELIVERED)

    @property
    def in_progress(self) -> int:
        return self._count(Status.IN_PROGRESS)

    @property
    def not_started(self) -> int:
        return self._count(Status.NOT_STARTED)

    @property
    def cancelled(self) -> int:
        return self._count(Status.CANCELLED)

    @property
    def pledged_hours(self) -> int:
        return sum(p.pledges.hours for p in self.projects)

    @property
    def hours_delivered(self) -> int:
        return sum(p.hours_delivered for p in self.projects)


# --- Fetching ------------------------------------------------------------------------------------


def get_published_round(user: Any, round_id: int) -> Round:
    """The round, or 404 unless this user may see it and its result is published."""
    round = round_access.get_round_for(user, round_id)
    if published_result(round) is None:
        raise Http404("Delivery is tracked once the round's result is published.")
    return round


def get_funded_project(round: Round, proposal_id: int) -> Proposal:
    """A project the round's published result funded, or 404."""
    result = published_result(round)
    if result is None or int(proposal_id) not in funded_ids(result):
        raise Http404("No such funded project in this round.")
    return Proposal.objects.select_related("round__ward").get(pk=proposal_id, round=round)


# --- Reading -------------------------------------------------------------------------------------


def _projects(
    round: Round, proposals: Iterable[Proposal], *, updates: int | None
) -> list[ProjectDelivery]:
    proposals = list(proposals)
    ids = [p.pk for p in proposals]
    records = {
        d.proposal_id: d
        for d in Delivery.objects.filter(proposal_id__in=ids).prefetch_related(
            "milestones",
            Prefetch("updates", queryset=Update.objects.order_by("-created_at", "-id")),
        )
    }
    totals = pledge_totals(ids)
    out = []
    for proposal in proposals:
        record = records.get(proposal.pk)
        all_updates = list(record.updates.all()) if record else []
        out.append(
            ProjectDelivery(
                proposal=proposal,
                record=record,
                milestones=list(record.milestones.all()) if record else [],
                updates=all_updates if updates is None else all_updates[:updates],
                pledges=totals.get(proposal.pk, PledgeTotals()),
            )
        )
    return out


def round_delivery(round: Round) -> RoundDelivery | None:
    """Every funded project of a published round with its latest updates (None before then)."""
    result = published_result(round)
    if result is None:
        return None
    proposals = Proposal.objects.filter(round=round, pk__in=funded_ids(result)).order_by("title")
    return RoundDelivery(
        round=round,
        result=result,
        projects=_projects(round, proposals, updates=None),
        unspent=Unspent.objects.filter(round=round).first(),
    )


def project_delivery(round: Round, proposal: Proposal) -> ProjectDelivery:
    """One funded project with all its milestones and updates."""
    return _projects(round, [proposal], updates=None)[0]


def delivery_flags(user: Any, round: Round) -> dict[str, bool]:
    """What this visitor may do on the delivery pages."""
    return {
        "can_update": can(user, Action.UPDATE_DELIVERY, round.ward),
        "can_record_unspent": can(user, Action.MANAGE_ROUND, round.ward),
    }


def ward_history(ward: Ward) -> list[RoundDelivery]:
    """Every published round of the ward, newest first, with what it funded and delivered."""
    rounds = (
        Round.objects.for_ward(ward)
        .in_phase(Phase.PUBLISHED)
        .select_related("ward", "neighbourhood")
        .order_by("-created_at", "-pk")
    )
    out = []
    for round in rounds:
        summary = round_delivery(round)
        if summary is not None:
            out.append(summary)
    return out


@dataclass(frozen=True)
class DeliveryCounts:
    delivered: int = 0
    in_progress: int = 0


def counts_by_ward() -> dict[int, DeliveryCounts]:
    """Per ward: funded projects of published rounds delivered, and in progress (one query)."""
    counts: dict[int, dict[str, int]] = {}
    rows = (
        Delivery.objects.published()
        .filter(status__in=[Status.DELIVERED, Status.IN_PROGRESS])
        .values_list("round__ward_id", "status")
        .annotate(n=Count("id"))
        .order_by()
    )
    for ward_id, status, n in rows:
        counts.setdefault(ward_id, {})[status] = n
    return {
        ward_id: DeliveryCounts(
            delivered=c.get(Status.DELIVERED, 0), in_progress=c.get(Status.IN_PROGRESS, 0)
        )
        for ward_id, c in counts.items()
    }


# --- The API's body ------------------------------------------------------------------------------


def _update_body(update: Update, absolute: Any) -> dict[str, Any]:
    return {
        "posted_at": update.created_at.isoformat(),
        "posted_by_role": update.posted_as,
        "text": update.text,
        "status": update.status or None,
        "spent_pence": update.spent_pence,
        "final_cost_pence": update.final_cost_pence,
        "hours_delivered": update.hours_delivered,
        "photo_url": absolute(update.photo.url) if update.photo else None,
        "photo_alt": update.photo_alt or None,
        "photo_sha256": update.photo_sha256 or None,
    }


def api_body(summary: RoundDelivery, absolute: Any) -> dict[str, Any]:
    """The delivery of a round as GET /api/v1/rounds/<id>/delivery/ answers it. `absolute`
    turns a path into a full URL."""
    unspent = summary.unspent
    return {
        "round": summary.round.pk,
        "ward": summary.round.ward.slug,
        "title": summary.round.title,
        "budget_pence": summary.round.budget_pence,
        "allocated_pence": summary.allocated_pence,
        "unspent": (
            {
                "decision": unspent.decision,
                "decision_label": UnspentDecision(unspent.decision).label,
                "amount_pence": unspent.amount_pence,
                "note": unspent.note,
                "recorded_at": unspent.recorded_at.isoformat(),
            }
            if unspent
            else None
        ),
        "projects": [
            {
                "proposal": p.proposal.pk,
                "title": p.proposal.title,
                "cost_pence": p.cost_pence,
                "status": p.status,
                "cancelled_reason": p.cancelled_reason or None,
                "spent_pence": p.spent_pence,
                "final_cost_pence": p.final_cost_pence,
                "pledged_hours": p.pledges.hours,
                "pledges": p.pledges.people,
                "in_kind": p.pledges.in_kind,
                "delivered_hours": p.hours_delivered,
                "milestones": [
                    {
                        "title": m.title,
                        "planned_on": m.planned_on.isoformat(),
                        "reached_on": m.reached_on.isoformat() if m.reached_on else None,
                    }
                    for m in p.milestones
                ],
                "updates": [_update_body(u, absolute) for u in p.updates],
            }
            for p in summary.projects
        ],
    }
