"""The one entry point: `tally(instance, profile, rule, sat)` -> an explained `Result`."""

from __future__ import annotations

import math
import os
import time
from collections.abc import Generator
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

from ._matrix import ProfileMatrix
from .errors import RuleNotApplicableError, UnknownRuleError
from .greedy import Density, GreedyOutcome, density, greedy_order, run_greedy
from .mes import MesEngine, MesOutcome, _Extra
from .model import Instance, Profile, validate
from .money import Money, ordinal
from .satisfaction import SATS, Utilities, utilities

__all__ = ["RULES", "ProjectResult", "Result", "compare", "tally"]

VERSION = "1.0.0"

RULES: dict[str, str] = {
    "greedy": "Fund projects in order of votes, skipping any that no longer fit (cumulative "
    "ballots: points per unit of cost, as pabutools does; rankings: Borda score; --sat "
    "cardinality: votes per unit of cost).",
    "optimal": "Fund the affordable set of projects with the largest total satisfaction "
    "(an exact knapsack solved with scipy's MILP solver).",
    "mes": "Method of Equal Shares: every voter gets an equal share of the budget and a project is "
    "funded when its supporters can pay for it, cheapest per unit of satisfaction first.",
    "mes-add1": "Method of Equal Shares as cities run it: raise every voter's share one unit at a "
    "time while the outcome stays within budget, then fill what is left greedily by votes.",
    "phragmen": "Sequential Phragmén (approval ballots): fund the project whose supporters' "
    "shared load would stay lowest, until the next one would break the budget.",
}

TIE_RULE = "ties go to the smaller project id compared as text"


@dataclass
class ProjectResult:
    id: str
    name: str
    cost: int
    votes: int
    selected: bool
    reason: str
    votes_needed: int | None
    rank: int
    funded_order: int | None = None


