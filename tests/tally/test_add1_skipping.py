"""mes-add1 skips steps whose outcome provably equals the previous one's: check it against the
one-unit-at-a-time definition on instances with budgets in pence (many steps per voter)."""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest

from ballots.tally import Instance, Profile, Project, mes_add1
from ballots.tally._add1 import ParametricMes, sort_by_ratio
from ballots.tally.mes import MesEngine
from ballots.tally.mes_add1 import _run_mes_add1_stepwise, run_mes_add1
from ballots.tally.satisfaction import utilities
from tests.tally.add1_reference import FractionParametricMes

# The stepwise reference runs at most this many MES runs per instance; past it, the instance's
# early steps and the steps around the chosen one are checked instead.
STEP_CAP = 1500
# Each test checks a fixed set of seeds (the same work on any machine, however busy): no test
# stops on a clock. Speed belongs in bench/.
FULL_CHECK_SEEDS = range(150)
STRETCH_SEEDS = range(1000, 1100)
INTEGER_RUN_SEEDS = range(3000, 3080)


def pence_instance(seed: int) -> tuple[Instance, Profile]:
    rng = random.Random(seed)
    budget = rng.choice([10**5, 10**6, 10**7, rng.randint(10**5, 10**7)])
    n = rng.randint(2, 60)
    m = rng.randint(2, 12)
    ids = [str(k) for k in rng.sample(range(1, 40), m)]
    costs = []
    for _ in ids:
        kind = rng.random()
        if kind < 0.1:
            costs.append(0)
        elif kind < 0.3:
            costs.append(rng.choice([budget // 10, budget // 4, budget // 3, budget // 2]))
        else:
            costs.append(rng.randint(budget // 100, budget * 2 // 3))
    projects = [Project(pid, c) for pid, c in zip(ids, costs, strict=True)]
    vote_type = "approval" if seed % 3 else "cumulative"
    meta = {"budget": str(budget), "vote_type": vote_type, "currency": "GBP"}
    if vote_type == "approval":
        # Few distinct ballots (ties of supporter counts) in some, all different in others.
        pool = [rng.sample(ids, rng.randint(0, min(m, 4))) for _ in range(rng.randint(1, n))]
        profile = Profile.from_approvals({f"v{i}": rng.choice(pool) for i in range(n)})
    else:
        points: dict[str, dict[str, int]] = {}
        for i in range(n):
            chosen = rng.sample(ids, rng.randint(0, min(m, 5)))
            points[f"v{i}"] = {pid: rng.randint(1, 5) for pid in chosen}
        profile = Profile.from_points(points)
    return Instance(budget, projects, meta), profile


def _engine(instance: Instance, profile: Profile) -> MesEngine:
    matrix = profile.matrix(instance)
    return MesEngine(matrix, utilities(matrix, profile.vote_type, "cost"))


def _stop(engine: MesEngine, budget: int, selected: list[int]) -> str | None:
    costs = engine.matrix.costs
    spent = sum(costs[j] for j in engine.free) + sum(costs[j] for j in selected)
    if spent > budget:
        return "over"
    chosen = set(selected)
    if all(j in chosen or costs[j] + spent > budget for j in engine.candidates):
        return "exhaustive"
    return None


def _check(seed: int) -> bool:
    """True if the whole stepwise reference ran (else a windowed check)."""
    instance, profile = pence_instance(seed)
    matrix = profile.matrix(instance)
    util = utilities(matrix, profile.vote_type, "cost")
    outcome, steps, _ = run_mes_add1(matrix, util, instance.budget, workers=1)
    fast = outcome.selected
    n = matrix.n_voters
    engine = MesEngine(matrix, util)
    start = Fraction(instance.budget, n)
    if steps <= STEP_CAP:
        assert (fast, steps) == _run_mes_add1_stepwise(matrix, util, instance.budget), seed
        return True
    # Too many steps for the reference: no stop among the first steps, nor just before the
    # chosen step; and the stop right there (at `steps`, or over budget at `steps + 1`).
    for k in list(range(200)) + list(range(steps - 200, steps)):
        assert _stop(engine, instance.budget, engine.run(start + k, n).selected) is None, seed
    here = engine.run(start + steps, n).selected
    assert here == fast, seed
    if _stop(engine, instance.budget, here) is None:
        assert _stop(engine, instance.budget, engine.run(start + steps + 1, n).selected) == "over"
    return False


def test_skipping_equals_stepwise_on_pence_budgets() -> None:
    full = sum(_check(seed) for seed in FULL_CHECK_SEEDS)
    assert full >= 30, full


def test_each_stretch_really_has_one_outcome() -> None:
    """Every step inside a claimed stretch has the outcome of its first step (not only the
    stopping decision): checked for every step of short stretches, sampled in long ones."""
    checked = 0
    for seed in STRETCH_SEEDS:
        instance, profile = pence_instance(seed)
        engine = _engine(instance, profile)
        n = engine.matrix.n_voters
        if not n:
            continue
        parametric = ParametricMes(engine)
        start = Fraction(instance.budget, n)
        rng = random.Random(seed)
        step = 0
        for _ in range(15):
            selected, room = parametric.run(start + step)
            assert selected == engine.run(start + step, n).selected, seed
            jump = 1 if room is None else max(1, math.ceil(room))
            inside = range(step + 1, step + jump)
            probes = inside if len(inside) <= 40 else [*inside[:5], *inside[-5:]]
            probes = [*probes, *rng.sample(inside, min(10, len(inside)))]
            for k in probes:
                assert engine.run(start + k, n).selected == selected, (seed, step, k)
                checked += 1
            if _stop(engine, instance.budget, selected):
                break
            step += jump
    assert checked > 500


def test_stepwise_fallback_gives_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """With the parametric runs turned off, the plain one-step loop gives the same result."""
    compared = 0
    for seed in range(2000, 2100):
        instance, profile = pence_instance(seed)
        matrix = profile.matrix(instance)
        util = utilities(matrix, profile.vote_type, "cost")
        outcome, steps, completion = run_mes_add1(matrix, util, instance.budget, workers=1)
        if steps > 300:
            continue
        monkeypatch.setattr(mes_add1, "_PARAMETRIC_MAX_PAIRS", -1)
        slow = run_mes_add1(matrix, util, instance.budget, workers=1)
        monkeypatch.undo()
        assert (slow[0].selected, slow[1], slow[2].selected) == (
            outcome.selected,
            steps,
            completion.selected,
        ), seed
        compared += 1
        if compared == 20:
            break
    assert compared >= 10


def test_integer_runs_equal_the_fraction_runs() -> None:
    """The integer parametric run gives exactly the selection and room of the Fraction version
    it replaced (tests/tally/add1_reference.py), along the stretches of many instances."""
    runs = 0
    for seed in INTEGER_RUN_SEEDS:
        instance, profile = pence_instance(seed)
        engine = _engine(instance, profile)
        n = engine.matrix.n_voters
        if not n:
            continue
        fast, reference = ParametricMes(engine), FractionParametricMes(engine)
        start = Fraction(instance.budget, n)
        step = 0
        for _ in range(20):
            got = fast.run(start + step)
            assert got == reference.run(start + step), (seed, step)
            runs += 1
            if got[1] is None:
                break
            step += max(1, math.ceil(got[1]))
    assert runs > 300


def test_sort_by_ratio_is_exact_where_floats_tie() -> None:
    """Ratios that round to the same float (and ones beyond floats) still come out in order."""
    rng = random.Random(7)
    big = 10**40
    for _ in range(300):
        items = []
        for _ in range(rng.randint(0, 12)):
            q = rng.choice([1, 3, big, big + 1, 7 * big])
            p = q * rng.choice([0, 1, 2]) + rng.choice([-2, -1, 0, 1, 2, q // 3])
            items.append((max(p, 0), q, rng.randint(0, 9), 0))
        if rng.random() < 0.1:
            items.append((10**400, 1, 0, 0))
        expected = sorted(items, key=lambda k: Fraction(k[0], k[1]))
        got = list(items)
        rng.shuffle(got)
        sort_by_ratio(got)
        assert [Fraction(k[0], k[1]) for k in got] == [Fraction(k[0], k[1]) for k in expected]
