"""Utilitarian-optimal funding: the affordable set of projects with the largest total satisfaction.

A 0/1 knapsack solved exactly with `scipy.optimize.milp` (HiGHS, zero optimality gap). scipy is
imported here only, so the other rules start fast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._matrix import ProfileMatrix
from .satisfaction import Utilities


@dataclass
class OptimalOutcome:
    selected: list[int]
    welfare: int


def run_optimal(matrix: ProfileMatrix, util: Utilities, budget: int) -> OptimalOutcome:
    from scipy.optimize import Bounds, LinearConstraint, milp

    m = len(matrix.pids)
    welfare = [util.total(matrix, j) for j in range(m)]
    costs = matrix.costs
    # Free projects with any support are always worth funding; projects over budget never fit.
    chosen_free = [j for j in range(m) if costs[j] == 0 and welfare[j] > 0]
    open_ = [j for j in range(m) if 0 < costs[j] <= budget and welfare[j] > 0]
    selected = list(chosen_free)
    if open_:
        scale = max(welfare[j] for j in open_)
        c = -np.array([welfare[j] / scale for j in open_], dtype=np.float64)
        a = np.array([[costs[j] for j in open_]], dtype=np.float64)
        limit = budget
        while True:
            res = milp(
                c,
                constraints=LinearConstraint(a, -np.inf, limit),
                integrality=np.ones(len(open_)),
                bounds=Bounds(0, 1),
                options={"mip_rel_gap": 0.0, "presolve": True},
            )
            if res.x is None:
                break
            picked = [open_[k] for k, v in enumerate(res.x) if v > 0.5]
            over = sum(costs[j] for j in picked) - budget
            if over <= 0:
                selected.extend(picked)
                break
            limit -= over  # a tolerance let the solver overspend; tighten and solve again
    return OptimalOutcome(selected, sum(welfare[j] for j in selected))
