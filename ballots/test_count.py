"""The test count before voting opens (logic and accuracy): a deck of ballots whose right outcome
is known by construction, counted through the real counting path and rolled back.

The deck. Take the projects on the ballot cheapest first (ties: the project id as text) and keep
each one while the running total fits the budget, stopping at the first that does not, and at the
ballot's length limit (an approval or ranked ballot's maximum number of choices, a cumulative
ballot's points: one point per project). Call these W, and the rest L. Every one of DECK_VOTERS
voters chooses exactly W (knapsack/approval: approves W; cumulative: one point on each project of
W; ranked: ranks W in that order). Nobody chooses a project of L.

Why the outcome is known, rule by rule:
- W fits the budget (cost(W) <= budget) and every project of W has the support of every voter, so
  every rule funds all of W: greedy (every density of W is positive, so W comes before L, and all
  of W fits), optimal (the affordable set with the most satisfaction: all of W, and L adds none),
  Equal Shares (each voter pays cost(p)/n for each p of W, at most budget/n in all: affordable)
  and Phragmén (W fits); with cardinality satisfaction too, the order changes, not the set.
- A project of L has no supporter. Equal Shares and optimal never fund one. Greedy, Equal Shares
  with completion (mes-add1) and Phragmén go on to spend what is left: projects without support
  come last, all with the same (zero) density, so their documented tie-break decides: the project
  id as text, each one funded if it still fits. The expected outcome lists them the same way.
- When W stopped at a project that did not fit, no project of L fits either (L's projects cost at
  least as much: W took the cheapest), so every rule funds exactly W.

An approval ballot with a minimum number of choices above |W| cannot be filled by a fully funded
ballot; the test count then fails with that reason (lower the minimum or change the costs).

The ballots are written as real Ballot rows and counted by ballots.counting.tally_round (what
close_round runs), inside a savepoint that is always rolled back: no ballot, register or
participation row remains; only the round.test_count_passed/failed event does. The deck's
Pabulib text is in that event, so an auditor can run `python -m ballots.tally deck.pb --rule R
--sat S` and get the recorded selection.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext

import audit
from audit import kinds
from audit.canonical import ballot_commitment
from audit.describe import when
from audit.models import Event
from ballots.actors import ledger_actor
from ballots.counting import ballots_pb, sha256_hex, tally_round
from ballots.models import Ballot, BallotStatus, Channel
from ballots.selection import PB_VOTE_TYPE
from budgets.models import PHASE_ORDER, BallotType, Phase, Proposal, Round
from budgets.services import next_phase
from wards.access import Action, require

DECK_VOTERS = 5
# What the count depends on: a change to any of these, or to the projects on the ballot or their
# costs, means the last test count no longer speaks for the round.
COUNTED_SETTINGS = (
    "budget_pence",
    "ballot_type",
    "rule",
    "sat",
    "max_points",
    "min_choices",
    "max_choices",
)
TEST_COUNT_KINDS = (kinds.ROUND_TEST_COUNT_PASSED, kinds.ROUND_TEST_COUNT_FAILED)


class TestCountFailed(Exception):
    """The deck could not be built or counted; the message says why, in words."""


class _RollBack(Exception):
    """Leaves the savepoint the deck was counted in, undoing every row it wrote."""


@dataclass(frozen=True)
class TestCount:
    passed: bool
    at: str  # the ledger event's time, in words
    deck_sha256: str
    expected: list[str]
    selected: list[str]
    reason: str
    current: bool  # run on the round's present settings and ballot


def _on_ballot(round: Round) -> list[Proposal]:
    return list(round.proposals.on_ballot().order_by("id"))


def settings_fingerprint(round: Round) -> str:
    """SHA-256 of what the count depends on: the counting settings and the ballot's projects."""
    data = {
        "settings": {name: getattr(round, name) for name in COUNTED_SETTINGS},
        "projects": [[p.pk, p.cost_pence] for p in _on_ballot(round)],
    }
    return sha256_hex(json.dumps(data, sort_keys=True, separators=(",", ":")))


