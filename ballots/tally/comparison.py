"""Compare every applicable rule on one election: funded set, money spent, satisfaction."""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from typing import Any

from ._matrix import ProfileMatrix
from .core import applicable_rules, tally
from .model import Instance, Profile, validate

__all__ = ["compare", "satisfaction_metrics"]


def compare(
    instance: Instance,
    profile: Profile,
    *,
    unit: str | None = None,
    workers: int | None = None,
    check: bool = True,
) -> list[dict[str, Any]]:
    """Run every applicable rule; per rule: funded set, money spent, the share of voters with at
    least one funded project they voted for (pabutools `percent_non_empty_handed`, as a fraction)
    and average satisfaction (pabutools `avg_satisfaction` with
    `Relative_Cost_Approx_Normaliser_Sat`:
    the money spent on a voter's projects over what they asked for, capped at the budget).
    `check=False` skips validating the ballots (the caller has)."""
    if check:
        validate(instance, profile)
    matrix = profile.matrix(instance)
    rows: list[dict[str, Any]] = []
    for rule, sat in applicable_rules(profile):
        result = tally(
            instance,
            profile,
            rule,
            sat,
            unit=unit,
            votes_needed=False,
            check=False,
            workers=workers,
        )
        rows.append(
            {
                "rule": rule,
                "sat": sat,
                "selected": result.selected,
                "spent": result.spent,
                **satisfaction_metrics(matrix, instance.budget, result.selected),
            }
        )
    return rows


def satisfaction_metrics(
    matrix: ProfileMatrix, budget: int, selected: list[str]
) -> dict[str, float]:
    import numpy as np

    n = matrix.n_voters
    if n == 0:
        return {"percent_non_empty_handed": 0.0, "avg_satisfaction": 0.0}
    index = {pid: j for j, pid in enumerate(matrix.pids)}
    funded = np.zeros(n, dtype=np.int64)
    asked = np.zeros(n, dtype=np.int64)
    hit = np.zeros(n, dtype=bool)
    chosen = {index[p] for p in selected}
    for j, sup in enumerate(matrix.supporters):
        asked[sup] += matrix.costs[j]
        if j in chosen:
            funded[sup] += matrix.costs[j]
            hit[sup] = True
    normaliser = np.minimum(asked, budget)
    return {
        "percent_non_empty_handed": float(Fraction(int(hit.sum()), n)),
        "avg_satisfaction": float(_sum_of_shares(funded, normaliser) / n),
    }


def _sum_of_shares(funded: Any, normaliser: Any) -> Fraction:
    """The exact sum of funded/normaliser over voters whose normaliser is positive: voters with
    the same normaliser share one term (their funded money summed), so only as many fractions
    are added as there are distinct normalisers."""
    import numpy as np

    keep = normaliser > 0
    funded, normaliser = funded[keep], normaliser[keep]
    if len(funded) == 0:
        return Fraction(0)
    if int(funded.max()) >= (1 << 62) // len(funded):
        # Sums that could overflow int64: one term per distinct pair, in Python integers.
        pairs, counts = np.unique(np.stack([funded, normaliser]), axis=1, return_counts=True)
        terms: Iterable[tuple[int, int]] = (
            (int(c) * int(f), int(a)) for f, a, c in zip(pairs[0], pairs[1], counts, strict=True)
        )
    else:
        order = np.argsort(normaliser, kind="stable")
        denominators, funded = normaliser[order], funded[order]
        starts = np.flatnonzero(np.r_[True, denominators[1:] != denominators[:-1]])
        sums = np.add.reduceat(funded, starts)
        terms = zip(sums.tolist(), denominators[starts].tolist(), strict=True)
    return sum((Fraction(f, a) for f, a in terms), Fraction(0))
