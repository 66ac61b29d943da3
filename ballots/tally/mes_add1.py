"""mes-add1: MES with every voter's share raised one unit at a time, then greedy completion.

The exact parametric runs that let it skip steps live in `_add1.py`; this module steps through
the increments (in this process or forked workers) and decides where to stop, as pabutools does.
"""

from __future__ import annotations

import math
import time
from collections.abc import Generator
from fractions import Fraction

from ._chain import chain_applies, run_chain
from ._matrix import ProfileMatrix
from ._workers import default_workers
from .greedy import GreedyOutcome, run_greedy
from .mes import MesEngine, MesOutcome
from .satisfaction import Utilities

__all__ = ["run_mes_add1"]

_ADD1_ENGINE: tuple[MesEngine, Fraction, int, bool] | None = None

# Steps per task in the worker processes when steps run in chains (`_chain.py`): the chain's
# first (highest) run is a plain one, the others are cheaper; past the chosen step a chain's
# runs are wasted, and the chosen step's result waits for the whole chain.
_CHAIN = 16


def _add1_outcomes(first: int, last: int) -> list[list[int]]:
    """The selected projects of MES at steps first..last (in a forked worker, on the engine
    inherited from the parent)."""
    assert _ADD1_ENGINE is not None
    engine, start, n, chained = _ADD1_ENGINE
    if chained:
        return run_chain(engine, start, n, first, last)
    return [engine.run(start + k, n).selected for k in range(first, last + 1)]


def _add1_task(span: tuple[int, int]) -> list[list[int]]:
    return _add1_outcomes(*span)


def _add1_steps(
    engine: MesEngine, start: Fraction, n: int, workers: int, step: int = 0
) -> Generator[list[int], None, None]:
    """The selected projects of MES at each step (share + step, + step + 1, ...), in order.

    Steps run in spans: one plain MES run per step, or, where `_chain.py` applies, one chain
    per span (spans of 1, 2, 4, ... steps, then `_CHAIN`: the work past the chosen step stays a
    fraction of the work before it). After 0.05 s in this process, if a step takes long
    enough to be worth shipping to another process (a millisecond), the remaining spans are
    spread over `workers` forked processes and consumed in order, with a few spans in flight
    per worker: no barrier between them, and once the caller stops (the chosen step is found)
    at most those few are wasted.
    """
    global _ADD1_ENGINE
    chained = chain_applies(engine)
    _ADD1_ENGINE = (engine, start, n, chained)
    span = 1
    began = time.perf_counter()
    done = 0
    while True:
        yield from _add1_outcomes(step, step + span - 1)
        step += span
        done += span
        if chained:
            span = min(span * 2, _CHAIN)
        elapsed = time.perf_counter() - began
        if workers >= 2 and elapsed > 0.05 and elapsed / done > 0.001:
            break
    import multiprocessing
    import threading

    context = multiprocessing.get_context("fork")
    ahead = threading.Semaphore(2 * workers)  # spans handed out and not yet consumed
    stopping = False

    def spans() -> Generator[tuple[int, int], None, None]:
        # Iterated by the pool's task-handler thread: it blocks here until a result is consumed.
        k = step
        while True:
            ahead.acquire()
            if stopping:
                return
            yield k, k + span - 1
            k += span

    with context.Pool(workers) as pool:
        try:
            for outcomes in pool.imap(_add1_task, spans()):
                ahead.release()
                yield from outcomes
        finally:
            # Let the task handler leave `spans` (the pool joins it when it terminates).
            stopping = True
            ahead.release()


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