@dataclass
class Result:
    rule: str
    sat: str
    budget: int
    spent: int
    selected: list[str]
    projects: list[ProjectResult]
    ties: list[dict[str, Any]] = field(default_factory=list)
    tie_breaking: str = TIE_RULE
    vote_type: str = "approval"
    version: str = VERSION
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the issue (plus `rank`, `tie_breaking`, `version`, ...)."""
        return {
            "rule": self.rule,
            "sat": self.sat,
            "budget": self.budget,
            "spent": self.spent,
            "selected": list(self.selected),
            "projects": [asdict(p) for p in self.projects],
            "ties": [dict(t) for t in self.ties],
            "tie_breaking": self.tie_breaking,
            "vote_type": self.vote_type,
            "version": self.version,
            "details": dict(self.details),
        }


def _check_rule(rule: str, sat: str, profile: Profile) -> None:
    if rule not in RULES:
        raise UnknownRuleError(f"unknown rule {rule!r}: use one of {', '.join(RULES)}")
    if sat not in SATS:
        raise UnknownRuleError(f"unknown satisfaction {sat!r}: use one of {', '.join(SATS)}")
    if profile.vote_type == "ordinal" and rule != "greedy":
        raise RuleNotApplicableError(
            f"rule {rule} does not apply to ordinal ballots; use greedy (over Borda scores)"
        )
    if rule == "phragmen" and profile.vote_type != "approval":
        raise RuleNotApplicableError("phragmen applies to approval ballots only")
    if rule == "mes-add1" and sat != "cost":
        raise RuleNotApplicableError("mes-add1 is defined with cost satisfaction only")


def applicable_rules(profile: Profile) -> list[tuple[str, str]]:
    """Every (rule, sat) pair that applies to this kind of ballot, in display order."""
    pairs: list[tuple[str, str]] = []
    for rule in RULES:
        for sat in SATS:
            if rule == "phragmen" and sat != "cost":
                continue  # Phragmén has no satisfaction measure: one row is enough
            try:
                _check_rule(rule, sat, profile)
            except (RuleNotApplicableError, UnknownRuleError):
                continue
            pairs.append((rule, sat))
    return pairs


def tally(
    instance: Instance,
    profile: Profile,
    rule: str,
    sat: str = "cost",
    *,
    unit: str | None = None,
    votes_needed: bool = True,
    check: bool = True,
    workers: int | None = None,
) -> Result:
    """Run `rule` and explain every project's outcome.

    `unit="pence"` shows money as pounds and pence (the default when META says currency GBP);
    `votes_needed=False` skips the re-runs that compute how many more votes unfunded projects
    needed (greedy and MES only); `check=False` skips re-validating ballots (already done when
    the profile was read from a file); `workers` caps the processes `mes-add1` may fork (default:
    2 where fork is available; pass 1 to stay in this process).
    """
    _check_rule(rule, sat, profile)
    if check:
        validate(instance, profile)
    money = Money.for_instance(instance.meta, unit)
    matrix = profile.matrix(instance)
    util = utilities(matrix, profile.vote_type, sat)
    explainer = _Explainer(instance, profile, matrix, util, money, rule, sat)
    explainer.workers = workers
    if rule == "greedy":
        return explainer.greedy(votes_needed)
    if rule == "mes":
        return explainer.mes(votes_needed)
    if rule == "mes-add1":
        return explainer.mes_add1()
    if rule == "optimal":
        return explainer.optimal()
    return explainer.phragmen()


def run_mes(matrix: ProfileMatrix, util: Utilities, budget: int, record: bool) -> MesOutcome:
    engine = MesEngine(matrix, util)
    n = matrix.n_voters
    if n == 0:
        return MesOutcome([], [], [], Fraction(0), {}, 0.0)
    return engine.run(Fraction(budget, n), n, record=record)


_ADD1_ENGINE: tuple[MesEngine, Fraction, int] | None = None


def _add1_outcome(step: int) -> list[int]:
    """One MES run of mes-add1 (in a forked worker, on the engine inherited from the parent)."""
    assert _ADD1_ENGINE is not None
    engine, start, n = _ADD1_ENGINE
    return engine.run(start + step, n).selected


def _add1_steps(
    engine: MesEngine, start: Fraction, n: int, workers: int, step: int = 0
) -> Generator[list[int], None, None]:
    """The selected projects of MES at each step (share + step, + step + 1, ...), in order.

    Each step is an independent MES run. After 0.15 s in this process, if a run takes long enough
    to be worth shipping to another process (a few milliseconds), the remaining steps are spread
    over `workers` forked processes, consumed in order, batch by batch.
    """
    began = time.perf_counter()
    done = 0
    while True:
        yield engine.run(start + step, n).selected
        step += 1
        done += 1
        elapsed = time.perf_counter() - began
        if workers >= 2 and elapsed > 0.15 and elapsed / done > 0.003:
            break
    import multiprocessing

    global _ADD1_ENGINE
    _ADD1_ENGINE = (engine, start, n)
    context = multiprocessing.get_context("fork")
    batch = 8 * workers
    with context.Pool(workers) as pool:
        while True:
            yield from pool.imap(_add1_outcome, range(step, step + batch), chunksize=2)
            step += batch


# Above this many (voter, project) pairs the exact parametric runs are not tried: on big files the
# supporters who run short change every few thousandths of a unit, and a plain MES run is faster.
_PARAMETRIC_MAX_PAIRS = 10_000


def _add1_stretches(
    engine: MesEngine, start: Fraction, n: int, workers: int
) -> Generator[tuple[int, list[int], int], None, None]:
    """Stretches of consecutive steps with the same MES outcome, in order: (first step, selected
    projects, last step). Each stretch is exactly what running MES at every step would give.

    An exact parametric run (`_add1.ParametricMes`) returns the outcome at a step and how many
    of the following steps provably share it. When those runs cost more per step covered than a
    plain MES run does (the outcome's decisions change nearly every step), the rest is stepped one
    unit at a time.
    """
    step = 0
    pairs = sum(len(engine.matrix.supporters[j]) for j in engine.candidates)
    if pairs <= _PARAMETRIC_MAX_PAIRS:
        from ._add1 import ParametricMes

        began = time.perf_counter()
        parametric = ParametricMes(engine)
        step_cost: float | None = None
        while True:
            selected, room = parametric.run(start + step)
            jump = 1 if room is None else max(1, math.ceil(room))
            yield step, selected, step + jump - 1
            step += jump
            elapsed = time.perf_counter() - began
            if elapsed > 0.05:
                if step_cost is None:
                    t = time.perf_counter()
                    engine.run(start + step, n)
                    step_cost = time.perf_counter() - t
                    began += step_cost
                if elapsed / step > 2 * step_cost:
                    break
    for k, selected in enumerate(_add1_steps(engine, start, n, workers, step), start=step):
        yield k, selected, k


def _run_mes_add1_stepwise(
    matrix: ProfileMatrix, util: Utilities, budget: int
) -> tuple[list[int], int]:
    """The one-unit-at-a-time definition, for tests: the MES selection kept, and the steps."""
    n = matrix.n_voters
    engine = MesEngine(matrix, util)
    if n == 0:
        return [], 0
    costs = matrix.costs
    free_cost = sum(costs[j] for j in engine.free)
    start = Fraction(budget, n)
    previous: list[int] = []
    step = 0
    while True:
        selected = engine.run(start + step, n).selected
        spent = free_cost + sum(costs[j] for j in selected)
        if spent > budget:
            return (previous, step - 1) if step else ([], 0)
        chosen = set(selected)
        if all(j in chosen or costs[j] + spent > budget for j in engine.candidates):
            return selected, step
        previous = selected
        step += 1


def run_mes_add1(
    matrix: ProfileMatrix, util: Utilities, budget: int, workers: int | None = None
) -> tuple[MesOutcome, int, GreedyOutcome]:
    """MES with each voter's share raised one unit at a time, then greedy completion.

    Mirrors pabutools: stop at the first step whose outcome is exhaustive (among the projects MES
    considers) or over budget (then keep the previous step's outcome); then complete greedily.
    Returns the MES outcome, the number of increments, and the completion. Steps whose outcome
    provably equals their predecessor's are skipped (`_add1_stretches`); the result is the same.
    """
    n = matrix.n_voters
    engine = MesEngine(matrix, util)
    if n:
        engine.track_overlap()
    costs = matrix.costs
    free_cost = sum(costs[j] for j in engine.free)
    if workers is None:
        workers = _default_workers()
    if n == 0:
        outcome = MesOutcome([], [], [], Fraction(0), {}, 0.0)
        steps = 0
    else:
        start = Fraction(budget, n)
        previous: list[int] = []
        chosen_steps = 0
        spent = 0
        stretches = _add1_stretches(engine, start, n, workers)
        try:
            for first, selected, _last in stretches:
                # Every step first.._last has this outcome: the first of them decides.
                spent = free_cost + sum(costs[j] for j in selected)
                if spent > budget:
                    chosen_steps = max(first - 1, 0)
                    break
                chosen = set(selected)
                if all(j in chosen or costs[j] + spent > budget for j in engine.candidates):
                    chosen_steps = first
                    break
                previous = selected
        finally:
            stretches.close()  # stops the worker processes, if any
        steps = chosen_steps
        if steps == 0 and not previous and spent > budget:
            outcome = MesOutcome([], list(engine.free), [], start, {}, 0.0)
        else:
            outcome = engine.run(start + steps, n, record=True)
    completion = run_greedy(matrix, util, budget, initial=outcome.selected + outcome.free)
    return outcome, steps, completion


def _default_workers() -> int:
    import multiprocessing
    import threading

    # Forking a process that runs other threads (a web server, a test live server) can deadlock
    # the children on locks those threads held: only a single-threaded process forks.
    if "fork" not in multiprocessing.get_all_start_methods() or threading.active_count() > 1:
        return 1
    return min(2, os.cpu_count() or 1)


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


class _Explainer:
    def __init__(
        self,
        instance: Instance,
        profile: Profile,
        matrix: ProfileMatrix,
        util: Utilities,
        money: Money,
        rule: str,
        sat: str,
    ) -> None:
        self.instance = instance
        self.profile = profile
        self.matrix = matrix
        self.util = util
        self.money = money
        self.rule = rule
        self.sat = sat
        self.budget = instance.budget
        m = len(matrix.pids)
        self.votes = [matrix.total_weight[j] for j in range(m)]
        order = sorted(range(m), key=lambda j: (-self.votes[j], matrix.pids[j]))
        self.rank = {j: k + 1 for k, j in enumerate(order)}
        self.reasons: dict[int, str] = {}
        self.needed: dict[int, int | None] = dict.fromkeys(range(m))
        self.ties: list[dict[str, Any]] = []
        self.details: dict[str, Any] = {}
        self.workers: int | None = None

    # ---- shared ------------------------------------------------------------------------------
    def _vote_word(self) -> str:
        return {"approval": "votes", "ordinal": "Borda points"}.get(
            self.profile.vote_type, "points"
        )

    def _result(self, selected: list[int]) -> Result:
        m = self.matrix
        chosen = set(selected)
        order_of = {j: k + 1 for k, j in enumerate(selected)}
        projects = [
            ProjectResult(
                id=m.pids[j],
                name=self.instance.projects[m.pids[j]].name,
                cost=m.costs[j],
                votes=self.votes[j],
                selected=j in chosen,
                reason=self.reasons.get(j, ""),
                votes_needed=None if j in chosen else self.needed[j],
                rank=self.rank[j],
                funded_order=order_of.get(j),
            )
            for j in sorted(range(len(m.pids)), key=self.rank.__getitem__)
        ]
        return Result(
            rule=self.rule,
            sat=self.sat,
            budget=self.budget,
            spent=sum(m.costs[j] for j in selected),
            selected=[m.pids[j] for j in selected],
            projects=projects,
            ties=self.ties,
            vote_type=self.profile.vote_type,
            details=self.details,
        )

    def _tie_note(self, j: int, group: list[int], what: str) -> str:
        others = [self.matrix.pids[k] for k in group if k != j]
        return f" (tied with {', '.join(others)} on {what}; {TIE_RULE})"

    # ---- greedy ------------------------------------------------------------------------------
    def _density_text(self, j: int) -> str:
        word = self._vote_word()
        if self.sat == "cost" and self.profile.vote_type in ("approval", "ordinal"):
            return f"{self.votes[j]:,} {word}"
        return f"{self.votes[j]:,} {word} for its cost"

    def greedy(self, want_needed: bool, outcome: GreedyOutcome | None = None) -> Result:
        m = self.matrix
        dens = [density(m, self.util, j) for j in range(len(m.pids))]
        outcome = outcome or run_greedy(m, self.util, self.budget, densities=dens)
        self._explain_greedy(outcome, dens, funded_prefix="funded")
        if want_needed:
            self._greedy_votes_needed(outcome, dens)
        return self._result(outcome.selected)

    def _explain_greedy(self, outcome: GreedyOutcome, dens: list[Any], funded_prefix: str) -> None:
        m, money = self.matrix, self.money
        groups: dict[Any, list[int]] = {}
        for step in outcome.steps:
            groups.setdefault(step.density, []).append(step.project)
        fate = {step.project: step.funded for step in outcome.steps}
        for group in groups.values():
            if len(group) > 1 and len({fate[j] for j in group}) > 1:
                self.ties.append(
                    {
                        "between": [m.pids[j] for j in group],
                        "chosen": [m.pids[j] for j in group if fate[j]],
                        "reason": f"equal {self._vote_word()}"
                        + (" per unit of cost" if self.sat == "cardinality" else "")
                        + f"; {TIE_RULE}",
                    }
                )
        count = len(outcome.selected) - len(outcome.steps) + sum(s.funded for s in outcome.steps)
        count = len(outcome.selected) - sum(1 for s in outcome.steps if s.funded)
        for step in outcome.steps:
            j = step.project
            cost = m.costs[j]
            if step.funded:
                count += 1
                text = (
                    f"{funded_prefix} {ordinal(count)}; {money(step.remaining_before)} of "
                    f"{money(self.budget)} was left, cost {money(cost)}"
                )
            elif cost > self.budget:
                text = f"not funded: it cost {money(cost)}, more than the whole budget"
            else:
                text = f"skipped: {money(step.remaining_before)} was left, it cost {money(cost)}"
            group = groups[step.density]
            if len(group) > 1 and len({fate[k] for k in group}) > 1:
                text += self._tie_note(j, group, f"{self._density_text(j)}")
            if self.votes[j] == 0:
                text += "; nobody voted for it"
            self.reasons[j] = text

    def _added_weight(self) -> int:
        """What one added supporter gives: 1 vote, or the most points one voter may give."""
        if self.profile.vote_type == "approval":
            return 1
        if self.profile.vote_type == "ordinal":
            return self.profile.max_length or max(
                (len(b.projects) for b in self.profile.ballots), default=1
            )
        cap = self.profile.max_points or self.profile.max_sum_points
        if cap:
            return cap
        return max((int(w.max()) for w in self.matrix.weights if len(w)), default=1)

    def _greedy_with_extra(self, j: int, extra: int, dens: list[Any]) -> bool:
        m = self.matrix
        added = extra * (self._added_weight() if self.util.use_weights else 1) * self.util.factor[j]
        total = self.util.total(m, j) + added
        changed = list(dens)
        if total <= 0:
            changed[j] = (0, Fraction(0))
        elif m.costs[j] == 0:
            changed[j] = (1, Fraction(0))
        else:
            changed[j] = (0, Fraction(total, m.costs[j]))
        return j in run_greedy(m, self.util, self.budget, densities=changed).selected

    def _greedy_votes_needed(self, outcome: GreedyOutcome, dens: list[Any]) -> None:
        """Smallest number of added supporters (voting for this project alone) that gets it funded.

        Greedy is monotone in a project's own votes: moving it earlier in the order only leaves it
        more money. So find the first project it must overtake, solve for the votes exactly, and
        verify by re-running the rule with that many and one fewer.
        """
        m, util = self.matrix, self.util
        chosen = set(outcome.selected)
        order = greedy_order(m, util, dens)
        per_vote = (self._added_weight() if util.use_weights else 1) * 1
        for j in range(len(m.pids)):
            cost = m.costs[j]
            if j in chosen or cost > self.budget or cost == 0:
                continue
            others = [k for k in order if k != j]
            remaining = self.budget
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
            step = per_vote * util.factor[j]
            if step == 0:
                continue
            need = target[1] * cost - util.total(m, j)
            x = max(int(need // step), 0)
            while not self._beats(j, x, step, target, rival):
                x += 1
            verified = x > 0 and self._greedy_with_extra(j, x, dens)
            if verified and not self._greedy_with_extra(j, x - 1, dens):
                self.needed[j] = x

    def _beats(self, j: int, x: int, per_vote: int, target: Density, rival: int) -> bool:
        m = self.matrix
        value = Fraction(self.util.total(m, j) + x * per_vote, m.costs[j])
        if value != target[1]:
            return bool(value > target[1])
        return m.pids[j] < m.pids[rival]

    # ---- MES ---------------------------------------------------------------------------------
    def _explain_mes(self, outcome: MesOutcome, phase: str = "") -> None:
        m, money = self.matrix, self.money
        for k, rnd in enumerate(outcome.rounds):
            j = rnd.project
            supporters = rnd.supporters
            text = (
                f"funded{phase} in round {k + 1}: its {supporters:,} supporters each paid at most "
                f"{money(rnd.max_payment)} towards its cost of {money(m.costs[j])}"
            )
            if rnd.paid_everything:
                text += f" ({rnd.paid_everything:,} of them paid all they had left)"
            if rnd.tied_with:
                text += self._tie_note(
                    j, rnd.tied_with, "the price per unit of satisfaction its supporters pay"
                )
                self.ties.append(
                    {
                        "round": k + 1,
                        "between": [m.pids[t] for t in rnd.tied_with],
                        "chosen": [m.pids[j]],
                        "reason": f"equal price per unit of satisfaction; {TIE_RULE}",
                    }
                )
            self.reasons[j] = text
        for j in outcome.free:
            self.reasons[j] = "funded: it costs nothing and has supporters"
        chosen = set(outcome.selected) | set(outcome.free)
        for j in range(len(m.pids)):
            if j in chosen:
                continue
            if self.votes[j] == 0 or self.util.total(m, j) == 0:
                self.reasons[j] = "not funded: nobody voted for it"
            elif m.costs[j] == 0:
                self.reasons[j] = "not funded: it costs nothing, so it gives no cost satisfaction"
            elif m.costs[j] > self.budget:
                self.reasons[j] = (
                    f"not funded: it cost {money(m.costs[j])}, more than the whole budget"
                )
            else:
                left = outcome.left.get(j)
                self.reasons[j] = (
                    f"not funded: its supporters had {money(left or 0.0)} left between them, "
                    f"it cost {money(m.costs[j])}"
                )

    def mes(self, want_needed: bool) -> Result:
        m = self.matrix
        outcome = run_mes(m, self.util, self.budget, record=True)
        self._explain_mes(outcome)
        self.details["budget_per_voter"] = float(outcome.budget_per_voter)
        self.details["budget_per_voter_exact"] = str(outcome.budget_per_voter)
        if want_needed and m.n_voters:
            self._mes_votes_needed(outcome)
        return self._result(outcome.free + outcome.selected)

    def _mes_votes_needed(self, outcome: MesOutcome) -> None:
        """For each unfunded project, a search over added supporters, each step an MES re-run;
        spread over forked workers when there is a lot to do."""
        m = self.matrix
        weight = self._added_weight() if self.util.use_weights else 1
        chosen = set(outcome.selected) | set(outcome.free)
        todo = [
            j
            for j in range(len(m.pids))
            if j not in chosen and 0 < m.costs[j] <= self.budget and self.util.factor[j] > 0
        ]
        global _NEEDED
        _NEEDED = (MesEngine(m, self.util), self.budget, weight)
        workers = self.workers if self.workers is not None else _default_workers()
        if workers >= 2 and len(todo) > 2 and m.n_voters * len(todo) > 50_000:
            import multiprocessing

            with multiprocessing.get_context("fork").Pool(workers) as pool:
                found = pool.map(_mes_votes_needed_for, todo, chunksize=1)
        else:
            found = [_mes_votes_needed_for(j) for j in todo]
        for j, needed in zip(todo, found, strict=True):
            self.needed[j] = needed

    def mes_add1(self) -> Result:
        m = self.matrix
        outcome, steps, completion = run_mes_add1(m, self.util, self.budget, self.workers)
        self._explain_mes(outcome)
        mes_set = set(outcome.selected) | set(outcome.free)
        self.details["increments"] = steps
        self.details["budget_per_voter"] = float(outcome.budget_per_voter)
        self.details["budget_per_voter_exact"] = str(outcome.budget_per_voter)
        self.details["mes_selected"] = [m.pids[j] for j in outcome.free + outcome.selected]
        if completion.steps:
            spent_mes = sum(m.costs[j] for j in mes_set)
            count = 0
            for step in completion.steps:
                j = step.project
                if step.funded:
                    count += 1
                    self.reasons[j] = (
                        f"funded in the greedy completion ({ordinal(count)} added after equal "
                        f"shares spent {self.money(spent_mes)}); "
                        f"{self.money(step.remaining_before)} "
                        f"was left, cost {self.money(m.costs[j])}"
                    )
                elif j not in mes_set:
                    self.reasons[j] += (
                        "; the greedy completion skipped it too "
                        f"({self.money(step.remaining_before)}"
                        " was left)"
                    )
        return self._result(
            outcome.free + outcome.selected + [j for j in completion.selected if j not in mes_set]
        )

    # ---- optimal and Phragmén ------------------------------------------------------------------
    def optimal(self) -> Result:
        from .optimal import run_optimal

        m, money = self.matrix, self.money
        outcome = run_optimal(m, self.util, self.budget)
        chosen = set(outcome.selected)
        spent = sum(m.costs[j] for j in chosen)
        self.details["welfare"] = outcome.welfare
        for j in range(len(m.pids)):
            if j in chosen:
                self.reasons[j] = (
                    "funded: part of the affordable set with the most total satisfaction"
                )
            elif m.costs[j] > self.budget:
                self.reasons[j] = f"not funded: it cost {money(m.costs[j])}, more than the budget"
            elif self.util.total(m, j) == 0:
                self.reasons[j] = "not funded: nobody voted for it"
            elif m.costs[j] <= self.budget - spent:
                self.reasons[j] = "not funded: adding it would not raise total satisfaction"
            else:
                self.reasons[j] = (
                    f"not funded: {money(self.budget - spent)} was left and it cost "
                    f"{money(m.costs[j])}; swapping it in for funded projects would lower total "
                    "satisfaction"
                )
        selected = sorted(chosen, key=lambda j: self.rank[j])
        return self._result(selected)

    def phragmen(self) -> Result:
        from .phragmen import run_phragmen

        m, money = self.matrix, self.money
        outcome = run_phragmen(m, self.budget)
        for k, rnd in enumerate(outcome.rounds):
            j = rnd.project
            text = (
                f"funded in round {k + 1}: its supporters' load rose to "
                f"{money(float(rnd.load))} each"
            )
            if rnd.tied_with:
                text += self._tie_note(j, [j, *rnd.tied_with], "the resulting load")
                self.ties.append(
                    {
                        "round": k + 1,
                        "between": [m.pids[t] for t in [j, *rnd.tied_with]],
                        "chosen": [m.pids[j]],
                        "reason": f"equal resulting load; {TIE_RULE}",
                    }
                )
            self.reasons[j] = text
        chosen = set(outcome.selected)
        stop = ", ".join(m.pids[j] for j in outcome.stopped_by)
        for j in range(len(m.pids)):
            if j in chosen:
                continue
            if m.costs[j] > self.budget:
                self.reasons[j] = f"not funded: it cost {money(m.costs[j])}, more than the budget"
            elif j in outcome.stopped_by:
                self.reasons[j] = (
                    f"not funded: it was next, but cost {money(m.costs[j])} with only "
                    f"{money(self.budget - outcome.spent)} left, so the rule stopped"
                )
            else:
                self.reasons[j] = "not funded: the rule stopped before reaching it" + (
                    f" (project {stop} would have broken the budget)" if stop else ""
                )
        return self._result(outcome.selected)


def compare(
    instance: Instance, profile: Profile, *, unit: str | None = None, workers: int | None = None
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
