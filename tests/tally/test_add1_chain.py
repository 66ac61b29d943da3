"""mes-add1 runs its steps in chains (`ballots/tally/_chain.py`): each MES run skips the prices
that the run one unit above proves cannot decide. Every step's selection must be exactly that of
a plain MES run at that step: on every shared file, on random instances built to tie, and
through the forked helper."""

from __future__ import annotations

import multiprocessing
import random
from fractions import Fraction

import pytest
from pabulib_files import FILES, PABULIB_FILES_DIR

from ballots.tally import Instance, Profile, Project, mes_add1, read_pb
from ballots.tally._chain import run_chain
from ballots.tally.mes import MesEngine
from ballots.tally.mes_add1 import _run_mes_add1_stepwise, run_mes_add1
from ballots.tally.satisfaction import utilities

# Files with more (voter, project) pairs x steps than this are compared at sampled steps only
# (every step is still run, in chains: a step's run depends on the runs above it).
SAMPLE_ABOVE = 2_000_000


def _engine(instance: Instance, profile: Profile, sat: str = "cost") -> MesEngine:
    matrix = profile.matrix(instance)
    engine = MesEngine(matrix, utilities(matrix, profile.vote_type, sat))
    engine.track_overlap()
    return engine


def _chains(engine: MesEngine, start: Fraction, last: int, rng: random.Random) -> list[list[int]]:
    """Steps 0..last in chains of random lengths (1 to 12)."""
    n = engine.matrix.n_voters
    out: list[list[int]] = []
    while len(out) <= last:
        first = len(out)
        out += run_chain(engine, start, n, first, min(first + rng.randint(1, 12), last + 1) - 1)
    return out


def _stop_step(engine: MesEngine, budget: int) -> int:
    """The first step whose plain MES outcome is over budget or exhaustive (mes-add1's stop)."""
    matrix = engine.matrix
    n = matrix.n_voters
    start = Fraction(budget, n)
    free = sum(matrix.costs[j] for j in engine.free)
    step = 0
    while True:
        selected = engine.run(start + step, n).selected
        spent = free + sum(matrix.costs[j] for j in selected)
        chosen = set(selected)
        if spent > budget or all(
            j in chosen or matrix.costs[j] + spent > budget for j in engine.candidates
        ):
            return step
        step += 1


@pytest.mark.parametrize("sat", ["cost", "cardinality"])
@pytest.mark.parametrize("name", [f for f in FILES if "Pole_Mokotowskie" not in f])
def test_chains_equal_plain_runs_on_shared_files(name: str, sat: str) -> None:
    instance, profile = read_pb(PABULIB_FILES_DIR / name)
    if profile.vote_type == "ordinal":
        return
    engine = _engine(instance, profile, sat)
    n = engine.matrix.n_voters
    start = Fraction(instance.budget, n)
    pairs = sum(len(s) for s in engine.matrix.supporters)
    _, steps, _ = run_mes_add1(engine.matrix, engine.util, instance.budget, workers=1)
    last = steps + 3  # past the stop, so the over-budget step is checked too
    got = _chains(engine, start, last, random.Random(name + sat))
    rng = random.Random(sat + name)
    if pairs * last <= SAMPLE_ABOVE:
        checked = list(range(last + 1))
    else:
        checked = sorted({*range(8), *range(last - 8, last + 1), *rng.sample(range(last), 25)})
    for k in checked:
        assert got[k] == engine.run(start + k, n).selected, (name, sat, k)


def tie_instance(seed: int) -> tuple[Instance, Profile]:
    """Approval instances where prices tie or voters run out exactly, at some steps: twin
    projects (same cost, same supporters), costs that are whole multiples of the share, and
    projects whose supporters' shares add up to their cost at a whole step."""
    rng = random.Random(seed)
    n = rng.randint(2, 40)
    share = rng.choice([1, 2, 3, 5, 10, 60])
    budget = share * n
    m = rng.randint(2, 10)
    ids = [str(k) for k in rng.sample(range(1, 60), m)]
    ballots: list[list[str]] = [[] for _ in range(n)]
    costs: dict[str, int] = {}
    for k, pid in enumerate(ids):
        if k and rng.random() < 0.3:  # a twin of the previous project
            twin = ids[k - 1]
            costs[pid] = costs[twin]
            for ballot in ballots:
                if twin in ballot:
                    ballot.append(pid)
            continue
        voters = rng.sample(range(n), rng.randint(1, n))
        for v in voters:
            ballots[v].append(pid)
        # Exactly affordable at some step s: len(voters) x (share + s) == cost.
        steps = rng.randint(0, 30)
        kind = rng.random()
        if kind < 0.4:
            costs[pid] = len(voters) * (share + steps)
        elif kind < 0.7:
            costs[pid] = share * rng.randint(1, 3 * n)
        else:
            costs[pid] = rng.randint(1, budget)
    projects = [Project(pid, costs[pid]) for pid in ids]
    meta = {"budget": str(budget), "vote_type": "approval"}
    profile = Profile.from_approvals({f"v{i}": ballot for i, ballot in enumerate(ballots)})
    return Instance(budget, projects, meta), profile


