"""The exact values MES explanations fall back on (`_exact.ExactReplay`: the largest payment of
each round, the money each unfunded project's supporters had left) equal a plain MES run in
Fractions, voter by voter, on random small elections with many ties: approval ballots (counted
through each voter's ballot), points (through the winners' supporter lists), and a file read in
bulk."""

from __future__ import annotations

import random
from fractions import Fraction
from pathlib import Path

import pytest

from ballots.tally import Instance, Profile, Project, _exact, read_pb, write_pb
from ballots.tally.explain import run_mes
from ballots.tally.satisfaction import utilities


def _reference(
    costs: list[int], pids: list[str], utils: list[dict[int, int]], n: int, budget: int
) -> tuple[list[int], list[Fraction], list[Fraction]]:
    """MES in Fractions: the funded projects in order (free ones left out), each round's largest
    payment, and every voter's budget at the end. `utils[j]`: voter -> satisfaction > 0."""
    share = Fraction(budget, n)
    b = [share] * n
    remaining = [j for j in range(len(costs)) if costs[j] > 0 and utils[j]]
    order: list[int] = []
    largest: list[Fraction] = []
    while True:
        best: tuple[Fraction, str, int] | None = None
        for j in list(remaining):
            sup = utils[j]
            if sum(b[i] for i in sup) < costs[j]:
                remaining.remove(j)
                continue
            paid, denom = Fraction(0), sum(sup.values())
            for i in sorted(sup, key=lambda i: b[i] / sup[i]):
                rho = (costs[j] - paid) / denom
                if rho * sup[i] <= b[i]:
                    break
                paid += b[i]
                denom -= sup[i]
            if best is None or (rho, pids[j]) < best[:2]:
                best = (rho, pids[j], j)
        if best is None:
            return order, largest, b
        rho, _, w = best
        pays = {i: min(b[i], rho * u) for i, u in utils[w].items()}
        for i, p in pays.items():
            b[i] -= p
        largest.append(max(pays.values()))
        order.append(w)
        remaining.remove(w)


def _election(seed: int, points: bool) -> tuple[Instance, Profile]:
    rng = random.Random(seed)
    n, m = rng.randint(1, 12), rng.randint(1, 6)
    costs = {f"P{k}": rng.choice([1, 2, 3, 4, 6, 10, 12, 30]) for k in range(m)}
    budget = rng.randint(1, sum(costs.values()) + 5)
    chosen = {f"v{i}": [p for p in costs if rng.random() < 0.5] for i in range(n)}
    projects = [Project(p, c) for p, c in costs.items()]
    instance = Instance(budget, projects, {})
    if points:
        given = {v: {p: rng.randint(1, 3) for p in ps} for v, ps in chosen.items()}
        return instance, Profile.from_points(given)
    return instance, Profile.from_approvals(chosen)


def _check(instance: Instance, profile: Profile, sat: str) -> int:
    matrix = profile.matrix(instance)
    util = utilities(matrix, profile.vote_type, sat)
    outcome = run_mes(matrix, util, instance.budget, record=True)
    weights = util.use_weights
    utils = [
        {
            int(v): (int(w) if weights else 1) * util.factor[j]
            for v, w in zip(matrix.supporters[j].tolist(), matrix.weights[j].tolist(), strict=True)
        }
        for j in range(len(matrix.pids))
    ]
    costs = matrix.costs
    order, largest, left = _reference(costs, matrix.pids, utils, matrix.n_voters, instance.budget)
    assert outcome.selected == order
    for k in range(len(outcome.rounds)):
        assert outcome.exact_max_payment(k) == largest[k]
    for j in outcome.left:
        assert outcome.exact_left(j) == sum((left[i] for i in utils[j]), Fraction(0))
    return len(outcome.rounds)


CASES = [(False, "cost"), (False, "cardinality"), (True, "cost")]


@pytest.mark.parametrize("everyone_near", [False, True])
@pytest.mark.parametrize(("points", "sat"), CASES)
def test_exact_payments_and_money_left_equal_a_run_in_fractions(
    points: bool, sat: str, everyone_near: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if everyone_near:  # every supporter is decided by the exact scan, none by its float
        monkeypatch.setattr(_exact, "NEAR", 10.0)
    rounds = 0
    for seed in range(150):
        instance, profile = _election(seed, points)
        if len(profile):
            rounds += _check(instance, profile, sat)
    assert rounds > 150


def test_a_file_read_in_bulk_gives_the_same_exact_values(tmp_path: Path) -> None:
    rounds = 0
    for seed in range(60):
        instance, profile = _election(1000 + seed, points=False)
        # Every ballot names a project: the bulk reader leaves empty ones to the line reader.
        profile = Profile.from_approvals(
            {b.voter_id: b.projects or ("P0",) for b in profile.ballots}
        )
        if not len(profile):
            continue
        path = tmp_path / f"{seed}.pb"
        write_pb(instance, profile, path)
        read_instance, read_profile = read_pb(path)
        assert read_profile.matrix(read_instance).rows is not None  # the bulk reader's ballots
        rounds += _check(read_instance, read_profile, "cost")
    assert rounds > 60
