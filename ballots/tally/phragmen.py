"""Sequential Phragmén for approval ballots, exact like pabutools.

Each voter carries a load (money spent on their behalf). A project's supporters would share its
cost so as to equalise their loads: the new common load is (their loads + cost) / supporters. In
each round the project with the smallest new load is funded; the rule stops when that project (or
any project tied with it) would break the budget. Loads are grouped into levels (voters funded by
the same history share a load), floats pick candidates and exact fractions decide near ties.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from ._matrix import ProfileMatrix

TOL = 1e-9


@dataclass
class PhragmenRound:
    project: int
    load: Fraction
    tied_with: list[int] = field(default_factory=list)


@dataclass
class PhragmenOutcome:
    selected: list[int]
    rounds: list[PhragmenRound]
    stopped_by: list[int]
    spent: int


def run_phragmen(matrix: ProfileMatrix, budget: int) -> PhragmenOutcome:
    pids, costs = matrix.pids, matrix.costs
    remaining = [j for j in range(len(pids)) if costs[j] <= budget]
    scores = [len(s) for s in matrix.supporters]
    level_of = np.zeros(matrix.n_voters, dtype=np.int64)
    level_exact: list[Fraction] = [Fraction(0)]
    level_float = np.zeros(1, dtype=np.float64)
    spent = 0
    selected: list[int] = []
    rounds: list[PhragmenRound] = []
    stopped_by: list[int] = []
    while remaining:
        floats: dict[int, float] = {}
        for j in remaining:
            if scores[j] == 0:
                floats[j] = float("inf")
            else:
                total = float(level_float[level_of[matrix.supporters[j]]].sum())
                floats[j] = (total + costs[j]) / scores[j]
        best = min(floats.values())
        near = [j for j in remaining if floats[j] <= best * (1 + TOL) or floats[j] == best]
        exact: dict[int, Fraction | None] = {}
        for j in near:
            if scores[j] == 0:
                exact[j] = None
                continue
            counts = np.bincount(level_of[matrix.supporters[j]], minlength=len(level_exact))
            loads = sum((int(c) * level_exact[k] for k, c in enumerate(counts) if c), Fraction(0))
            exact[j] = (loads + costs[j]) / scores[j]
        finite = [v for v in exact.values() if v is not None]
        if finite:
            lowest: Fraction | None = min(finite)
            tied = [j for j in near if exact[j] == lowest]
        else:
            lowest = None
            tied = list(near)
        tied.sort(key=pids.__getitem__)
        if any(spent + costs[j] > budget for j in tied):
            stopped_by = tied
            break
        winner = tied[0]
        if lowest is not None:
            level_exact.append(lowest)
            level_float = np.append(level_float, float(lowest))
            level_of[matrix.supporters[winner]] = len(level_exact) - 1
        rounds.append(
            PhragmenRound(winner, lowest if lowest is not None else Fraction(0), tied[1:])
        )
        selected.append(winner)
        spent += costs[winner]
        remaining.remove(winner)
    return PhragmenOutcome(selected, rounds, stopped_by, spent)
