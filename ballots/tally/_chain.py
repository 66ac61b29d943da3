"""mes-add1 steps in chains: each MES run helped by the run one unit above it.

Why it is exact. Take two MES runs on the same profile, with shares b < b', that funded the same
projects in the same order in rounds 0..r-1. Then before round r every voter has at most as much
left in the run at b as in the run at b' (by induction: true at the start; a round charges each
supporter of the winner min(budget, rho x satisfaction), which rises with the budget and falls with
rho, and the winner's rho at b is at least its rho at b', since a project's rho falls as its
supporters' budgets rise). So every project's rho before round r at b is at least its rho before
round r at b' (and one its supporters could not pay for at b' they cannot pay for at b either).
The run at b' knew, before its round r, a lower bound on each project's rho (its price in an
earlier round: budgets only fall) or that it was out: those bounds are lower bounds at b as well.

So the steps of a chain run from the highest share down, and each run takes the bounds of the run
one unit above it, round by round, while the two have funded the same projects in the same order.
A project whose bound is above the round's best price can neither win nor tie: it is not priced
again (the run at b' usually priced it just now, so the bound is tight); the run above's winner is
priced first. Every decision is then the one a plain run makes: each price that decides is
computed at b, in floats, with the same exact fallback within a relative 1e-9 of any tie or
threshold (`mes._Run`); only prices that could not decide anything are left out. Floats make
the bounds at b' inexact by far less than that 1e-9, as they do a plain run's own bounds.

The runs compute prices and payments with `mes._Run`'s floats, operation for operation (where
every supporter of a project has the same satisfaction, as with approval ballots, in fewer calls).
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from .mes import TOL, MesEngine, _Run, water_fill

if TYPE_CHECKING:
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
    IntArray = npt.NDArray[np.int64]

INF = float("inf")

# A run's record, for the run one unit below it: per round, the winner and every project's lower
# bound on its rho before that round (INF: out of the run).
Record = list[tuple[int, list[float]]]


# A candidate's supporters, cost, equal share of its cost, and the
# satisfaction each supporter gets from it.
_Project = tuple["IntArray", float, float, float]


def run_chain(engine: MesEngine, start: Fraction, n: int, first: int, last: int) -> list[list[int]]:
    """The selected projects of MES at shares start + first, ..., start + last (in that order),
    run from the highest down, each run helped by the one above it."""
    costs = engine.matrix.costs
    projects: list[_Project | None] = [None] * engine.m
    for j in engine.candidates:
        su = engine.scalar_u[j]
        if su is not None:
            sup = engine.matrix.supporters[j]
            cost = float(costs[j])
            projects[j] = (sup, cost, cost / len(sup), su)
    outcomes: list[list[int]] = []
    above: Record | None = None
    for step in range(last, first - 1, -1):
        selected, above = _ChainRun(engine, start + step, n, projects).play(above)
        outcomes.append(selected)
    outcomes.reverse()
    return outcomes


class _ChainRun(_Run):
    def __init__(
        self,
        engine: MesEngine,
        budget_per_voter: Fraction,
        n: int,
        projects: list[_Project | None],
    ) -> None:
        super().__init__(engine, budget_per_voter, n, None, False, None)
        self.projects = projects
        self.gathered: dict[int, FloatArray] = {}  # budgets of a project's supporters, this round

    def lean_rho(self, j: int, hint: float) -> float | None:
        """`_Run.float_rho`; for one satisfaction per supporter, the same floats in fewer calls."""
        project = self.projects[j]
        if project is None:
            return self.float_rho(j, hint)
        sup, cost, share, su = project
        b = self.vb.take(sup)
        self.gathered[j] = b
        if hint * su <= share and np.minimum.reduce(b) >= share:
            return share / su
        available = float(np.add.reduce(b))
        if available < cost * (1 - TOL):
            return None
        if available < cost * (1 + TOL) and self.exact_rho(j) is None:
            return None
        return water_fill(b, cost, share, su, hint)

    def play(self, above: Record | None) -> tuple[list[int], Record]:
        """This run's selected projects and its record; `above`: the record of the run one unit
        above (same profile), or None."""
        e = self.e
        overlap = e.overlap
        assert overlap is not None
        costs = e.matrix.costs
        pids = e.matrix.pids
        lower = [INF] * e.m
        for j in e.candidates:
            lower[j] = costs[j] / e.total_u[j]
        remaining = set(e.candidates)
        dirty = set(remaining)
        selected: list[int] = []
        record: Record = []
        order = sorted(remaining, key=lower.__getitem__)
        lean_rho = self.lean_rho
        rounds_above = len(above) if above is not None else 0
        r = 0
        while remaining:
            # The run above helps while it funded the same projects in the same order.
            bounds: list[float] | None = None
            guess = -1
            if r < rounds_above and above is not None:
                guess, bounds = above[r]
            order.sort(key=lower.__getitem__)
            if guess in remaining:
                order.remove(guess)
                order.insert(0, guess)  # most likely the winner: priced first
            best = threshold = INF  # prices above the threshold can neither win nor tie
            near: list[int] = []
            out: list[int] = []
            for j in order:
                low = lower[j]
                if low > threshold:
                    break
                if j in dirty:
                    if bounds is not None:
                        bound = bounds[j]
                        if bound > low:
                            lower[j] = low = bound
                            if bound > threshold:
                                if bound == INF:
                                    out.append(j)  # out above, so out here too
                                continue  # cannot win or tie; stays dirty
                    dirty.discard(j)
                    rho = lean_rho(j, low)
                    if rho is None:
                        out.append(j)
                        continue
                    lower[j] = low = rho
                if low < best:
                    best = low
                    threshold = best * (1 + TOL)
                near.append(j)
            for j in out:
                self._drop(j, remaining, order, lower)
            if not near:
                break
            tied = [j for j in near if lower[j] <= threshold]
            if len(tied) > 1:
                exact = {j: self.exact_rho(j, lower[j]) for j in tied}
                finite = {j: v for j, v in exact.items() if v is not None}
                for j in tied:
                    if exact[j] is None:
                        self._drop(j, remaining, order, lower)
                if not finite:
                    continue
                lowest = min(finite.values())
                winner = min((j for j, v in finite.items() if v == lowest), key=pids.__getitem__)
            else:
                winner = tied[0]
            record.append((winner, list(lower)))
            self._pay_lean(winner, lower[winner])
            selected.append(winner)
            remaining.discard(winner)
            order.remove(winner)
            dirty |= overlap[winner]
            if rounds_above and (r >= rounds_above or guess != winner):
                rounds_above = 0  # the runs part: the one above no longer bounds this one
            r += 1
        return selected, record

    @staticmethod
    def _drop(j: int, remaining: set[int], order: list[int], lower: list[float]) -> None:
        """j's supporters cannot pay for it: out for the rest of the run."""
        remaining.discard(j)
        order.remove(j)
        lower[j] = INF

    def _pay_lean(self, j: int, rho: float) -> None:
        """`_Run._pay` without a record: the same floats."""
        sup = self.sup[j]
        b = self.gathered.get(j)
        if b is None:
            b = self.vb[sup]
        self.gathered.clear()
        project = self.projects[j]
        if project is None:
            self.vb[sup] = b - np.minimum(b, rho * self.u_float[j])
        else:
            left = b - rho * project[3]
            np.maximum(left, 0.0, out=left)
            self.vb[sup] = left
        self.r_project.append(j)
        self.r_float.append(rho)
