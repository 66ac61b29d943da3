"""The Method of Equal Shares (MES), exact like pabutools, fast like numpy.

Every voter starts with an equal share of the budget. In each round, for every project, we find the
smallest "price per unit of satisfaction" rho at which its supporters can pay for it (each pays
rho × their satisfaction, or everything they have left if that is less); the project with the
smallest rho is funded and its supporters pay. The rule stops when no project can be paid for.

Speed and exactness:
- budgets are a float64 numpy array, and a project's rho is computed vectorised;
- a project's last rho is a lower bound on its next one (budgets only fall), so each round only
  re-examines projects that could still win it, and only recomputes those with a supporter whose
  budget changed;
- every decision near a tie or a threshold (within a relative 1e-9) is re-decided in exact rational
  arithmetic. For that, voters are grouped into classes with identical exact budgets (same
  starting share, same payment history); a class's exact budget is computed only when a decision
  needs it, so exact work is done only where floats could be wrong (explanations included:
  `MesOutcome.exact_max_payment` / `exact_left` when a float would round the other way).

Over 400 lines on purpose: the float fast path and the exact arithmetic that re-decides it
belong in one place.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from ._matrix import ProfileMatrix
from .satisfaction import Utilities

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

TOL = 1e-9


@dataclass
class MesRound:
    project: int
    rho: float
    supporters: int
    max_payment: float
    paid_everything: int
    tied_with: list[int] = field(default_factory=list)


@dataclass
class MesOutcome:
    selected: list[int]
    free: list[int]
    rounds: list[MesRound]
    budget_per_voter: Fraction
    left: dict[int, float]
    total_paid: float
    run: _Run | None = None  # recorded runs: exact arithmetic on demand, for explanations

    def cost(self, matrix: ProfileMatrix) -> int:
        return sum(matrix.costs[j] for j in self.selected) + sum(matrix.costs[j] for j in self.free)

    # The floats above (`max_payment`, `left`) are within a few ulps of the exact values; an
    # explanation that would round them differently asks for the exact Fraction instead.
    def exact_max_payment(self, k: int) -> Fraction:
        """The largest payment in round k (0-based), exactly."""
        assert self.run is not None
        return self.run.exact_max_payment(k)

    def exact_left(self, j: int) -> Fraction:
        """What project j's supporters had left between them at the end, exactly."""
        assert self.run is not None
        return self.run.exact_left(j)


@dataclass
class _Extra:
    """`count` added voters who support only `project`, with weight `weight` (for votes_needed)."""

    project: int
    count: int
    weight: int


class MesEngine:
    """Precomputed per-project arrays for repeated MES runs on one profile."""

    def __init__(self, matrix: ProfileMatrix, util: Utilities) -> None:
        self.matrix = matrix
        self.util = util
        m = len(matrix.pids)
        self.m = m
        self.u_int: list[IntArray] = []
        self.u_float: list[FloatArray] = []
        self.scalar_u: list[float | None] = []
        self.total_u: list[int] = []
        self.u_index: list[IntArray] = []
        self.u_values: list[IntArray] = []
        for j in range(m):
            w = matrix.weights[j] if util.use_weights else np.ones_like(matrix.weights[j])
            u = w * util.factor[j]
            self.u_int.append(u)
            self.u_float.append(u.astype(np.float64))
            same = len(u) == 0 or bool((u == u[0]).all())
            self.scalar_u.append(float(u[0]) if same and len(u) else None)
            self.total_u.append(int(u.sum()))
            if same:  # one value: a read-only view of zeros, no allocation
                values, index = u[:1], np.broadcast_to(np.int64(0), (len(u),))
            else:
                values, index = np.unique(u, return_inverse=True)
            self.u_values.append(values)
            self.u_index.append(index if same else index.astype(np.int64))
        # Projects MES considers: positive satisfaction and positive cost. Supported free projects
        # are funded at once (as pabutools does); unsupported ones never.
        self.candidates = [j for j in range(m) if self.total_u[j] > 0 and matrix.costs[j] > 0]
        # Which projects share a supporter (for repeated runs, as in mes-add1): a winner's payments
        # can only change the price of these.
        self.overlap: list[set[int]] | None = None
        self.free = [j for j in range(m) if self.total_u[j] > 0 and matrix.costs[j] == 0]

    def track_overlap(self) -> None:
        """Precompute which projects share supporters (worth it when MES is run many times)."""
        m, n = self.m, self.matrix.n_voters
        incidence = np.zeros((n, m), dtype=np.float32)
        for j, sup in enumerate(self.matrix.supporters):
            incidence[sup, j] = 1.0
        shared = (incidence.T @ incidence) > 0
        self.overlap = [set(np.flatnonzero(shared[j]).tolist()) for j in range(m)]

    def run(
        self,
        budget_per_voter: Fraction,
        n_ballots: int,
        extra: _Extra | None = None,
        record: bool = False,
        watch: int | None = None,
    ) -> MesOutcome:
        return _Run(self, budget_per_voter, n_ballots, extra, record, watch).run()


