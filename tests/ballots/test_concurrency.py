"""One counted ballot per voter under concurrent submissions, on real PostgreSQL.

These tests run threads with their own database connections against committed data
(transactional tests), so they need PostgreSQL: SQLite serialises writers and proves nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from ballots import services
from ballots.models import Ballot, BallotStatus, Channel, Voter
from budgets.models import Phase, Proposal, Round
from tests.conftest import DECLARED
from tests.threads import run_at_once
from wards.models import Ward

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def nechells_round() -> Round:
    ward = Ward.objects.create(name="Nechells", slug="nechells", chest_pence=10_000_000)
    round = Round.objects.create(
        ward=ward, title="Nechells 2026", budget_pence=10_000_000, phase=Phase.VOTING
    )
    for i, cost in enumerate([3_000_000, 4_000_000, 2_500_000, 6_000_000]):
        Proposal.objects.create(
            round=round,
            title=f"Project {i}",
            summary="s",
            description="d",
            estimated_cost_pence=cost,
            cost_pence=cost,
            status="feasible",
        )
    return round


def test_fifty_simultaneous_changes_from_one_code_leave_one_counted_ballot(
    nechells_round: Round,
) -> None:
    (code,) = services.issue_codes(nechells_round, 1)
    ids = list(nechells_round.proposals.values_list("pk", flat=True))

    def vote(i: int) -> Callable[[], services.CastResult]:
        return lambda: services.cast_ballot(
            Round.objects.get(pk=nechells_round.pk),
            [ids[i % len(ids)]],
            code=code,
            declaration=DECLARED,
        )

    results = run_at_once([vote(i) for i in range(50)])
    errors = [r for r in results if isinstance(r, Exception)]
    assert errors == []
    receipts = [r.receipt for r in results]
    assert len(set(receipts)) == 50
    live = Ballot.objects.filter(round=nechells_round, status=BallotStatus.LIVE)
    assert live.count() == 1
    assert Ballot.objects.filter(round=nechells_round, status=BallotStatus.REPLACED).count() == 49
    assert Voter.objects.filter(round=nechells_round).count() == 1
    statuses = sorted(services.receipt_status(r).status for r in receipts)
    assert statuses == ["pending"] + ["replaced"] * 49
    assert services.turnout(nechells_round)["total"] == 1


def test_many_codes_at_once_each_get_one_ballot(nechells_round: Round) -> None:
    issued = services.issue_codes(nechells_round, 16)
    pid = nechells_round.proposals.values_list("pk", flat=True).first()
    results = run_at_once(
        [
            (
                lambda c=c: services.cast_ballot(
                    Round.objects.get(pk=nechells_round.pk), [pid], code=c, declaration=DECLARED
                )
            )
            for c in issued
        ]
    )
    assert not [r for r in results if isinstance(r, Exception)]
    assert Ballot.objects.filter(round=nechells_round, status=BallotStatus.LIVE).count() == 16


def test_a_ballot_racing_the_close_is_either_counted_or_refused(nechells_round: Round) -> None:
    issued = services.issue_codes(nechells_round, 12)
    pid = nechells_round.proposals.values_list("pk", flat=True).first()
    workers: list[Callable[[], Any]] = [
        (
            lambda c=c: services.cast_ballot(
                Round.objects.get(pk=nechells_round.pk), [pid], code=c, declaration=DECLARED
            )
        )
        for c in issued
    ]
    workers.insert(6, lambda: services.close_round(Round.objects.get(pk=nechells_round.pk)))
    results = run_at_once(workers)
    casts = [r for i, r in enumerate(results) if i != 6]
    accepted = {r.receipt for r in casts if isinstance(r, services.CastResult)}
    refused = [r for r in casts if isinstance(r, Exception)]
    assert all("Voting has closed" in " ".join(getattr(r, "messages", [str(r)])) for r in refused)
    nechells_round.refresh_from_db()
    assert nechells_round.phase == Phase.CLOSED
    result = nechells_round.result
    published_ids = {
        line.split(";")[0] for line in result.ballots_pb.split("VOTES\n", 1)[1].splitlines()[1:]
    }
    # Every accepted ballot was counted, and nothing else was.
    assert published_ids == accepted
    assert result.online_turnout == len(accepted)
    assert not Ballot.objects.filter(round=nechells_round, voter__isnull=False).exists()


def test_database_refuses_two_live_ballots_for_one_voter(nechells_round: Round) -> None:
    voter = Voter.objects.create(round=nechells_round, key="k" * 64, channel=Channel.ONLINE)
    Ballot.objects.create(
        round=nechells_round,
        voter=voter,
        receipt="AAAA-BBBB-CCCC-DDDD",
        channel=Channel.ONLINE,
        selection=["1"],
        commitment="0" * 64,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(
            round=nechells_round,
            voter=voter,
            receipt="AAAA-BBBB-CCCC-EEEE",
            channel=Channel.ONLINE,
            selection=["1"],
            commitment="1" * 64,
        )


def test_a_double_click_on_cast_casts_once(nechells_round: Round) -> None:
    """Ten submissions of one confirmation at once: one ballot, and all answer with it."""
    (code,) = services.issue_codes(nechells_round, 1)
    pid = nechells_round.proposals.values_list("pk", flat=True).first()
    token = services.new_cast_token(nechells_round)

    def confirm() -> str:
        return services.cast_with_token(
            Round.objects.get(pk=nechells_round.pk),
            [pid],
            token=token,
            code=code,
            declaration=DECLARED,
        )

    results = run_at_once([confirm] * 10)
    assert results == [token] * 10, results
    assert Ballot.objects.filter(round=nechells_round).count() == 1
    found = services.cast_by_token(nechells_round, token)
    assert found is not None and found.receipt == Ballot.objects.get().receipt


def test_an_account_and_its_code_racing_leave_one_live_ballot(nechells_round: Round) -> None:
    """The same person submitting with their account and with a code at the same moment."""
    from django.contrib.auth import get_user_model

    from wards.models import Membership, Role

    user = get_user_model().objects.create_user("nadia", password="x")
    Membership.objects.create(user=user, ward=nechells_round.ward, role=Role.RESIDENT)
    codes = services.issue_codes(nechells_round, 4)
    pid = nechells_round.proposals.values_list("pk", flat=True).first()
    workers: list[Callable[[], Any]] = [
        lambda: services.cast_ballot(
            Round.objects.get(pk=nechells_round.pk), [pid], user=user, declaration=DECLARED
        )
    ] * 3 + [
        (
            lambda c=c: services.cast_ballot(
                Round.objects.get(pk=nechells_round.pk),
                [pid],
                user=user,
                code=c,
                declaration=DECLARED,
            )
        )
        for c in codes
    ]
    run_at_once(workers)
    assert Ballot.objects.filter(round=nechells_round, status=BallotStatus.LIVE).count() == 1, (
        "one person, one live ballot"
    )
