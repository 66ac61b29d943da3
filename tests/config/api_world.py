"""A small city for the API fuzz tests: Sparkbrook with a round in every phase (each with
proposals), an Aston round, and the callers the API must tell apart.

Everything is built directly or through the services, so the same world comes out on SQLite
and PostgreSQL; the fuzz tests pick rows by position, never by a database id.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.test import Client
from django.utils import timezone

from ballots import services as ballot_services
from budgets.models import Comment, Phase, Proposal, Round, SupportStage
from tests.ballots.conftest import make_voting_round
from tests.budgets.conftest import make_feasible, make_proposal, make_round
from tests.conftest import make_user
from wards.models import Membership, Neighbourhood, Role, Ward

# A fixed CSRF secret: the fuzz requests go through the whole middleware stack, CSRF included.
CSRF_TOKEN = "fuzzcsrftokenfuzzcsrftokenabcdef"


@dataclass
class World:
    sparkbrook: Ward
    aston: Ward
    rounds: dict[str, Round] = field(default_factory=dict)
    proposals: list[Proposal] = field(default_factory=list)
    users: dict[str, Any] = field(default_factory=dict)
    receipts: list[str] = field(default_factory=list)

    def round_ids(self) -> list[int]:
        return [r.pk for r in self.rounds.values()]

    def proposal_ids(self) -> list[int]:
        return [p.pk for p in self.proposals]


def _member(username: str, ward: Ward | None, role: str) -> Any:
    user = make_user(username)
    Membership.objects.create(user=user, ward=ward, role=role)
    return user


def build_world() -> World:
    sparkbrook = Ward.objects.create(name="Sparkbrook", slug="sparkbrook", chest_pence=10_000_000)
    Neighbourhood.objects.create(ward=sparkbrook, name="Balsall Heath", slug="balsall-heath")
    aston = Ward.objects.create(name="Aston", slug="aston", chest_pence=10_000_000)
    world = World(sparkbrook=sparkbrook, aston=aston)
    world.users = {
        "resident": _member("alice", sparkbrook, Role.RESIDENT),
        "councillor": _member("sam", sparkbrook, Role.COUNCILLOR),
        "councillor_2": _member("sia", sparkbrook, Role.COUNCILLOR),
        "other_councillor": _member("bob", aston, Role.COUNCILLOR),
        "clerk": _member("cleo", sparkbrook, Role.CLERK),
    }
    alice = world.users["resident"]
    for phase in (Phase.DRAFT, Phase.PROPOSALS, Phase.REVIEW):
        round = make_round(sparkbrook, phase, title=f"Sparkbrook {phase}")
        world.rounds[phase] = round
        world.proposals.append(make_proposal(round, alice))
    support = make_round(
        sparkbrook,
        Phase.SUPPORT,
        title="Sparkbrook support",
        support_stage=SupportStage.BEFORE_VOTING,
        support_limit=2,
        shortlist_top=2,
    )
    support.support_opened_at = support.created_at
    support.save(update_fields=["support_opened_at"])
    world.rounds[Phase.SUPPORT] = support
    world.proposals.append(make_feasible(make_proposal(support, alice)))
    voting = make_voting_round(sparkbrook, title="Sparkbrook voting")
    world.rounds[Phase.VOTING] = voting
    ids = [p.pk for p in ballot_services.ballot_projects(voting)]
    world.proposals.extend(voting.proposals.order_by("pk")[:2])
    cast = ballot_services.cast_ballot(
        voting,
        ids[:2],
        declaration=ballot_services.Declaration(basis="live", age_confirmed=True),
        user=alice,
    )
    world.receipts.append(cast.receipt)
    for phase in (Phase.CLOSED, Phase.PUBLISHED):
        round = make_voting_round(sparkbrook, title=f"Sparkbrook {phase}")
        ballot_services.close_round(round)
        if phase == Phase.PUBLISHED:
            ballot_services.publish_round(round)
        round.refresh_from_db()
        world.rounds[phase] = round
        world.proposals.append(round.proposals.order_by("pk")[0])
    world.rounds["cancelled"] = make_round(
        sparkbrook,
        Phase.CANCELLED,
        title="Sparkbrook cancelled",
        cancelled_at=timezone.now(),
        cancel_reason="The park is being rebuilt.",
        cancelled_from=Phase.PROPOSALS,
    )
    world.rounds["aston"] = make_round(aston, Phase.PROPOSALS, title="Aston proposals")
    world.proposals.append(make_proposal(world.rounds["aston"]))
    Comment.objects.create(proposal=world.proposals[1], author=alice, body="Yes please.")
    return world


def session_cookies(user: Any | None) -> dict[str, str]:
    """Cookies a signed-in browser (or an anonymous one) sends: the session and the CSRF secret."""
    cookies = {"csrftoken": CSRF_TOKEN}
    if user is not None:
        client = Client()
        client.force_login(user)
        cookies["sessionid"] = client.cookies["sessionid"].value
    return cookies
