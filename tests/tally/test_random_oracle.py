"""Live comparison with pabutools on seeded random instances (approval and cumulative)."""

from __future__ import annotations

import pytest
from generators import random_instance
from pabutools_oracle import oracle, oracle_welfare

from ballots.tally import Instance, Profile, tally

pytest.importorskip("pabutools")

SEEDS = range(300)


def _check(instance: Instance, profile: Profile, rule: str, sat: str) -> None:
    ours = tally(instance, profile, rule, sat, votes_needed=False)
    assert ours.spent <= instance.budget
    if rule == "optimal":
        try:
            expected = oracle(instance, profile, rule, sat)
        except IndexError:  # pabutools 1.2.3's knapsack crashes when no item fits; brute force
            expected = _brute_force_optimal(instance, profile, sat)
    else:
        expected = oracle(instance, profile, rule, sat)
    if rule == "optimal":
        assert oracle_welfare(instance, profile, set(ours.selected), sat) == oracle_welfare(
            instance, profile, expected, sat
        )
    else:
        assert set(ours.selected) == expected, (rule, sat, ours.selected, sorted(expected))


def _brute_force_optimal(instance: Instance, profile: Profile, sat: str) -> set[str]:
    from itertools import combinations

    ids = list(instance.projects)
    best: tuple[int, set[str]] = (-1, set())
    for size in range(len(ids) + 1):
        for combo in combinations(ids, size):
            if sum(instance.projects[p].cost for p in combo) <= instance.budget:
                value = oracle_welfare(instance, profile, set(combo), sat)
                if value > best[0]:
                    best = (value, set(combo))
    return best[1]


@pytest.mark.parametrize("seed", SEEDS)
def test_approval_matches_pabutools(seed: int) -> None:
    size = {"max_projects": 12, "max_voters": 40} if seed % 3 == 0 else {}
    instance, profile = random_instance(seed, "approval", **size)
    for rule, sat in [
        ("greedy", "cost"),
        ("greedy", "cardinality"),
        ("mes", "cost"),
        ("mes", "cardinality"),
        ("phragmen", "cost"),
        ("mes-add1", "cost"),
        ("optimal", "cost"),
        ("optimal", "cardinality"),
    ]:
        _check(instance, profile, rule, sat)


@pytest.mark.parametrize("seed", SEEDS)
def test_cumulative_matches_pabutools(seed: int) -> None:
    size = {"max_projects": 12, "max_voters": 40} if seed % 3 == 0 else {}
    instance, profile = random_instance(10_000 + seed, "cumulative", **size)
    for rule, sat in [
        ("greedy", "cost"),
        ("greedy", "cardinality"),
        ("mes", "cost"),
        ("mes", "cardinality"),
        ("mes-add1", "cost"),
        ("optimal", "cost"),
    ]:
        _check(instance, profile, rule, sat)


@pytest.mark.parametrize("seed", range(100))
def test_exact_path_alone_matches_pabutools(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """With a huge tolerance every MES decision goes through the exact (rational) path."""
    from ballots.tally import mes

    monkeypatch.setattr(mes, "TOL", 10.0)
    vote_type = "approval" if seed % 2 else "cumulative"
    instance, profile = random_instance(20_000 + seed, vote_type, max_projects=10, max_voters=30)
    for rule, sat in [("mes", "cost"), ("mes", "cardinality"), ("mes-add1", "cost")]:
        _check(instance, profile, rule, sat)
