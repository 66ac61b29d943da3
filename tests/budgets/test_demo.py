"""The budgets demo seeder: rounds up to voting through the services; idempotent."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.utils import timezone

from audit.models import Event
from budgets.models import Phase, Proposal, ProposalStatus, Round
from wards.demo import seed_wards_and_people
from wards.models import WardPostcode

pytestmark = pytest.mark.django_db


def test_seed_takes_every_round_as_far_as_voting_and_is_idempotent() -> None:
    lines: list[str] = []
    seed_wards_and_people(lines.append)
    config = apps.get_app_config("budgets")
    config.seed_demo(lines.append)  # type: ignore[attr-defined]
    counts = (Round.objects.count(), Proposal.objects.count(), Event.objects.count())
    config.seed_demo(lines.append)  # type: ignore[attr-defined]
    assert (Round.objects.count(), Proposal.objects.count(), Event.objects.count()) == counts
    # Closing and publishing are the ballots seeder's (after ballots are cast), as in real life.
    before_votes = set(Phase.values) - {Phase.CLOSED, Phase.PUBLISHED, Phase.CANCELLED}
    assert set(Round.objects.values_list("phase", flat=True)) == before_votes
    for title in ("Hall Green Community Chest 2026", "Edgbaston Community Chest 2025"):
        assert Round.objects.get(title=title).phase == Phase.VOTING
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
    # The history is the services': each proposal submitted and reviewed by real people, once.
    assert Event.objects.filter(kind="proposal.submitted").count() == Proposal.objects.count()
    edgbaston = Round.objects.get(ward__slug="edgbaston")
    steps = Event.objects.filter(round_id=edgbaston.pk, kind="round.phase_changed")
    assert [e.payload["to"] for e in steps.order_by("seq")] == ["proposals", "review", "voting"]
    assert edgbaston.voting_start <= timezone.now() < edgbaston.voting_end
    assert WardPostcode.objects.filter(ward__slug="sparkbrook").count() >= 10
    assert any("Budget rounds:" in line for line in lines)


def test_the_demo_discussion_has_one_hidden_comment_made_by_the_services() -> None:
    from budgets.models import Comment

    lines: list[str] = []
    seed_wards_and_people(lines.append)
    config = apps.get_app_config("budgets")
    config.seed_demo(lines.append)  # type: ignore[attr-defined]
    spark = Round.objects.get(ward__slug="sparkbrook", title="Sparkbrook Community Chest 2026")
    comments = Comment.objects.filter(proposal__round=spark)
    assert comments.count() == 4 and comments.filter(parent__isnull=False).count() == 1
    hidden = comments.get(hidden_at__isnull=False)
    assert hidden.hidden_reason.startswith("It named a private household")
    event = Event.objects.get(kind="comment.hidden")
    assert event.round_id == spark.pk and event.payload["comment"] == hidden.pk
    assert "number 12" not in event.body
    config.seed_demo(lines.append)  # type: ignore[attr-defined]
    assert Comment.objects.count() == 4 and Event.objects.filter(kind="comment.hidden").count() == 1
    assert any("one hidden" in line for line in lines)


def test_sparkbrooks_round_went_through_support_and_shortlisting() -> None:
    from budgets.models import Support

    lines: list[str] = []
    seed_wards_and_people(lines.append)
    apps.get_app_config("budgets").seed_demo(lines.append)  # type: ignore[attr-defined]
    spark = Round.objects.get(ward__slug="sparkbrook", title="Sparkbrook Community Chest 2026")
    steps = Event.objects.filter(round_id=spark.pk, kind="round.phase_changed").order_by("seq")
    assert [e.payload["to"] for e in steps] == ["proposals", "review", "support", "voting"]
    shortlisted = Event.objects.get(round_id=spark.pk, kind="round.shortlisted")
    assert shortlisted.payload["rule"]["top"] == 7
    missed = spark.proposals.filter(status=ProposalStatus.NOT_SHORTLISTED)
    assert missed.exists() and set(missed.values_list("shortlist_missed_by", flat=True)) == {1}
    assert spark.proposals.on_ballot().count() == 7
    assert Support.objects.filter(proposal__round=spark).count() == 9
    acocks = Round.objects.get(ward__slug="acocks-green")
    assert acocks.phase == Phase.SUPPORT and acocks.support_opened_at is not None
    assert Support.objects.filter(proposal__round=acocks).exists()