class _Run:
    def __init__(
        self,
        engine: MesEngine,
        budget_per_voter: Fraction,
        n_ballots: int,
        extra: _Extra | None,
        record: bool,
        watch: int | None,
    ) -> None:
        self.e = engine
        self.record = record
        self.watch = watch
        n = engine.matrix.n_voters
        self.extra = extra
        total_voters = n + (1 if extra is not None else 0)
        self.mult: FloatArray | None = None
        self.mult_int: IntArray | None = None
        self.sup = engine.matrix.supporters
        self.u_int = engine.u_int
        self.u_float = engine.u_float
        self.scalar_u = engine.scalar_u
        self.u_index = engine.u_index
        self.u_values = engine.u_values
        if extra is not None:
            self.sup = list(self.sup)
            self.u_int, self.u_float = list(self.u_int), list(self.u_float)
            self.scalar_u = list(self.scalar_u)
            self.u_index, self.u_values = list(self.u_index), list(self.u_values)
            mult = np.ones(total_voters, dtype=np.int64)
            mult[n] = extra.count
            self.mult_int = mult
            self.mult = mult.astype(np.float64)
            j = extra.project
            u_new = extra.weight * engine.util.factor[j]
            self.sup[j] = np.append(self.sup[j], n)
            self.u_int[j] = np.append(self.u_int[j], u_new)
            self.u_float[j] = self.u_int[j].astype(np.float64)
            values, index = np.unique(self.u_int[j], return_inverse=True)
            self.u_values[j], self.u_index[j] = values, index.astype(np.int64)
            self.scalar_u[j] = float(u_new) if len(values) == 1 else None
        self.start = budget_per_voter
        self.vb: FloatArray = np.full(total_voters, float(budget_per_voter))
        self.last_touch: IntArray = np.full(total_voters, -1, dtype=np.int64)
        # Exact arithmetic is lazy: a voter's exact budget follows from the rounds in which they
        # paid (the winners they supported) and each round's exact rho, computed when needed.
        self.scratch: IntArray = np.zeros(total_voters, dtype=np.int64)
        self.r_project: list[int] = []
        self.r_exact: list[Fraction | None] = []

    # ---- exact arithmetic, on demand -------------------------------------------------------
    def exact_round_rho(self, r: int) -> Fraction:
        value = self.r_exact[r]
        if value is None:
            value = self._exact_rho(self.r_project[r], r)
            assert value is not None
            self.r_exact[r] = value
        return value

    def _groups(self, j: int, rounds: int) -> tuple[list[int], int, list[int], list[int]]:
        """Supporters of j, as of the start of round `rounds`, grouped by payment history:
        exact budgets as numerators over one common denominator (returned second),
        satisfactions from j, head counts.

        A voter's budget after any rounds is max(0, start - sum of rho_r * u_r over the rounds
        they paid in): payments never go negative, so once a budget reaches 0 it stays there.
        With every round's exact rho over one common denominator that is integer arithmetic,
        one dot product per group, instead of a Fraction operation per group and round."""
        sup = self.sup[j]
        columns = [self.u_int[j]]
        scratch = self.scratch
        for r in range(rounds):
            w = self.r_project[r]
            scratch[self.sup[w]] = self.u_int[w]
            columns.append(scratch[sup])  # fancy indexing copies
            scratch[self.sup[w]] = 0
        extra = self.extra is not None and self.extra.project == j
        weights = self.mult_int[sup].tolist() if extra and self.mult_int is not None else None
        if len(sup) * len(columns) <= 4096:
            # Small: counting tuples in Python beats numpy's per-call overhead.
            tally: dict[tuple[int, ...], int] = {}
            keys = zip(*(c.tolist() for c in columns), strict=True)
            for k, key in enumerate(keys):
                tally[key] = tally.get(key, 0) + (1 if weights is None else weights[k])
            history = np.array(list(tally), dtype=np.int64).reshape(len(tally), len(columns))
            count_list = list(tally.values())
        else:
            history, inverse = _unique_rows(
                columns, [self.scalar_u[j] is not None] + [self._flat(r) for r in range(rounds)]
            )
            if weights is None or self.mult_int is None:
                counts = np.bincount(inverse, minlength=len(history))
            else:
                counts = np.bincount(inverse, weights=self.mult_int[sup], minlength=len(history))
            count_list = counts.astype(np.int64).tolist()
        us = history[:, 0].tolist()
        paid_in = [r for r in range(rounds) if history[:, r + 1].any()]
        rhos = [self.exact_round_rho(r) for r in paid_in]
        start = Fraction(self.start)
        denominator = math.lcm(start.denominator, *(rho.denominator for rho in rhos))
        start_num = start.numerator * (denominator // start.denominator)
        if rhos:
            scaled = np.array(
                [rho.numerator * (denominator // rho.denominator) for rho in rhos], dtype=object
            )
            # A voter pays in a few rounds only: sum the nonzero terms, not a dense dot product.
            rows, cols = np.nonzero(history[:, [r + 1 for r in paid_in]])
            terms = scaled[cols] * history[rows, np.asarray(paid_in, dtype=np.int64)[cols] + 1]
            spent = np.zeros(len(us), dtype=object)
            np.add.at(spent, rows, terms)
            budgets = [max(0, start_num - int(x)) for x in spent.tolist()]
        else:
            budgets = [start_num] * len(us)
        return budgets, denominator, us, [int(c) for c in count_list]

    def _flat(self, r: int) -> bool:
        """Whether every supporter of round r's winner has the same satisfaction from it."""
        return self.scalar_u[self.r_project[r]] is not None

    def _exact_rho(self, j: int, rounds: int) -> Fraction | None:
        """Exact rho at which j's supporters pay its cost at round `rounds`, or None if they
        cannot. (Budgets are numerators over `d`; rho is `level / (denom * d)`.)"""
        budgets, d, us, counts = self._groups(j, rounds)
        cost = self.e.matrix.costs[j] * d
        if sum(n * b for n, b in zip(counts, budgets, strict=True)) < cost:
            return None
        if len(set(us)) <= 1:
            order = sorted(range(len(budgets)), key=budgets.__getitem__)
        else:
            order = sorted(range(len(budgets)), key=lambda g: Fraction(budgets[g], us[g]))
        paid = 0
        denom = sum(n * u for n, u in zip(counts, us, strict=True))
        for g in order:
            level = cost - paid
            if level * us[g] <= budgets[g] * denom:
                return Fraction(level, denom * d)
            paid += counts[g] * budgets[g]
            denom -= counts[g] * us[g]
        raise AssertionError("unreachable: available >= cost")

    def exact_rho(self, j: int) -> Fraction | None:
        return self._exact_rho(j, len(self.r_project))

    def exact_max_payment(self, r: int) -> Fraction:
        budgets, d, us, _ = self._groups(self.r_project[r], r)
        rho = self.exact_round_rho(r)
        best = max(
            (min(rho * u, Fraction(b, d)) for b, u in zip(budgets, us, strict=True)),
            default=Fraction(0),
        )
        return best

    def exact_left(self, j: int) -> Fraction:
        budgets, d, _, counts = self._groups(j, len(self.r_project))
        return Fraction(sum(c * b for b, c in zip(budgets, counts, strict=True)), d)

    # ---- float fast path -------------------------------------------------------------------
    def float_rho(self, j: int) -> float | None:
        """rho of project j in floats; None if its supporters cannot afford it (decided exactly
        near the edge)."""
        cost = float(self.e.matrix.costs[j])
        sup = self.sup[j]
        b = self.vb[sup]
        # Only the watched project has the added voters (one entry with a multiplicity).
        extra = self.extra is not None and self.extra.project == j
        mult = self.mult[sup] if extra and self.mult is not None else None
        su = self.scalar_u[j]
        if su is not None and mult is None:
            count = len(b)
            share = cost / count
            if float(b.min()) >= share:
                return share / su  # everyone can pay an equal share
        available = float(np.add.reduce(b)) if mult is None else float(np.dot(b, mult))
        if available < cost * (1 - TOL):
            return None
        if available < cost * (1 + TOL) and self.exact_rho(j) is None:
            return None
        if su is not None and mult is None:
            level = share
            poor_count = -1
            for _ in range(6):
                poor = b < level
                count_poor = int(np.count_nonzero(poor))
                if count_poor == poor_count:
                    return level / su
                poor_count = count_poor
                if count_poor == count:
                    break
                level = (cost - float(np.dot(b, poor))) / (count - count_poor)
            bs = np.sort(b)
            prefix = np.concatenate(([0.0], np.cumsum(bs)[:-1]))
            levels = (cost - prefix) / (count - np.arange(count))
            ok = levels <= bs * (1 + 1e-12)
            k = int(np.argmax(ok)) if ok.any() else count - 1
            return float(levels[k]) / su
        u = self.u_float[j]
        ratio = b / u
        order = np.argsort(ratio, kind="stable")
        mb = b[order] if mult is None else (b * mult)[order]
        mu = u[order] if mult is None else (u * mult)[order]
        prefix = np.concatenate(([0.0], np.cumsum(mb)[:-1]))
        suffix = np.cumsum(mu[::-1])[::-1]
        rhos = (cost - prefix) / suffix
        ok = rhos <= ratio[order] * (1 + 1e-12)
        k = int(np.argmax(ok)) if ok.any() else len(rhos) - 1
        return float(rhos[k])

    def run(self) -> MesOutcome:
        e = self.e
        pids = e.matrix.pids
        remaining = set(e.candidates)
        lower: dict[int, float] = {j: e.matrix.costs[j] / self._total_u(j) for j in remaining}
        computed_at: dict[int, int] = dict.fromkeys(remaining, -2)
        selected: list[int] = []
        rounds: list[MesRound] = []
        watch = self.watch
        overlap = None if self.extra is not None else e.overlap
        dirty: set[int] | None = set(remaining) if overlap is not None else None
        r = 0
        while remaining:
            best = float("inf")
            near: list[tuple[float, int]] = []
            for j in sorted(remaining, key=lower.__getitem__):
                if lower[j] > best * (1 + TOL):
                    break
                if dirty is not None:
                    stale = j in dirty
                else:
                    stale = computed_at[j] < 0 or (
                        int(self.last_touch[self.sup[j]].max()) >= computed_at[j]
                    )
                if stale:
                    if dirty is not None:
                        dirty.discard(j)
                    rho = self.float_rho(j)
                    computed_at[j] = r
                    if rho is None:
                        remaining.discard(j)
                        if watch == j:
                            return self._outcome(selected, rounds)
                        continue
                    lower[j] = rho
                rho = lower[j]
                if rho < best:
                    best = rho
                near.append((rho, j))
            if not near:
                break
            tied = [j for rho, j in near if rho <= best * (1 + TOL)]
            tie_group: list[int] = []
            if len(tied) > 1:
                exact = {j: self.exact_rho(j) for j in tied}
                finite = {j: v for j, v in exact.items() if v is not None}
                for j in tied:
                    if exact[j] is None:
                        remaining.discard(j)
                if watch is not None and watch not in remaining:
                    return self._outcome(selected, rounds)
                if not finite:
                    continue
                lowest = min(finite.values())
                tie_group = sorted(
                    (j for j, v in finite.items() if v == lowest), key=pids.__getitem__
                )
                winner = tie_group[0]
            else:
                winner = tied[0]
            rho_f = lower[winner]
            self._pay(winner, rho_f, r, rounds, tie_group if len(tie_group) > 1 else [])
            selected.append(winner)
            remaining.discard(winner)
            if dirty is not None and overlap is not None:
                dirty |= overlap[winner]
            if watch == winner:
                break
            r += 1
        return self._outcome(selected, rounds)

    def _total_u(self, j: int) -> int:
        if self.extra is not None and self.extra.project == j:
            return self.e.total_u[j] + self.extra.count * int(self.u_int[j][-1])
        return self.e.total_u[j]

    def _pay(self, j: int, rho: float, r: int, rounds: list[MesRound], tied: list[int]) -> None:
        sup = self.sup[j]
        b = self.vb[sup]
        due = rho * self.u_float[j]
        pay = np.minimum(b, due)
        self.vb[sup] = b - pay
        self.last_touch[sup] = r
        self.r_project.append(j)
        self.r_exact.append(None)
        if self.record:
            capped = int(np.count_nonzero(b < due * (1 - TOL)))
            rounds.append(
                MesRound(
                    project=j,
                    rho=rho,
                    supporters=len(sup) if self.mult is None else int(self.mult[sup].sum()),
                    max_payment=float(pay.max()) if len(pay) else 0.0,
                    paid_everything=capped,
                    tied_with=tied,
                )
            )

    def _outcome(self, selected: list[int], rounds: list[MesRound]) -> MesOutcome:
        left: dict[int, float] = {}
        if self.record:
            for j in range(self.e.m):
                left[j] = float(self.vb[self.sup[j]].sum())
        start = float(self.start)
        total_paid = start * len(self.vb) - float(self.vb.sum())
        return MesOutcome(
            selected=selected,
            free=list(self.e.free),
            rounds=rounds,
            budget_per_voter=self.start,
            left=left,
            total_paid=total_paid,
            run=self if self.record else None,
        )


def _unique_rows(columns: list[IntArray], flat: list[bool]) -> tuple[IntArray, IntArray]:
    """`np.unique(np.stack(columns, axis=1), axis=0, return_inverse=True)`, fast: each row is
    coded as one exact int64 (mixed radix over the columns' distinct values, re-numbered before
    it could overflow) and those are made unique. `flat[c]`: column c holds only 0 and one
    other value. Rows come out in the same order as `np.unique`'s (lexicographic)."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    bound = 1
    for column, is_flat in zip(columns, flat, strict=True):
        if is_flat:
            code, radix = (column != 0).astype(np.int64), 2
            if column.any() and column[column != 0][0] < 0:
                code = 1 - code  # a negative value sorts before 0
        else:
            values, code = np.unique(column, return_inverse=True)
            code, radix = code.reshape(-1).astype(np.int64), max(len(values), 1)
        if bound * radix >= 2**62:
            kept, key = np.unique(key, return_inverse=True)
            key, bound = key.reshape(-1).astype(np.int64), max(len(kept), 1)
        key = key * radix + code
        bound *= radix
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    history = np.stack([column[first] for column in columns], axis=1)
    return history, inverse.reshape(-1)
