"""How many more supporters an unfunded project needed: exact searches that re-run the rule.

Greedy solves for the number directly and verifies it with two re-runs; MES searches (galloping,
then binary), every step an MES re-run, spread over forked workers when there is a lot to do.
An added supporter votes for the project alone, with 1 vote or the most points one voter may give.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from ._matrix import ProfileMatrix
from ._workers import default_workers
from .greedy import Density, GreedyOutcome, greedy_order, run_greedy
from .mes import MesEngine, MesOutcome, _Extra
from .model import Profile
from .satisfaction import Utilities

__all__ = ["added_weight", "greedy_votes_needed", "mes_votes_needed"]


def added_weight(profile: Profile, matrix: ProfileMatrix, util: Utilities) -> int:
    """What one added supporter gives: 1 vote, or the most points one voter may give."""
    if not util.use_weights or profile.vote_type == "approval":
        return 1
    if profile.vote_type == "ordinal":
        return profile.max_length or max((len(b.projects) for b in profile.ballots), default=1)
    cap = profile.max_points or profile.max_sum_points
    if cap:
        return cap
    return max((int(w.max()) for w in matrix.weights if len(w)), default=1)


# ---- greedy ------------------------------------------------------------------------------------
def _greedy_with_extra(
    m: ProfileMatrix, util: Utilities, budget: int, j: int, added: int, dens: list[Any]
) -> bool:
    total = util.total(m, j) + added
    changed = list(dens)
    if total <= 0:
        changed[j] = (0, Fraction(0))
    elif m.costs[j] == 0:
        changed[j] = (1, Fraction(0))
    else:
        changed[j] = (0, Fraction(total, m.costs[j]))
    return j in run_greedy(m, util, budget, densities=changed).selected


def _beats(
    m: ProfileMatrix, util: Utilities, j: int, x: int, per_vote: int, target: Density, rival: int
) -> bool:
    value = Fraction(util.total(m, j) + x * per_vote, m.costs[j])
    if value != target[1]:
        return bool(value > target[1])
    return m.pids[j] < m.pids[rival]


def greedy_votes_needed(
    m: ProfileMatrix,
    util: Utilities,
    budget: int,
    weight: int,
    outcome: GreedyOutcome,
    dens: list[Any],
) -> dict[int, int]:
    """Smallest number of added supporters (voting for this project alone) that gets it funded.

    Greedy is monotone in a project's own votes: moving it earlier in the order only leaves it
    more money. So find the first project it must overtake, solve for the votes exactly, and
    verify by re-running the rule with that many and one fewer.
    """
    needed: dict[int, int] = {}
    chosen = set(outcome.selected)
    order = greedy_order(m, util, dens)
    for j in range(len(m.pids)):
        cost = m.costs[j]
        if j in chosen or cost > budget or cost == 0:
            continue
        others = [k for k in order if k != j]
        remaining = budget
        last_fit = 0  # the last position at which j would still fit
        for t, k in enumerate(others):
            if remaining >= cost:
                last_fit = t
            if m.costs[k] <= remaining:
                remaining -= m.costs[k]
        rival = others[last_fit]
        target = dens[rival]
        if target[0] == 1:
            continue  # a free supported project always comes first
        step = weight * util.factor[j]
        if step == 0:
            continue
        need = target[1] * cost - util.total(m, j)
        x = max(int(need // step), 0)
        while not _beats(m, util, j, x, step, target, rival):
            x += 1
        verified = x > 0 and _greedy_with_extra(m, util, budget, j, x * step, dens)
        if verified and not _greedy_with_extra(m, util, budget, j, (x - 1) * step, dens):
            needed[j] = x
    return needed


# ---- MES ---------------------------------------------------------------------------------------
# The engine, budget and added weight, set before the search and inherited by forked workers.
_NEEDED: tuple[MesEngine, int, int] | None = None


def _mes_funded_with(engine: MesEngine, budget: int, j: int, extra: int, weight: int) -> bool:
    n = engine.matrix.n_voters + extra
    out = engine.run(Fraction(budget, n), n, extra=_Extra(j, extra, weight), watch=j)
    return j in out.selected


def _mes_votes_needed_for(j: int) -> int | None:
    """Smallest number of added supporters (voting for j alone) with which MES funds j: a
    galloping search up from a necessary lower bound, then a binary search, every step a re-run.
    None if even 64 times the electorate would not do."""
    assert _NEEDED is not None
    engine, budget, weight = _NEEDED
    m = engine.matrix
    n, n_j, cost = m.n_voters, len(m.supporters[j]), m.costs[j]
    limit = 64 * (n + 1)
    # Necessary: the supporters' starting shares must cover the cost, (n_j + x) B / (n + x) >= cost.
    lo = 0 if cost >= budget else max(0, -(-(cost * n - n_j * budget) // (budget - cost)) - 1)
    gap = 1
    hi = lo + gap
    while not _mes_funded_with(engine, budget, j, hi, weight):
        if hi > limit:
            return None
        lo, gap = hi, gap * 2
        hi = lo + gap
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _mes_funded_with(engine, budget, j, mid, weight):
            hi = mid
        else:
            lo = mid
    return hi


def mes_votes_needed(
    m: ProfileMatrix,
    util: Utilities,
    budget: int,
    weight: int,
    outcome: MesOutcome,
    workers: int | None,
) -> dict[int, int | None]:
    """For each unfunded project, a search over added supporters, each step an MES re-run;
    spread over forked workers when there is a lot to do."""
    chosen = set(outcome.selected) | set(outcome.free)
    todo = [
        j
        for j in range(len(m.pids))
        if j not in chosen and 0 < m.costs[j] <= budget and util.factor[j] > 0
    ]
    global _NEEDED
    _NEEDED = (MesEngine(m, util), budget, weight)
    if workers is None:
        workers = default_workers()
    if workers >= 2 and len(todo) > 2 and m.n_voters * len(todo) > 50_000:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(workers) as pool:
            found = pool.map(_mes_votes_needed_for, todo, chunksize=1)
    else:
        found = [_mes_votes_needed_for(j) for j in todo]
    return dict(zip(todo, found, strict=True))