@pytest.mark.parametrize("sat", ["cost", "cardinality"])
def test_chains_equal_plain_runs_on_tie_instances(sat: str) -> None:
    compared = 0
    for seed in range(80):
        instance, profile = tie_instance(seed)
        engine = _engine(instance, profile, sat)
        n = engine.matrix.n_voters
        start = Fraction(instance.budget, n)
        last = 35
        got = _chains(engine, start, last, random.Random(seed))
        for k in range(last + 1):
            assert got[k] == engine.run(start + k, n).selected, (seed, sat, k)
            compared += 1
    assert compared == 80 * 36


def test_chains_equal_plain_runs_on_points() -> None:
    """Cumulative ballots: satisfactions differ between a project's supporters."""
    from tests.tally.test_add1_skipping import pence_instance

    for seed in range(0, 120, 3):  # seed % 3 == 0: cumulative
        instance, profile = pence_instance(seed)
        engine = _engine(instance, profile)
        n = engine.matrix.n_voters
        if not n:
            continue
        start = Fraction(instance.budget, n)
        got = _chains(engine, start, 40, random.Random(seed))
        for k in range(41):
            assert got[k] == engine.run(start + k, n).selected, (seed, k)


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="helpers are forked"
)
@pytest.mark.parametrize("seed", range(6))
def test_forked_helper_gives_the_stepwise_result(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the helper forked at once (and no parametric runs), mes-add1 stops where the plain
    one-unit-at-a-time definition does."""
    monkeypatch.setattr(mes_add1, "_FORK_AFTER", 0.0)
    monkeypatch.setattr(mes_add1, "_FORK_STEP", 0.0)
    monkeypatch.setattr(mes_add1, "_PARAMETRIC_MAX_PAIRS", -1)
    names = ["Netherlands_Assen_2024.pb", "US_Stanford_Dataset_2022_Jersey_City_Ward_D_vote_"]
    if seed < 2:
        instance, profile = read_pb(PABULIB_FILES_DIR / next(f for f in FILES if names[seed] in f))
    else:
        instance, profile = tie_instance(1000 + seed)
    matrix = profile.matrix(instance)
    util = utilities(matrix, profile.vote_type, "cost")
    outcome, steps, _ = run_mes_add1(matrix, util, instance.budget, workers=2)
    assert (outcome.selected, steps) == _run_mes_add1_stepwise(matrix, util, instance.budget)


@pytest.mark.skipif(
    "fork" not in multiprocessing.get_all_start_methods(), reason="helpers are forked"
)
def test_a_helper_that_dies_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A forked helper killed part-way (say by the out-of-memory killer): this process runs its
    spans itself and mes-add1 still stops where the one-unit-at-a-time definition does."""
    import os

    real_helper = mes_add1._add1_helper

    def dies_after_one_span(conn, step, offset, stride):  # type: ignore[no-untyped-def]
        sent = conn.send

        def send_then_die(value: object) -> None:
            sent(value)
            os._exit(1)

        conn.send = send_then_die
        real_helper(conn, step, offset, stride)

    monkeypatch.setattr(mes_add1, "_FORK_AFTER", 0.0)
    monkeypatch.setattr(mes_add1, "_FORK_STEP", 0.0)
    monkeypatch.setattr(mes_add1, "_PARAMETRIC_MAX_PAIRS", -1)
    monkeypatch.setattr(mes_add1, "_add1_helper", dies_after_one_span)
    instance, profile = tie_instance(1002)
    matrix = profile.matrix(instance)
    util = utilities(matrix, profile.vote_type, "cost")
    outcome, steps, _ = run_mes_add1(matrix, util, instance.budget, workers=2)
    assert steps > 4  # the helper's first span was used, and later ones run here
    assert (outcome.selected, steps) == _run_mes_add1_stepwise(matrix, util, instance.budget)