def _length_limit(round: Round) -> int | None:
    if round.ballot_type in (BallotType.APPROVAL, BallotType.RANKED):
        return round.max_choices or None
    if round.ballot_type == BallotType.CUMULATIVE:
        return round.max_points or None
    return None


def design_deck(round: Round) -> tuple[list[Proposal], list[str]]:
    """W (the projects every deck voter chooses) and the expected selection, as project ids."""
    projects = sorted(_on_ballot(round), key=lambda p: (p.cost_pence, str(p.pk)))
    limit = _length_limit(round)
    chosen: list[Proposal] = []
    spent = 0
    for p in projects:
        if spent + p.cost_pence > round.budget_pence or (limit and len(chosen) >= limit):
            break
        chosen.append(p)
        spent += p.cost_pence
    if not chosen:
        raise TestCountFailed("No project on the ballot fits the budget, so no deck can be built.")
    if round.ballot_type == BallotType.APPROVAL and (round.min_choices or 0) > len(chosen):
        raise TestCountFailed(
            f"Every ballot must choose at least {round.min_choices} projects, but only "
            f"{len(chosen)} of the cheapest fit the budget together, so no test ballot can be "
            "fully funded. Lower the minimum number of choices, or the costs."
        )
    expected = [str(p.pk) for p in chosen]
    rule = round.rule if round.ballot_type != BallotType.RANKED else "greedy"
    if rule in ("greedy", "mes-add1", "phragmen"):
        # These spend what is left on projects nobody chose: the tie-break order, each that fits.
        taken = {p.pk for p in chosen}
        left = round.budget_pence - spent
        for p in sorted((p for p in projects if p.pk not in taken), key=lambda p: str(p.pk)):
            if p.cost_pence <= left:
                expected.append(str(p.pk))
                left -= p.cost_pence
    return chosen, sorted(expected)


def _deck_selection(round: Round, chosen: list[Proposal]) -> Any:
    ids = [str(p.pk) for p in chosen]
    if round.ballot_type == BallotType.CUMULATIVE:
        return {pid: 1 for pid in sorted(ids)}
    if round.ballot_type == BallotType.RANKED:
        return ids
    return sorted(ids)


def _count_deck(round: Round, chosen: list[Proposal]) -> tuple[str, list[str]]:
    """Write the deck as Ballot rows, count them as close_round does, and undo it all.
    Returns the deck's Pabulib text and the selected project ids."""
    vote_type = PB_VOTE_TYPE[BallotType(round.ballot_type)]
    selection = _deck_selection(round, chosen)
    found: dict[str, Any] = {}
    try:
        with transaction.atomic():
            for n in range(1, DECK_VOTERS + 1):
                receipt = f"test{round.pk}-{n}"
                Ballot.objects.create(
                    round=round,
                    receipt=receipt,
                    status=BallotStatus.LIVE,
                    channel=Channel.ONLINE,
                    selection=selection,
                    commitment=ballot_commitment(receipt, vote_type, selection),
                )
            # The deck file in a fixed order (its hash is recorded); the count as close runs it.
            found["pb"] = ballots_pb(round)
            outcome, _, _ = tally_round(round)
            found["selected"] = sorted(str(pid) for pid in outcome["selected"])
            raise _RollBack
    except _RollBack:
        pass
    return found["pb"], found["selected"]


# Every phase before voting, whatever phases come to lie before it.
BEFORE_VOTING = frozenset(PHASE_ORDER[: PHASE_ORDER.index(Phase.VOTING)]) | {Phase.SUPPORT}


def test_count_runs(round: Round) -> bool:
    """Whether a test count can run now: before voting opens, in a round not cancelled."""
    return round.phase in BEFORE_VOTING and not round.cancelled


