"""The test count before voting opens: a deck with a known outcome, counted through the real
counting path and rolled back, recorded in the ledger; voting opens only after it passes."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse

from audit import kinds
from audit.models import Event
from ballots import test_count as tc
from ballots.models import Ballot, Participation, Voter
from budgets import services as budget_services
from budgets.models import ALLOWED_RULES, RULES_WITH_SAT, BallotType, Phase, Round
from tests.ballots.conftest import make_voting_round
from tests.conftest import login
from wards.models import Ward

REPO = Path(__file__).resolve().parents[2]


def review_round(ward: Ward, ballot_type: str = BallotType.KNAPSACK, **extra: Any) -> Round:
    return make_voting_round(
        ward, ballot_type, phase=Phase.REVIEW, settings_frozen_at=None, **extra
    )


def cheapest(round: Round, n: int) -> list[str]:
    projects = sorted(round.proposals.on_ballot(), key=lambda p: (p.cost_pence, p.pk))
    return sorted(str(p.pk) for p in projects[:n])


def recorded_counts(round: Round) -> list[Event]:
    return list(Event.objects.for_round(round.pk).filter(kind__in=tc.TEST_COUNT_KINDS))


MATRIX = [
    (ballot_type, rule, sat)
    for ballot_type in BallotType
    for rule in sorted(ALLOWED_RULES[ballot_type])
    for sat in (("cost", "cardinality") if rule in RULES_WITH_SAT else ("cost",))
]


@pytest.mark.parametrize(("ballot_type", "rule", "sat"), MATRIX)
def test_every_rule_and_ballot_type_passes(
    sparkbrook: Ward, ballot_type: str, rule: str, sat: str
) -> None:
    round = review_round(sparkbrook, ballot_type, rule=rule, sat=sat)
    result = tc.run_test_count(round)
    assert result.passed, result.reason
    # £25,000 and £37,500 fit the £100,000 budget together and £40,000 more would not: the two
    # cheapest are funded by every rule, and nothing else fits what is left.
    assert result.selected == cheapest(round, 2)
    assert tc.test_count_problem(round) is None


@pytest.mark.parametrize("rule", ["greedy", "mes", "optimal", "phragmen", "mes-add1"])
def test_a_short_ballot_leaves_money_that_only_filling_rules_spend(
    sparkbrook: Ward, rule: str
) -> None:
    # One choice per ballot: everyone chooses the £25,000 project; £75,000 is left, which
    # greedy, Phragmén and mes-add1 spend on unchosen projects in id order (as text).
    round = review_round(
        sparkbrook, BallotType.APPROVAL, rule=rule, min_choices=None, max_choices=1
    )
    result = tc.run_test_count(round)
    assert result.passed, result.reason
    if rule in ("mes", "optimal"):
        assert result.selected == cheapest(round, 1)
    else:
        assert len(result.selected) > 1


def test_nothing_remains_but_the_event(sparkbrook: Ward) -> None:
    round = review_round(sparkbrook, BallotType.APPROVAL, rule="mes")
    before = Event.objects.count()
    tc.run_test_count(round)
    assert Ballot.objects.count() == 0
    assert Voter.objects.count() == 0
    assert Participation.objects.count() == 0
    events = list(Event.objects.order_by("seq"))[before:]
    assert [e.kind for e in events] == [kinds.ROUND_TEST_COUNT_PASSED]
    payload = events[0].payload
    assert payload["deck_sha256"] == tc.sha256_hex(payload["deck_pb"])
    assert payload["deck_pb"].count("\n") > tc.DECK_VOTERS


def test_a_broken_count_fails_and_voting_does_not_open(
    sparkbrook: Ward, councillor_sam: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ballots import tally as core
    from ballots.tally import Result

    real = core.tally

    def drops_a_project(*args: Any, **kwargs: Any) -> Result:
        result = real(*args, **kwargs)
        result.selected = result.selected[1:]
        return result

    monkeypatch.setattr(core, "tally", drops_a_project)
    round = review_round(sparkbrook)
    with pytest.raises(ValidationError) as refused:
        budget_services.change_phase(round, Phase.VOTING, by=councillor_sam)
    assert any("The test count failed" in m for m in refused.value.messages)
    round.refresh_from_db()
    assert round.phase == Phase.REVIEW
    # The failure stays on record, and nothing of the deck remains.
    assert [e.kind for e in recorded_counts(round)] == [kinds.ROUND_TEST_COUNT_FAILED]
    assert "left out" in recorded_counts(round)[0].payload["reason"]
    assert Ballot.objects.count() == 0
    monkeypatch.setattr(core, "tally", real)
    # Counting fixed: opening voting runs the test count again, and it passes.
    budget_services.change_phase(round, Phase.VOTING, by=councillor_sam)
    round.refresh_from_db()
    assert round.phase == Phase.VOTING
    assert recorded_counts(round)[-1].kind == kinds.ROUND_TEST_COUNT_PASSED


def test_opening_voting_runs_the_test_count_once(sparkbrook: Ward, councillor_sam: Any) -> None:
    round = review_round(sparkbrook)
    assert "No test count has passed" in " ".join(budget_services.voting_blockers(round))
    tc.run_test_count(round, by=councillor_sam)
    assert budget_services.voting_blockers(round) == []
    budget_services.change_phase(round, Phase.VOTING, by=None)  # the scheduler
    assert len(recorded_counts(round)) == 1  # the valid pass was reused
    kinds_in_order = [
        e.kind for e in Event.objects.for_round(round.pk).order_by("seq") if e.kind != "x"
    ]
    assert kinds_in_order.index(kinds.ROUND_TEST_COUNT_PASSED) < kinds_in_order.index(
        kinds.ROUND_PHASE_CHANGED
    )


def test_the_scheduler_runs_it_when_missing(sparkbrook: Ward) -> None:
    round = review_round(sparkbrook)
    budget_services.change_phase(round, Phase.VOTING, by=None)
    events = recorded_counts(round)
    assert [e.kind for e in events] == [kinds.ROUND_TEST_COUNT_PASSED]
    assert events[0].actor_role == "system"


def test_changing_settings_or_costs_invalidates_it(sparkbrook: Ward, councillor_sam: Any) -> None:
    round = review_round(sparkbrook)
    tc.run_test_count(round)
    assert tc.test_count_problem(round) is None
    budget_services.update_round(round, by=councillor_sam, rule="mes")
    round.refresh_from_db()
    assert "No test count has passed" in (tc.test_count_problem(round) or "")
    tc.run_test_count(round)
    assert tc.test_count_problem(round) is None
    project = round.proposals.on_ballot().first()
    assert project is not None
    project.cost_pence += 1
    project.save()
    assert tc.test_count_problem(round) is not None
    # Something the count does not read (the title) leaves it valid.
    tc.run_test_count(round)
    budget_services.update_round(round, by=councillor_sam, title="Renamed chest")
    round.refresh_from_db()
    assert tc.test_count_problem(round) is None


def test_an_unfillable_minimum_fails_with_the_reason(sparkbrook: Ward) -> None:
    round = review_round(sparkbrook, BallotType.APPROVAL, min_choices=3, max_choices=4)
    result = tc.run_test_count(round)
    assert not result.passed
    assert "at least 3 projects" in result.reason


def test_only_before_voting(sparkbrook: Ward) -> None:
    round = make_voting_round(sparkbrook)
    with pytest.raises(ValidationError):
        tc.run_test_count(round)


@pytest.mark.parametrize(
    ("ballot_type", "rule", "sat"),
    [
        (BallotType.KNAPSACK, "mes-add1", "cost"),
        (BallotType.CUMULATIVE, "greedy", "cardinality"),
        (BallotType.RANKED, "greedy", "cost"),
    ],
)
def test_an_auditor_recounts_the_deck_from_the_ledger(
    sparkbrook: Ward, tmp_path: Path, ballot_type: str, rule: str, sat: str
) -> None:
    round = review_round(sparkbrook, ballot_type, rule=rule, sat=sat)
    tc.run_test_count(round)
    event = recorded_counts(round)[-1]
    deck = tmp_path / "deck.pb"
    deck.write_text(event.payload["deck_pb"], encoding="utf-8")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "ballots.tally",
            str(deck),
            "--rule",
            event.payload["rule"],
            "--sat",
            event.payload["sat"],
            "--json",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert sorted(json.loads(run.stdout)["selected"]) == event.payload["selected"]


# --- the voting desk's button and the command ---------------------------------------------------


def _url(round: Round) -> str:
    return reverse("ballots:test_count", args=[round.pk])


def test_a_councillor_runs_it_from_the_voting_desk(
    client: Client, councillor_sam: Any, sparkbrook: Ward
) -> None:
    round = review_round(sparkbrook)
    login(client, councillor_sam)
    desk = client.get(reverse("ballots:voting_desk", args=[round.pk])).content.decode()
    assert "Run the test count" in desk and "No test count has run yet" in desk
    page = client.post(_url(round), follow=True).content.decode()
    event = recorded_counts(round)[-1]
    assert "Test count passed on" in page
    assert event.payload["deck_sha256"] in page
    assert event.actor_role == "councillor"
    # The round page links to the desk while in review.
    detail = client.get(reverse("budgets:round", args=[round.pk])).content.decode()
    assert reverse("ballots:voting_desk", args=[round.pk]) in detail


@pytest.mark.parametrize("persona", ["anonymous", "resident_alice", "clerk_cleo", "councillor_bob"])
def test_only_the_ward_s_councillors_run_it(
    client: Client, request: pytest.FixtureRequest, persona: str, sparkbrook: Ward
) -> None:
    round = review_round(sparkbrook)
    if persona != "anonymous":
        login(client, request.getfixturevalue(persona))
    response = client.post(_url(round))
    if persona == "anonymous":
        assert response.status_code == 302 and "login" in response["Location"]
    else:
        assert response.status_code == 403
    assert recorded_counts(round) == []


def test_wrong_method_and_wrong_phase(
    client: Client, councillor_sam: Any, sparkbrook: Ward
) -> None:
    round = review_round(sparkbrook)
    login(client, councillor_sam)
    assert client.get(_url(round)).status_code == 405
    voting = make_voting_round(sparkbrook, title="Already voting")
    page = client.post(_url(voting), follow=True).content.decode()
    assert "before voting opens" in page
    assert "Run the test count" not in page
    assert recorded_counts(voting) == []


def test_the_command(sparkbrook: Ward, monkeypatch: pytest.MonkeyPatch) -> None:
    round = review_round(sparkbrook)
    out = io.StringIO()
    call_command("test_count", str(round.pk), stdout=out)
    assert "Test count passed" in out.getvalue()
    assert recorded_counts(round)[-1].actor_role == "staff"
    from ballots import tally as core

    real = core.tally

    def funds_everything(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        result.selected = [getattr(p, "id", p) for p in args[0].projects]
        return result

    monkeypatch.setattr(core, "tally", funds_everything)
    with pytest.raises(CommandError, match=r"FAILED.*funded"):
        call_command("test_count", str(round.pk), stdout=io.StringIO())
    with pytest.raises(CommandError, match="no round"):
        call_command("test_count", "999999", stdout=io.StringIO())


def test_a_refused_phase_change_runs_no_test_count(sparkbrook: Ward) -> None:
    round = review_round(sparkbrook)
    Round.objects.filter(pk=round.pk).update(phase=Phase.PROPOSALS)
    with pytest.raises(ValidationError, match="one step at a time"):
        budget_services.change_phase(round, Phase.VOTING, by=None)
    assert recorded_counts(round) == []


def test_the_verifier_checks_and_recounts_the_decks(
    client: Client, sparkbrook: Ward, tmp_path: Path, capsys: Any
) -> None:
    from audit.verify import main
    from tests.audit.conftest import fetch

    round = review_round(sparkbrook, BallotType.APPROVAL, rule="phragmen")
    tc.run_test_count(round)
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_bytes(fetch(client, "/audit/ledger.jsonl"))
    assert main([str(ledger)]) == 0
    out = capsys.readouterr().out
    assert "1 test count deck(s) match their recorded SHA-256" in out
    assert "1 passed deck(s) re-counted to the recorded selection" in out
