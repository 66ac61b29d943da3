"""Money in MES explanations is the exact value rounded once, never a float's rounding: on
random small elections (budgets in pence, where a half penny is often in reach), every amount
shown equals the engine's exact fractions (`_exact.ExactReplay`, the path that re-decides near
ties) formatted by `Money`, half to even."""

from __future__ import annotations

import random

import pytest

from ballots.tally import Instance, Profile, Project, tally
from ballots.tally.explain import run_mes
from ballots.tally.money import Money
from ballots.tally.satisfaction import utilities


def _election(seed: int) -> tuple[Instance, Profile]:
    rng = random.Random(seed)
    n, m = rng.randint(2, 9), rng.randint(2, 5)
    costs = {f"P{k}": rng.randint(1, 60) for k in range(m)}
    budget = rng.randint(max(costs.values()) // 2 + 1, sum(costs.values()))
    approvals = {f"v{i}": [p for p in costs if rng.random() < 0.5] for i in range(n)}
    projects = [Project(p, c) for p, c in costs.items()]
    return Instance(budget, projects, {"currency": "GBP"}), Profile.from_approvals(approvals)


@pytest.mark.parametrize("unit", ["pence", "units"])
def test_every_amount_shown_is_the_exact_amount_rounded(unit: str) -> None:
    checked = 0
    for seed in range(1500):
        instance, profile = _election(seed)
        money = Money.for_instance(instance.meta, unit)
        matrix = profile.matrix(instance)
        util = utilities(matrix, profile.vote_type, "cost")
        outcome = run_mes(matrix, util, instance.budget, record=True)
        reasons = {p.id: p.reason for p in tally(instance, profile, "mes", unit=unit).projects}
        for k, rnd in enumerate(outcome.rounds):
            shown = f"paid at most {money(outcome.exact_max_payment(k))} towards"
            assert shown in reasons[matrix.pids[rnd.project]], seed
            checked += 1
        for j in outcome.left:
            reason = reasons[matrix.pids[j]]
            if "left between them" in reason:
                assert f"had {money(outcome.exact_left(j))} left between" in reason, seed
                checked += 1
    assert checked > 3000
