"""The scheduler: advance_rounds moves rounds whose phase has ended, and never closes voting."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from audit.models import Event
from budgets import hooks, services
from budgets.models import Phase, Round
from tests.budgets.conftest import ago, ahead, make_feasible, make_proposal, make_round
from wards.models import Ward

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_closer() -> Any:
    previous = hooks.get_closer()
    hooks.unregister_closer()
    yield
    if previous is not None:
        hooks.register_closer(previous)


def run() -> str:
    out = StringIO()
    call_command("advance_rounds", stdout=out)
    return out.getvalue()


def test_rounds_past_their_deadline_move_one_phase(sparkbrook: Ward, aston: Ward) -> None:
    draft = make_round(sparkbrook, Phase.DRAFT, proposals_start=ago(hours=1))
    proposals = make_round(aston, Phase.PROPOSALS, proposals_end=ago(minutes=5))
    not_yet = make_round(aston, Phase.PROPOSALS, proposals_end=ahead(days=3), title="Later")
    output = run()
    assert "2 rounds past a phase deadline" in output
    assert "draft → proposals" in output and "proposals → review" in output
    assert "Done: 2 moved on, 0 waiting." in output
    for round, phase in [(draft, "proposals"), (proposals, "review"), (not_yet, "proposals")]:
        round.refresh_from_db()
        assert round.phase == phase
    event = Event.objects.filter(kind="round.phase_changed").first()
    assert event is not None
    assert event.actor_role == "system"
    assert event.payload["scheduled"] is True


def test_review_waits_until_every_proposal_is_reviewed(sparkbrook: Ward) -> None:
    round = make_round(sparkbrook, Phase.REVIEW, review_end=ago(minutes=1))
    make_proposal(round)
    output = run()
    assert "cannot move to voting" in output and "waits for a review" in output
    round.refresh_from_db()
    assert round.phase == Phase.REVIEW
    make_feasible(round.proposals.get())
    run()
    round.refresh_from_db()
    assert round.phase == Phase.VOTING
    assert round.settings_frozen_at is not None


def test_voting_is_never_closed_without_the_ballots_closer(sparkbrook: Ward) -> None:
    round = make_round(sparkbrook, Phase.VOTING, voting_end=ago(minutes=1))
    output = run()
    assert "close_round must run" in output
    round.refresh_from_db()
    assert round.phase == Phase.VOTING


def test_voting_is_closed_by_the_registered_closer(sparkbrook: Ward) -> None:
    round = make_round(sparkbrook, Phase.VOTING, voting_end=ago(minutes=1))
    calls: list[tuple[int, Any]] = []

    def closer(r: Round, *, by: Any = None) -> None:
        calls.append((r.pk, by))
        services.enter_result_phase(r, Phase.CLOSED, by=by)

    hooks.register_closer(closer)
    output = run()
    assert calls == [(round.pk, None)]
    assert "voting closed" in output
    round.refresh_from_db()
    assert round.phase == Phase.CLOSED
