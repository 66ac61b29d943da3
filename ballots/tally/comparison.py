"""Compare every applicable rule on one election: funded set, money spent, satisfaction."""

from __future__ import annotations

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
    the money spent on a voter's projects over what they asked for, capped at the budget)."""
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
    # Exact mean of funded/normaliser: voters with the same pair share a term.
    pairs, counts = np.unique(np.stack([funded, normaliser]), axis=1, return_counts=True)
    total = sum(
        (
            Fraction(int(c) * int(f), int(a))
            for f, a, c in zip(pairs[0], pairs[1], counts, strict=True)
            if a > 0
        ),
        Fraction(0),
    )
    return {
        "percent_non_empty_handed": float(Fraction(int(hit.sum()), n)),
        "avg_satisfaction": float(total / n),
    }
