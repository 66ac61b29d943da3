"""Greedy utilitarian welfare: fund projects in order of satisfaction per unit of money.

With cost satisfaction on approval ballots this is "most votes first"; a project that no longer
fits is skipped and the next one is tried. Ties (exactly equal density) go to the smaller project
id compared as text, as in pabutools.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from fractions import Fraction

from ._matrix import ProfileMatrix
from .satisfaction import Utilities

# A density is compared as (is_infinite, value): a supported project that costs nothing comes first.
Density = tuple[int, Fraction]


@dataclass
class GreedyStep:
    project: int
    density: Density
    remaining_before: int
    funded: bool


@dataclass
class GreedyOutcome:
    selected: list[int]
    steps: list[GreedyStep] = field(default_factory=list)


def density(matrix: ProfileMatrix, util: Utilities, j: int) -> Density:
    total = util.total(matrix, j)
    if total <= 0:
        return (0, Fraction(0))
    cost = matrix.costs[j]
    if cost == 0:
        return (1, Fraction(0))
    return (0, Fraction(total, cost))


def greedy_order(
    matrix: ProfileMatrix, util: Utilities, densities: list[Density] | None = None
) -> list[int]:
    """Projects by density, highest first; equal densities by id as text. Sorted by float first
    (fast); runs of nearly equal floats are then re-sorted exactly."""
    dens = densities or [density(matrix, util, j) for j in range(len(matrix.pids))]
    pids = matrix.pids
    approx = [(-d[0], -float(d[1])) for d in dens]
    order = sorted(range(len(pids)), key=lambda j: (approx[j], pids[j]))
    k = 0
    while k < len(order):
        end = k + 1
        flag, value = approx[order[k]]
        while end < len(order):
            other = approx[order[end]]
            if other[0] != flag or abs(other[1] - value) > 1e-9 * max(abs(value), 1e-300):
                break
            end += 1
        if end - k > 1:
            order[k:end] = sorted(order[k:end], key=lambda j: (-dens[j][1], pids[j]))
        k = end
    return order


def run_greedy(
    matrix: ProfileMatrix,
    util: Utilities,
    budget: int,
    initial: Collection[int] = (),
    densities: list[Density] | None = None,
) -> GreedyOutcome:
    dens = densities or [density(matrix, util, j) for j in range(len(matrix.pids))]
    already = set(initial)
    remaining = budget - sum(matrix.costs[j] for j in already)
    outcome = GreedyOutcome(selected=list(initial))
    for j in greedy_order(matrix, util, dens):
        if j in already:
            continue
        cost = matrix.costs[j]
        fits = cost <= remaining
        outcome.steps.append(GreedyStep(j, dens[j], remaining, fits))
        if fits:
            outcome.selected.append(j)
            remaining -= cost
    return outcome
