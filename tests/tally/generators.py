"""Seeded random instances for the live pabutools comparison and the benchmarks."""

from __future__ import annotations

import random

from ballots.tally import Instance, Profile, Project


def random_instance(
    seed: int,
    vote_type: str = "approval",
    max_projects: int = 8,
    max_voters: int = 12,
) -> tuple[Instance, Profile]:
    """Small budgets and round costs, so ties and knapsack edge cases happen often."""
    rng = random.Random(seed)
    m = rng.randint(1, max_projects)
    n = rng.randint(0, max_voters)
    ids = rng.sample([str(k) for k in range(1, 40)], m)
    costs = [
        rng.choice([0, 1, 2, 3, 5, 10, 10, 20, 20, 30, 50]) * rng.choice([1, 1, 10]) for _ in ids
    ]
    projects = [Project(pid, cost) for pid, cost in zip(ids, costs, strict=True)]
    total = sum(costs)
    budget = rng.randint(0, max(total, 1)) if rng.random() < 0.9 else rng.choice([1, 10, 100])
    meta = {"budget": str(budget), "vote_type": vote_type}
    if vote_type == "approval":
        approvals = {f"v{i}": rng.sample(ids, rng.randint(0, m)) for i in range(n)}
        profile = Profile.from_approvals(approvals)
    else:
        points: dict[str, dict[str, int]] = {}
        for i in range(n):
            chosen = rng.sample(ids, rng.randint(0, m))
            points[f"v{i}"] = {pid: rng.randint(1, 4) for pid in chosen}
        profile = Profile.from_points(points)
    return Instance(budget, projects, meta), profile


def large_approval(
    n_voters: int, n_projects: int, seed: int = 0, budget_share: float = 0.3
) -> tuple[Instance, Profile]:
    """A large random approval instance (popularity skewed, like real elections)."""
    import numpy as np

    from ballots.tally import Ballot

    rng = np.random.default_rng(seed)
    costs = (rng.integers(1, 100, n_projects) * 1000).tolist()
    log_popularity = np.log(rng.dirichlet(np.ones(n_projects) * 0.5) + 1e-12)
    lengths = rng.integers(1, min(10, n_projects) + 1, n_voters)
    ids = [str(k + 1) for k in range(n_projects)]
    projects = [Project(pid, int(c)) for pid, c in zip(ids, costs, strict=True)]
    budget = int(sum(costs) * budget_share)
    ballots = []
    chunk = 10_000
    for first in range(0, n_voters, chunk):
        size = min(chunk, n_voters - first)
        # Sampling without replacement, weighted by popularity: the Gumbel top-k trick.
        keys = log_popularity + rng.gumbel(size=(size, n_projects))
        ranked = np.argsort(-keys, axis=1)[:, :10]
        for row in range(size):
            i = first + row
            chosen = sorted(ranked[row, : int(lengths[i])].tolist())
            ballots.append(Ballot(str(i), tuple(ids[k] for k in chosen)))
    meta = {"budget": str(budget), "vote_type": "approval"}
    return Instance(budget, projects, meta), Profile("approval", ballots)