def run_test_count(round: Round, *, by: Any = None, scheduled: bool = False) -> TestCount:
    """Count the round's test deck and record the outcome in the ledger (passed or failed).

    Only before voting opens. `by=None` is the command line, or the scheduler when `scheduled`.
    Never raises for a failed count: the failure is the outcome, in words; a refusal (wrong
    person, wrong phase) raises PermissionDenied or ValidationError.
    """
    if by is not None:
        require(by, Action.MANAGE_ROUND, round.ward)
    with transaction.atomic():
        locked = Round.objects.select_for_update().select_related("ward").get(pk=round.pk)
        if locked.cancelled:
            raise ValidationError(gettext("This round was cancelled: there is no vote to test."))
        if not test_count_runs(locked):
            raise ValidationError(
                gettext("The test count runs before voting opens; it has opened.")
            )
        rule = locked.rule if locked.ballot_type != BallotType.RANKED else "greedy"
        payload: dict[str, Any] = {
            "rule": rule,
            "sat": locked.sat,
            "ballot_type": locked.ballot_type,
            "settings_sha256": settings_fingerprint(locked),
        }
        try:
            chosen, expected = design_deck(locked)
            deck_pb, selected = _count_deck(locked, chosen)
        except TestCountFailed as exc:
            expected, selected, deck_pb, reason = [], [], "", str(exc)
        except Exception as exc:
            # Whatever goes wrong in counting is the fault the test count exists to find: it is
            # recorded as the failure (the deck's savepoint is already rolled back), not raised.
            expected, selected, deck_pb = [], [], ""
            reason = f"The count stopped with an error ({type(exc).__name__}: {exc})."
        else:
            reason = ""
            if selected != expected:
                missing = sorted(set(expected) - set(selected))
                extra = sorted(set(selected) - set(expected))
                reason = (
                    "The count selected the wrong projects: "
                    + (f"it left out {', '.join(missing)}" if missing else "")
                    + ("; " if missing and extra else "")
                    + (f"it funded {', '.join(extra)}" if extra else "")
                    + "."
                )
        passed = not reason
        payload.update(
            {
                "deck_sha256": sha256_hex(deck_pb) if deck_pb else "",
                "deck_pb": deck_pb,
                "expected": expected,
                "selected": selected,
                **({"reason": reason} if reason else {}),
            }
        )
        actor = audit.SYSTEM if scheduled else ledger_actor(by, locked.ward)
        event = audit.record(
            kinds.ROUND_TEST_COUNT_PASSED if passed else kinds.ROUND_TEST_COUNT_FAILED,
            ward=locked.ward,
            round=locked,
            actor=actor,
            payload=payload,
        )
    return _as_test_count(event, current=True)


def _as_test_count(event: Event, *, current: bool) -> TestCount:
    p = event.payload
    return TestCount(
        passed=event.kind == kinds.ROUND_TEST_COUNT_PASSED,
        at=when(event.at),
        deck_sha256=p.get("deck_sha256", ""),
        expected=list(p.get("expected", [])),
        selected=list(p.get("selected", [])),
        reason=p.get("reason", ""),
        current=current,
    )


def last_test_count(round: Round) -> TestCount | None:
    """The round's latest test count, and whether it was run on its present settings."""
    event = (
        Event.objects.for_round(round.pk).filter(kind__in=TEST_COUNT_KINDS).order_by("-seq").first()
    )
    if event is None:
        return None
    current = event.payload.get("settings_sha256") == settings_fingerprint(round)
    return _as_test_count(event, current=current)


def test_count_problem(round: Round) -> str | None:
    """Why voting may not open as far as the test count goes, in words; None when it passed on
    the round's present settings (budgets.services.voting_blockers asks through its hook)."""
    last = last_test_count(round)
    if last is not None and last.passed and last.current:
        return None
    if last is not None and last.current:
        return gettext("The test count failed: %(reason)s") % {"reason": last.reason}
    return gettext(
        "No test count has passed for the present settings and ballot. Run it from the voting "
        "desk; opening voting runs it first if needed."
    )


def ensure_test_count(round: Round, *, by: Any = None) -> None:
    """Before voting opens: run the test count unless one passed on the present settings.
    `by=None` is the scheduler (advance_rounds). Does nothing unless voting is the round's next
    phase (the phase change then refuses with its own reason)."""
    round = Round.objects.select_related("ward").get(pk=round.pk)
    if round.cancelled or next_phase(round) != Phase.VOTING:
        return
    last = last_test_count(round)
    if last is not None and last.passed and last.current:
        return
    run_test_count(round, by=by, scheduled=by is None)
