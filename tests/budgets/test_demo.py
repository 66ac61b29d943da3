"""The budgets demo seeder: every phase present, realistic proposals, idempotent, on the ledger."""

from __future__ import annotations

import pytest
from django.apps import apps

from audit.models import Event
from budgets.models import Phase, Proposal, ProposalStatus, Round
from wards.demo import seed_wards_and_people
from wards.models import WardPostcode

pytestmark = pytest.mark.django_db


def test_seed_gives_every_phase_a_round_and_is_idempotent() -> None:
    lines: list[str] = []
    seed_wards_and_people(lines.append)
    config = apps.get_app_config("budgets")
    config.seed_demo(lines.append)  # type: ignore[attr-defined]
    counts = (Round.objects.count(), Proposal.objects.count(), Event.objects.count())
    config.seed_demo(lines.append)  # type: ignore[attr-defined]
    assert (Round.objects.count(), Proposal.objects.count(), Event.objects.count()) == counts
    assert set(Round.objects.values_list("phase", flat=True)) == set(Phase.values)
    spark = Round.objects.get(ward__slug="sparkbrook", title="Sparkbrook Community Chest 2026")
    assert spark.phase == Phase.VOTING and spark.settings_frozen_at is not None
    assert spark.ballot_type == "knapsack" and spark.rule == "greedy"
    assert Round.objects.get(ward__slug="ladywood").rule == "mes"
    assert Round.objects.get(neighbourhood__slug="balsall-heath").phase == Phase.PROPOSALS
    for round in Round.objects.exclude(phase=Phase.DRAFT):
        assert 8 <= round.proposals.count() <= 25, round
        costs = round.proposals.values_list("estimated_cost_pence", flat=True)
        assert all(50_000 <= c <= 4_000_000 for c in costs)
        if round.phase in (Phase.VOTING, Phase.CLOSED, Phase.PUBLISHED):
            assert not round.proposals.filter(status=ProposalStatus.SUBMITTED).exists()
            assert round.proposals.on_ballot().exists()
            assert all(p.review_reason for p in round.proposals.all())
    aston = Round.objects.get(ward__slug="aston")
    assert aston.proposals.filter(status=ProposalStatus.SUBMITTED).exists()
    assert aston.proposals.exclude(status=ProposalStatus.SUBMITTED).exists()
    assert Event.objects.filter(kind="round.settings_frozen").count() == 6
    assert WardPostcode.objects.filter(ward__slug="sparkbrook").count() >= 10
    assert any("Budget rounds:" in line for line in lines)
