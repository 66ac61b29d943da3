"""mes-add1: MES with every voter's share raised one unit at a time, then greedy completion.

The exact parametric runs that let it skip steps live in `_add1.py`, the chained runs that make
each step cheaper in `_chain.py`; this module steps through the increments (in this process and
forked helpers) and decides where to stop, as pabutools does.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator
from fractions import Fraction
from typing import TYPE_CHECKING

from ._chain import run_chain
from ._matrix import ProfileMatrix
from ._workers import default_workers
from .greedy import GreedyOutcome, run_greedy
from .mes import MesEngine, MesOutcome
from .satisfaction import Utilities

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

__all__ = ["run_mes_add1"]

_ADD1_ENGINE: tuple[MesEngine, Fraction, int] | None = None

# Steps per span once steps run in chains (`_chain.py`): a chain's first (highest) run is a
# plain one, the others are cheaper (about 0.4 of it on Mokotow); but the chosen step's result
# waits for its whole chain, and the runs above it are wasted. 8 to 24 cost the same in all.
_CHAIN = 8
# Helpers are forked once the steps have taken this long (seconds) and at least this long each.
_FORK_AFTER = 0.005
_FORK_STEP = 0.001


def _add1_outcomes(first: int, last: int) -> list[list[int]]:
    """The selected projects of MES at steps first..last (in this process or a forked one, on
    the engine set up by `_add1_steps`)."""
    assert _ADD1_ENGINE is not None
    engine, start, n = _ADD1_ENGINE
    return run_chain(engine, start, n, first, last)


def _spans(step: int) -> Generator[tuple[int, int], None, None]:
    """Spans of steps from `step` on, (first, last), of a quarter of the steps before them (1 to
    `_CHAIN`): the chosen step's result waits for its whole span (a chain), so the steps past
    it stay a small part of the work however few steps there are."""
    while True:
        size = min(max(step // 4, 1), _CHAIN)
        yield step, step + size - 1
        step += size


def _add1_helper(conn: Connection, step: int, offset: int, stride: int) -> None:
    """A forked helper: every `stride`-th span from the `offset`-th, one per credit received."""
    for k, (first, last) in enumerate(_spans(step)):
        if k % stride == offset:
            if not conn.recv():
                return
            conn.send(_add1_outcomes(first, last))


def _add1_steps(
    engine: MesEngine, start: Fraction, n: int, workers: int, step: int = 0
) -> Generator[list[int], None, None]:
    """The selected projects of MES at each step (share + step, + step + 1, ...), in order.

    Steps run in spans (`_spans`), each span one chain of runs (`_chain.py`). Once the steps
    have taken 5 ms, if a step takes a millisecond or more (worth shipping its result from
    another process), this process forks `workers - 1` helpers and the spans go round: this
    process runs every `workers`-th span itself and receives the others, in order, from the
    helpers, each at most two spans ahead. When the caller stops (the chosen step is found),
    the helpers are stopped; if a helper dies, this process runs the remaining spans itself.
    """
    global _ADD1_ENGINE
    _ADD1_ENGINE = (engine, start, n)
    spans = _spans(step)
    began = time.perf_counter()
    for first, last in spans:
        yield from _add1_outcomes(first, last)
        elapsed = time.perf_counter() - began
        if workers >= 2 and elapsed > _FORK_AFTER and elapsed > _FORK_STEP * (last + 1 - step):
            step = last + 1
            break
    import multiprocessing

    context = multiprocessing.get_context("fork")
    helpers: list[tuple[Connection, BaseProcess]] = []
    try:
        for offset in range(1, workers):
            ours, theirs = context.Pipe()
            process = context.Process(
                target=_add1_helper, args=(theirs, step, offset, workers), daemon=True
            )
            process.start()
            theirs.close()
            ours.send(True)
            ours.send(True)
            helpers.append((ours, process))
        helped = True
        for k, (first, last) in enumerate(_spans(step)):
            outcomes = None
            if k % workers and helped:
                conn = helpers[k % workers - 1][0]
                try:
                    outcomes = conn.recv()
                    conn.send(True)
                except (EOFError, OSError):
                    # A helper died (killed, out of memory): every span from here on is run in
                    # this process. Runs are deterministic, so the outcome is the same.
                    helped = False
            if outcomes is None:
                outcomes = _add1_outcomes(first, last)
            yield from outcomes
    finally:
        for conn, helper in helpers:
            helper.kill()
            helper.join()
            conn.close()


# Above this many (voter, project) pairs the exact parametric runs are not tried: on big files the
# supporters who run short change every few thousandths of a unit, and a plain MES run is faster.
_PARAMETRIC_MAX_PAIRS = 10_000


def _add1_stretches(
    engine: MesEngine, start: Fraction, n: int, workers: int
) -> Generator[tuple[int, list[int], int], None, None]:
    """Stretches of consecutive steps with the same MES outcome, in order: (first step, selected
    projects, last step). Each stretch is exactly what running MES at every step would give.

    An exact parametric run (`_add1.ParametricMes`) returns the outcome at a step and how many
    of the following steps provably share it. When those runs cost more per step covered than a
    plain MES run does (the outcome's decisions change nearly every step), the rest is stepped one
    unit at a time.
    """
    step = 0
    pairs = sum(len(engine.matrix.supporters[j]) for j in engine.candidates)
    if pairs <= _PARAMETRIC_MAX_PAIRS:
        from ._add1 import ParametricMes

        began = time.perf_counter()
        parametric = ParametricMes(engine)
        step_cost: float | None = None
        while True:
            selected, room = parametric.run(start + step)
            jump = 1 if room is None else max(1, math.ceil(room))
            yield step, selected, step + jump - 1
            step += jump
            elapsed = time.perf_counter() - began
            if elapsed > 0.05:
                if step_cost is None:
                    t = time.perf_counter()
                    engine.run(start + step, n)
                    step_cost = time.perf_counter() - t
                    began += step_cost
                if elapsed / step > 2 * step_cost:
                    break
    for k, selected in enumerate(_add1_steps(engine, start, n, workers, step), start=step):
        yield k, selected, k


def _run_mes_add1_stepwise(
    matrix: ProfileMatrix, util: Utilities, budget: int
) -> tuple[list[int], int]:
    """The one-unit-at-a-time definition, for tests: the MES selection kept, and the steps."""
    n = matrix.n_voters
    engine = MesEngine(matrix, util)
    if n == 0:
        return [], 0
    costs = matrix.costs
    free_cost = sum(costs[j] for j in engine.free)
    start = Fraction(budget, n)
    previous: list[int] = []
    step = 0
    while True:
        selected = engine.run(start + step, n).selected
        spent = free_cost + sum(costs[j] for j in selected)
        if spent > budget:
            return (previous, step - 1) if step else ([], 0)
        chosen = set(selected)
        if all(j in chosen or costs[j] + spent > budget for j in engine.candidates):
            return selected, step
        previous = selected
        step += 1


def run_mes_add1(
    matrix: ProfileMatrix, util: Utilities, budget: int, workers: int | None = None
) -> tuple[MesOutcome, int, GreedyOutcome]:
    """MES with each voter's share raised one unit at a time, then greedy completion.

    Mirrors pabutools: stop at the first step whose outcome is exhaustive (among the projects MES
    considers) or over budget (then keep the previous step's outcome); then complete greedily.
    Returns the MES outcome, the number of increments, and the completion. Steps whose outcome
    provably equals their predecessor's are skipped (`_add1_stretches`); the result is the same.
    """
    n = matrix.n_voters
    engine = MesEngine(matrix, util)
    if n:
        engine.track_overlap()
    costs = matrix.costs
    free_cost = sum(costs[j] for j in engine.free)
    if workers is None:
        workers = default_workers()
    if n == 0:
        outcome = MesOutcome([], [], [], Fraction(0), {}, 0.0)
        steps = 0
    else:
        start = Fraction(budget, n)
        previous: list[int] = []
        chosen_steps = 0
        spent = 0
        stretches = _add1_stretches(engine, start, n, workers)
        try:
            for first, selected, _last in stretches:
                # Every step first.._last has this outcome: the first of them decides.
                spent = free_cost + sum(costs[j] for j in selected)
                if spent > budget:
                    chosen_steps = max(first - 1, 0)
                    break
                chosen = set(selected)
                if all(j in chosen or costs[j] + spent > budget for j in engine.candidates):
                    chosen_steps = first
                    break
                previous = selected
        finally:
            stretches.close()  # stops the worker processes, if any
        steps = chosen_steps
        if steps == 0 and not previous and spent > budget:
            outcome = MesOutcome([], list(engine.free), [], start, {}, 0.0)
        else:
            outcome = engine.run(start + steps, n, record=True)
    completion = run_greedy(matrix, util, budget, initial=outcome.selected + outcome.free)
    return outcome, steps, completion
