"""The access matrix's world: ward A (Sparkbrook) with a round in every phase and one of each
object a URL can name; ward B (Aston) with its own resident and councillor.

Personas: anonymous, resident_alice (A), resident_rhys (B), councillor_bob (B), clerk_cleo (A),
councillor_sam (A), and staff_dave (staff: every management action, never a resident's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from django.utils import timezone

from ballots.models import Ballot, PaperBatch
from budgets import services as round_services
from budgets.models import Phase, Pledge, PollingPlace, Proposal, Round, SupportStage
from budgets.models_discussion import Comment
from budgets.services import discussion
from tests.ballots.conftest import (  # noqa: F401 (fixtures used by name)
    clerk_cleo,
    make_voting_round,
    project_ids,
    resident_rhys,
)
from tests.budgets.conftest import make_proposal, make_round
from tests.delivery.conftest import publish_with_ballots
from wards.models import Ward

PERSONAS = [
    "anonymous",
    "resident_alice",
    "resident_rhys",
    "councillor_bob",
    "clerk_cleo",
    "councillor_sam",
    "staff_dave",
]


@dataclass
class World:
    ward: Ward
    rounds: dict[str, Round]
    proposals: dict[str, Proposal]
    comment: Comment
    place: PollingPlace
    batch: PaperBatch
    receipt: str
    code: str
    users: dict[str, Any] = field(default_factory=dict)


@pytest.fixture
def world(
    sparkbrook: Ward,
    aston: Ward,
    resident_alice: Any,
    resident_rhys: Any,  # noqa: F811
    councillor_bob: Any,
    clerk_cleo: Any,  # noqa: F811
    councillor_sam: Any,
    staff_dave: Any,
) -> World:
    # The draft through the service, so the ledger holds its events as it would in use.
    draft = round_services.create_round(
        sparkbrook,
        by=councillor_sam,
        title="Sparkbrook secret draft",
        budget_pence=100_000,
        categories=["Parks", "Streets"],
    )
    rounds = {
        phase: make_round(sparkbrook, phase, title=f"Sparkbrook {phase}")
        for phase in (Phase.PROPOSALS, Phase.REVIEW)
    }
    rounds[Phase.DRAFT] = draft
    # A support phase exists only where the round's support stage puts it (services freeze it).
    rounds[Phase.SUPPORT] = make_round(
        sparkbrook,
        Phase.SUPPORT,
        title="Sparkbrook support",
        support_stage=SupportStage.BEFORE_VOTING,
        support_limit=2,
        shortlist_top=2,
        support_opened_at=timezone.now(),
    )
    rounds[Phase.CANCELLED] = make_round(
        sparkbrook,
        Phase.CANCELLED,
        title="Sparkbrook cancelled",
        cancelled_at=timezone.now(),
        cancel_reason="No money after all.",
        cancelled_from=Phase.PROPOSALS,
    )
    rounds[Phase.VOTING] = make_voting_round(sparkbrook, title="Sparkbrook voting")
    closed = make_voting_round(sparkbrook, title="Sparkbrook closed")
    ids = project_ids(closed)
    rounds[Phase.CLOSED] = closed
    published = make_voting_round(sparkbrook, title="Sparkbrook published")
    ids = project_ids(published)
    rounds[Phase.PUBLISHED] = publish_with_ballots(
        published, [[ids[0], ids[1]], [ids[0], ids[1]], [ids[4]]]
    )
    from ballots import services

    services.close_round(closed)
    closed.refresh_from_db()
    proposal = make_proposal(rounds[Phase.PROPOSALS], resident_alice)
    proposals = {
        "proposal": proposal,
        "in_review": make_proposal(rounds[Phase.REVIEW], resident_alice, title="In review"),
        "in_support": make_proposal(rounds[Phase.SUPPORT], resident_alice, title="In support"),
        "draft": make_proposal(rounds[Phase.DRAFT], None, title="In a draft round"),
        "funded": Proposal.objects.get(pk=ids[0]),
        "on_ballot": Proposal.objects.filter(round=rounds[Phase.VOTING]).order_by("pk")[0],
    }
    # One proposal in every phase's round, named by the phase, for the phase sweep.
    proposals.update(
        {
            Phase.DRAFT: proposals["draft"],
            Phase.PROPOSALS: proposal,
            Phase.REVIEW: proposals["in_review"],
            Phase.SUPPORT: proposals["in_support"],
            Phase.VOTING: proposals["on_ballot"],
            Phase.CLOSED: Proposal.objects.filter(round=closed).order_by("pk")[0],
            Phase.PUBLISHED: proposals["funded"],
            Phase.CANCELLED: make_proposal(rounds[Phase.CANCELLED], resident_alice),
        }
    )
    comment = discussion.post_comment(proposal, by=resident_alice, body="Yes, please.")
    Pledge.objects.create(proposal=proposal, person=resident_alice, hours=2)
    place = PollingPlace.objects.create(round=rounds[Phase.PROPOSALS], name="Library")
    batch = PaperBatch.objects.create(round=rounds[Phase.VOTING], polling_place="Library")
    receipt = Ballot.objects.filter(round=rounds[Phase.PUBLISHED]).values_list(
        "receipt", flat=True
    )[0]
    (code,) = services.issue_codes(rounds[Phase.VOTING], 1)
    users = {
        "resident_alice": resident_alice,
        "resident_rhys": resident_rhys,
        "councillor_bob": councillor_bob,
        "clerk_cleo": clerk_cleo,
        "councillor_sam": councillor_sam,
        "staff_dave": staff_dave,
    }
    return World(sparkbrook, rounds, proposals, comment, place, batch, receipt, code, users)
