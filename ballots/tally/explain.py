"""Explanations: why each project was funded or not, in words a resident can check.

`Explainer` runs one rule on a compiled profile and writes every project's reason, the ties
and the rule's details into a `Result`. Money in reasons is formatted by `money.Money` from
exact values (integers or fractions), rounded only there.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from functools import partial
from typing import TYPE_CHECKING, Any

from ._matrix import ProfileMatrix
from .greedy import GreedyOutcome, density, run_greedy
from .model import Instance, Profile
from .money import Money, ordinal
from .results import TIE_RULE, ProjectResult, Result
from .satisfaction import Utilities

if TYPE_CHECKING:
    from .mes import MesOutcome

# The MES engine, mes-add1 and the votes-needed searches are imported where used: a greedy count
# (the whole process, start to JSON) does without them.

__all__ = ["Explainer", "run_mes"]

# A bound on the float engine's error, relative to the budget (see `Explainer._shown`).
FLOAT_ERROR = 1e-12


def run_mes(matrix: ProfileMatrix, util: Utilities, budget: int, record: bool) -> MesOutcome:
    from .mes import MesEngine, MesOutcome

    engine = MesEngine(matrix, util)
    n = matrix.n_voters
    if n == 0:
        return MesOutcome([], [], [], Fraction(0), {}, 0.0)
    return engine.run(Fraction(budget, n), n, record=record)


class Explainer:
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

    def _shown(self, approx: float, exact: Callable[[], Fraction]) -> str:
        """Money the float engine computed, as the exact value would be shown.

        MES budgets are floats within a few ulps of the exact ones: far less than a millionth of
        a millionth of the budget (`FLOAT_ERROR`). When every amount that close to `approx` is
        shown alike, `approx` is shown; otherwise (a half penny, or a whole unit, in reach) the
        exact Fraction is computed and rounded, half to even, by `Money`.
        """
        error = FLOAT_ERROR * max(abs(approx), self.budget)
        return self.money(approx if self.money.certain(approx, error) else exact())

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
            from .votes_needed import added_weight, greedy_votes_needed

            weight = added_weight(self.profile, m, self.util)
            self.needed.update(
                greedy_votes_needed(m, self.util, self.budget, weight, outcome, dens)
            )
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

    # ---- MES ---------------------------------------------------------------------------------
    def _explain_mes(self, outcome: MesOutcome, phase: str = "") -> None:
        m, money = self.matrix, self.money
        for k, rnd in enumerate(outcome.rounds):
            j = rnd.project
            supporters = rnd.supporters
            text = (
                f"funded{phase} in round {k + 1}: its {supporters:,} supporters each paid at most "
                f"{self._shown(rnd.max_payment, partial(outcome.exact_max_payment, k))} "
                f"towards its cost of {money(m.costs[j])}"
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
                shown = (
                    money(0) if left is None else self._shown(left, partial(outcome.exact_left, j))
                )
                self.reasons[j] = (
                    f"not funded: its supporters had {shown} left between them, "
                    f"it cost {money(m.costs[j])}"
                )

    def mes(self, want_needed: bool) -> Result:
        m = self.matrix
        outcome = run_mes(m, self.util, self.budget, record=True)
        self._explain_mes(outcome)
        self.details["budget_per_voter"] = float(outcome.budget_per_voter)
        self.details["budget_per_voter_exact"] = str(outcome.budget_per_voter)
        if want_needed and m.n_voters:
            from .votes_needed import added_weight, mes_votes_needed

            weight = added_weight(self.profile, m, self.util)
            self.needed.update(
                mes_votes_needed(m, self.util, self.budget, weight, outcome, self.workers)
            )
        return self._result(outcome.free + outcome.selected)

    def mes_add1(self) -> Result:
        m = self.matrix
        from .mes_add1 import run_mes_add1

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
            text = f"funded in round {k + 1}: its supporters' load rose to {money(rnd.load)} each"
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
