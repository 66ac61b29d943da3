"""The same form sent twice at the same moment (a double click that reaches two workers), on
real PostgreSQL with a connection per thread: one proposal, one comment, one review, one draft
round, one delivery update."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from audit.models import Event
from budgets import services
from budgets.models import Phase, Proposal, Review, Round
from budgets.models_discussion import Comment
from delivery import services as delivery
from delivery.models import Delivery, Update
from tests.ballots.conftest import make_voting_round, project_ids
from tests.budgets.conftest import make_proposal, make_round
from tests.conftest import make_user
from tests.delivery.conftest import publish_with_ballots
from tests.threads import same_at_once
from wards.models import Membership, Role, Ward

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

TIMES = 6


def _at_once(work: Callable[[], Any], times: int = TIMES) -> list[Any]:
    return same_at_once(work, times)


@pytest.fixture
def ward() -> Ward:
    return Ward.objects.create(name="Sparkbrook", slug="sparkbrook", chest_pence=10_000_000)


def _member(ward: Ward, name: str, role: str) -> Any:
    user = make_user(name)
    Membership.objects.create(user=user, ward=ward, role=role)
    return user


def test_the_same_proposal_sent_at_once_is_one_proposal(ward: Ward) -> None:
    round = make_round(ward, Phase.PROPOSALS)
    alice = _member(ward, "alice", Role.RESIDENT)
    results = _at_once(
        lambda: services.submit_proposal(
            Round.objects.get(pk=round.pk),
            by=alice,
            title="Bench",
            summary="A bench.",
            description="By the bus stop.",
            estimated_cost_pence=120_000,
            category="Parks",
            language="en",
        )
    )
    assert {r.pk for r in results} == set(Proposal.objects.values_list("pk", flat=True))
    assert Proposal.objects.count() == 1
    assert Event.objects.filter(kind="proposal.submitted").count() == 1


def test_the_same_comment_sent_at_once_is_one_comment(ward: Ward) -> None:
    round = make_round(ward, Phase.PROPOSALS)
    alice = _member(ward, "alice", Role.RESIDENT)
    proposal = make_proposal(round, alice)
    results = _at_once(lambda: services.post_comment(proposal, by=alice, body="Good idea."))
    assert not [r for r in results if isinstance(r, Exception)]
    assert Comment.objects.count() == 1


def test_the_same_review_sent_at_once_is_one_review(ward: Ward) -> None:
    round = make_round(ward, Phase.REVIEW)
    sam = _member(ward, "sam", Role.COUNCILLOR)
    proposal = make_proposal(round, None)
    results = _at_once(
        lambda: services.decide_review(proposal, by=sam, decision="feasible", reason="Fine.")
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert Review.objects.count() == 1
    assert Event.objects.filter(kind="proposal.reviewed").count() == 1


def test_the_same_new_round_sent_at_once_is_one_draft(ward: Ward) -> None:
    sam = _member(ward, "sam", Role.COUNCILLOR)
    results = _at_once(
        lambda: services.create_round(
            Ward.objects.get(pk=ward.pk), by=sam, title="Sparkbrook 2027", budget_pence=4_000_000
        )
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert Round.objects.count() == 1
    assert Event.objects.filter(kind="round.created").count() == 1


def test_the_same_delivery_update_sent_at_once_adds_its_hours_once(ward: Ward) -> None:
    sam = _member(ward, "sam", Role.COUNCILLOR)
    round = make_voting_round(ward)
    ids = project_ids(round)
    round = publish_with_ballots(round, [[ids[0]], [ids[0]]])
    results = _at_once(
        lambda: delivery.post_update(
            Round.objects.get(pk=round.pk), ids[0], by=sam, text="Lamps up.", hours_delivered=5
        )
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert Update.objects.count() == 1
    assert Delivery.objects.get(proposal_id=ids[0]).hours_delivered == 5
