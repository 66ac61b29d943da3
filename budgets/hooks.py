"""Hooks other apps register so budgets never has to import them.

Dependencies point one way: ballots builds on budgets, never the reverse. Yet the scheduled
`advance_rounds` command must close a round whose voting has ended, and closing (sealing the last
batch of ballots, tallying, recording the result) belongs to the ballots app. So the ballots app
registers its closer when Django starts, typically in `BallotsConfig.ready()`:

    from budgets.hooks import register_closer
    from ballots.services import close_round

    register_closer(close_round)

The closer is called as `closer(round, by=None)` (None means "the scheduler", audit.SYSTEM) inside
no transaction of ours; it must move the round to `closed` itself, through
`budgets.services.enter_result_phase(round, Phase.CLOSED, by=None)`, and raise ValidationError
with a reason if it cannot close the round yet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Closer = Callable[..., Any]

_closer: Closer | None = None


def register_closer(fn: Closer) -> None:
    """Register the function that closes a round whose voting has ended (one per process)."""
    global _closer
    _closer = fn


def unregister_closer() -> None:
    """Forget the registered closer (tests use it to restore the default)."""
    global _closer
    _closer = None


def get_closer() -> Closer | None:
    return _closer


# --- turnout --------------------------------------------------------------------------------
# The round page says how many people have voted, but the register of voters is the ballots
# app's. It registers a counter in BallotsConfig.ready():
#
#     from budgets.hooks import register_turnout
#     register_turnout(lambda round: ballots.services.turnout(round)["total"])
#
# The counter is called as `counter(round)` and returns the number of distinct voters so far.
# Without one (the ballots app not installed) the page leaves turnout out.

TurnoutCounter = Callable[[Any], int]

_turnout: TurnoutCounter | None = None


def register_turnout(fn: TurnoutCounter) -> None:
    """Register the function that counts a round's voters so far (one per process)."""
    global _turnout
    _turnout = fn


def unregister_turnout() -> None:
    """Forget the registered counter (tests use it to restore the default)."""
    global _turnout
    _turnout = None


def get_turnout() -> TurnoutCounter | None:
    return _turnout


# --- cancelling a round whose voting opened ---------------------------------------------------
# A cancelled round's ballots are never counted, and nothing may then link a voter or a code to
# a ballot: that is the ballots app's secrecy machinery. It registers a discarder in
# BallotsConfig.ready():
#
#     from budgets.hooks import register_discarder
#     register_discarder(ballots.cancelling.discard_casting)
#
# budgets.services.cancel_round calls it as `discarder(round)` inside its transaction, holding
# the round's row lock, while the round is still in voting; it returns the turnout so far
# ({"online": n, "paper": m, "total": n + m}) for the ledger. Without one (no ballots app) no
# ballots exist and nothing is discarded.

Discarder = Callable[[Any], Mapping[str, int]]

_discarder: Discarder | None = None


def register_discarder(fn: Discarder) -> None:
    """Register the function that forgets a cancelled round's casting (one per process)."""
    global _discarder
    _discarder = fn


def unregister_discarder() -> None:
    """Forget the registered discarder (tests use it to restore the default)."""
    global _discarder
    _discarder = None


def get_discarder() -> Discarder | None:
    return _discarder


# --- the test count before voting opens -------------------------------------------------------
# Voting may open only after a test deck of ballots has been counted correctly on the round's
# present settings (logic and accuracy testing). Counting is the ballots app's; it registers a
# check and a runner in BallotsConfig.ready():
#
#     from budgets.hooks import register_test_count
#     register_test_count(check=test_count_problem, runner=ensure_test_count)
#
# `check(round)` returns why the test count stops voting from opening, in words, or None;
# `runner(round, by=...)` runs one (in its own transaction, recording the outcome in the ledger)
# unless one passed on the present settings. change_phase calls the runner before it opens
# voting, so a councillor or the scheduler opening voting gets a test count if none is valid.
# Without them (no ballots app) there is nothing to count and nothing is checked.

TestCountCheck = Callable[[Any], str | None]
TestCountRunner = Callable[..., Any]

_test_count: tuple[TestCountCheck, TestCountRunner] | None = None


def register_test_count(*, check: TestCountCheck, runner: TestCountRunner) -> None:
    """Register the test count's check and runner (one pair per process)."""
    global _test_count
    _test_count = (check, runner)


def unregister_test_count() -> None:
    """Forget the registered test count (tests use it to restore the default)."""
    global _test_count
    _test_count = None


def get_test_count() -> tuple[TestCountCheck, TestCountRunner] | None:
    return _test_count
