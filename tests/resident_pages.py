"""Every page a resident reads, with data in it: the axe-core test in six languages
(tests/browser/test_every_resident_page.py) and the page-weight test
(tests/ballots/test_page_weight.py) visit the same list.

Wards, one round each: Sparkbrook votes on a knapsack ballot (one vote cast), Ladywood on a points
ballot, Nechells on a ranked one, Bordesley on an approval one; Aston's round is closed and its
result published (funded projects with a delivery page); Moseley's is closed, not yet published;
Hodge Hill takes proposals (Alice, a resident, has proposed, commented and pledged there).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ballots import services
from budgets.models import BallotType, Phase, Proposal
from budgets.services import discussion, pledges
from delivery.services import funded_ids
from tests.ballots.conftest import make_voting_round, project_ids
from tests.budgets.conftest import make_proposal, make_round
from tests.conftest import DECLARED, make_user
from wards.models import Membership, Role, Ward


@dataclass
class ResidentPages:
    """Paths by name: `anonymous` for any visitor, `signed_in` for Alice, a Hodge Hill resident."""

    anonymous: dict[str, str] = field(default_factory=dict)
    signed_in: dict[str, str] = field(default_factory=dict)
    vote: str = ""  # Sparkbrook's knapsack ballot
    code: str = ""  # an unused Sparkbrook voting code, for the review step
    first_project: int = 0  # the first project on Sparkbrook's ballot
    alice: Any = None


def _ward(name: str, **extra: Any) -> Ward:
    slug = name.lower().replace(" ", "-")
    return Ward.objects.create(name=name, slug=slug, chest_pence=10_000_000, **extra)


def build_resident_pages() -> ResidentPages:
    sparkbrook, aston = _ward("Sparkbrook"), _ward("Aston")

    voting = make_voting_round(sparkbrook, scale=1000)
    ids = project_ids(voting)
    issued = services.issue_codes(voting, 2)
    receipt = services.cast_ballot(voting, [ids[0]], code=issued[0], declaration=DECLARED).receipt
    points = make_voting_round(_ward("Ladywood"), BallotType.CUMULATIVE, scale=1000)
    ranked = make_voting_round(_ward("Nechells"), BallotType.RANKED, scale=1000)
    approval = make_voting_round(_ward("Bordesley"), BallotType.APPROVAL, scale=1000)

    published = make_voting_round(aston, scale=1000)
    for code, pid in zip(services.issue_codes(published, 3), project_ids(published), strict=False):
        services.cast_ballot(published, [pid], code=code, declaration=DECLARED)
    services.close_round(published)
    result = services.publish_round(published)
    funded = sorted(funded_ids(result))
    pending = make_voting_round(_ward("Moseley"), scale=1000)
    (code,) = services.issue_codes(pending, 1)
    services.cast_ballot(pending, [project_ids(pending)[0]], code=code, declaration=DECLARED)
    services.close_round(pending)

    hodge_hill = _ward("Hodge Hill")
    alice = make_user("alice", first_name="Alice", last_name="Ahmed", email="alice@example.org")
    Membership.objects.create(user=alice, ward=hodge_hill, role=Role.RESIDENT)
    proposing = make_round(hodge_hill, Phase.PROPOSALS)
    proposal = make_proposal(proposing, alice)
    discussion.post_comment(proposal, by=alice, body="Please light the alley too.")
    pledges.make_pledge(proposal, by=alice, hours=4, in_kind="tools")
    comment = proposal.comments.first()
    assert comment is not None
    first = Proposal.objects.filter(round=voting).order_by("pk").first()
    assert first is not None

    pages = ResidentPages(
        vote=f"/rounds/{voting.pk}/vote/", code=issued[1], first_project=ids[0], alice=alice
    )
    pages.anonymous = {
        "home": "/",
        "find your ward": "/find-your-ward/",
        "find your ward: not found": "/find-your-ward/?postcode=ZZ1+1ZZ",
        "help": "/help/",
        "accessibility": "/accessibility/",
        "privacy": "/privacy/",
        "ward": "/wards/sparkbrook/",
        "ward: proposals": "/wards/hodge-hill/",
        "subscribe": "/wards/sparkbrook/subscribe/",
        "subscribe: sent": "/wards/sparkbrook/subscribe/sent/",
        "subscription: bad link": "/wards/subscriptions/confirm/not-a-token/",
        "unsubscribe: bad link": "/wards/subscriptions/unsubscribe/not-a-token/",
        "round: voting": f"/rounds/{voting.pk}/",
        "round: proposals": f"/rounds/{proposing.pk}/",
        "round: published": f"/rounds/{published.pk}/",
        "proposals": f"/rounds/{voting.pk}/proposals/",
        "proposal": f"/proposals/{first.pk}/",
        "proposal: discussed": f"/proposals/{proposal.pk}/",
        "report a proposal": f"/proposals/{proposal.pk}/report/",
        "report a comment": f"/comments/{comment.pk}/report/",
        "ballot: knapsack": pages.vote,
        "ballot: points": f"/rounds/{points.pk}/vote/",
        "ballot: ranked": f"/rounds/{ranked.pk}/vote/",
        "ballot: approval": f"/rounds/{approval.pk}/vote/",
        "ballot: not voting yet": f"/rounds/{proposing.pk}/vote/",
        "ballot: closed": f"/rounds/{published.pk}/vote/",
        "ballot: link gone": f"/rounds/{voting.pk}/vote/cast/not-a-token/",
        "receipt": f"/receipts/{receipt}",
        "receipt: unknown": "/receipts/NOT-A-RECEIPT",
        "receipt lookup": "/receipts/",
        "results": f"/rounds/{published.pk}/results/",
        "results: not yet published": f"/rounds/{pending.pk}/results/",
        "delivery": f"/rounds/{published.pk}/delivery/",
        "delivery: project": f"/rounds/{published.pk}/delivery/{funded[0]}/",
        "audit": "/audit/",
        "audit: ward": "/audit/wards/aston/",
        "audit: round": f"/audit/rounds/{published.pk}/",
        "dashboard": "/dashboard/",
        "sign in": "/accounts/login/",
        "sign up": "/accounts/signup/",
        "sign up: sent": "/accounts/signup/sent/",
        "sign up: bad link": "/accounts/signup/confirm/not-a-token/",
        "password reset": "/accounts/password_reset/",
        "password reset: sent": "/accounts/password_reset/done/",
        "password reset: bad link": "/accounts/reset/MQ/not-a-token/",
        "password reset: done": "/accounts/reset/done/",
        "not found": "/no-such-page/",
    }
    pages.signed_in = {
        "proposal: signed in": f"/proposals/{proposal.pk}/",
        "ward: signed in": "/wards/hodge-hill/",
        "proposal form": f"/rounds/{proposing.pk}/proposals/new/",
        "comment form": f"/proposals/{proposal.pk}/comments/new/",
        "pledge form": f"/proposals/{proposal.pk}/pledge/",
    }
    return pages
