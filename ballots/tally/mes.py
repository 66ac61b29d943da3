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
  arithmetic, by one forward replay of the rounds played (`_exact.ExactReplay`), only when a
  decision or an explanation needs it (`MesOutcome.exact_max_payment` / `exact_left` when a float
  would round the other way).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from ._exact import ExactReplay
from ._matrix import ProfileMatrix
from .satisfaction import Utilities

if TYPE_CHECKING:
    import numpy.typing as npt

    FloatArray = npt.NDArray[np.float64]
    IntArray = npt.NDArray[np.int64]

TOL = 1e-9

try:  # numpy's own, without the wrapper's keyword handling (a third of a microsecond a call)
    from numpy._core.multiarray import count_nonzero as _count_nonzero
except ImportError:  # pragma: no cover - another numpy layout
    _count_nonzero = np.count_nonzero


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


def water_fill(b: FloatArray, cost: float, share: float, su: float, hint: float) -> float:
    """rho of a project whose `len(b)` supporters, with budgets `b`, all get satisfaction `su`
    from it and can pay `cost` between them, but not all an equal `share` of it.

    Water-filling from below: the poor pay all they have, the rest `level`. Starting at the last
    round's level (`hint` x `su`, still below) saves most of the iterations. One function for
    plain runs and chained ones (`_chain.py`), which rely on computing the same floats.
    """
    count = len(b)
    level = max(share, hint * su)
    poor_count = -1
    for _ in range(6):
        poor = b < level
        count_poor = int(_count_nonzero(poor))
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
        for j in range(m):
            size = len(matrix.supporters[j])
            if util.use_weights and not matrix.unit_weights:
                u = matrix.weights[j] * util.factor[j]
                same = size == 0 or bool((u == u[0]).all())
            else:
                u, same = np.broadcast_to(np.int64(util.factor[j]), (size,)), True
            if same and size:
                # One value: read-only views, no memory per supporter.
                value = int(u[0])
                self.u_int.append(np.broadcast_to(np.int64(value), (size,)))
                self.u_float.append(np.broadcast_to(np.float64(value), (size,)))
                self.scalar_u.append(float(value))
                self.total_u.append(value * size)
            else:
                self.u_int.append(u)
                self.u_float.append(u.astype(np.float64))
                self.scalar_u.append(None)
                self.total_u.append(int(u.sum()))
        # Projects MES considers: positive satisfaction and positive cost. Supported free projects
        # are funded at once (as pabutools does); unsupported ones never.
        self.candidates = [j for j in range(m) if self.total_u[j] > 0 and matrix.costs[j] > 0]
        # Which projects share a supporter (for repeated runs, as in mes-add1): a winner's payments
        # can only change the price of these.
        self.overlap: list[set[int]] | None = None
        self.free = [j for j in range(m) if self.total_u[j] > 0 and matrix.costs[j] == 0]

    def track_overlap(self) -> None:
        """Precompute which projects share supporters (worth it when MES is run many times).

        Each voter's projects as a bit mask (64 projects a word); a project's overlap is the OR
        of its supporters' masks. (No matrix product: a BLAS call spins threads on a busy box.)"""
        m, n = self.m, self.matrix.n_voters
        words = (m + 63) // 64
        masks = np.zeros((n, words), dtype=np.uint64)
        for j, sup in enumerate(self.matrix.supporters):
            masks[sup, j // 64] |= np.uint64(1 << (j % 64))
        overlap: list[set[int]] = []
        for sup in self.matrix.supporters:
            union = np.bitwise_or.reduce(masks[sup], axis=0) if len(sup) else masks[:0].sum(0)
            bits = [(int(word) >> b) & 1 for word in union.tolist() for b in range(64)]
            overlap.append({k for k in range(m) if bits[k]})
        self.overlap = overlap

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
        if extra is not None:
            self.sup = list(self.sup)
            self.u_int, self.u_float = list(self.u_int), list(self.u_float)
            self.scalar_u = list(self.scalar_u)
            mult = np.ones(total_voters, dtype=np.int64)
            mult[n] = extra.count
            self.mult_int = mult
            self.mult = mult.astype(np.float64)
            j = extra.project
            u_new = extra.weight * engine.util.factor[j]
            self.sup[j] = np.append(self.sup[j], n)
            self.u_int[j] = np.append(self.u_int[j], u_new)
            self.u_float[j] = self.u_int[j].astype(np.float64)
            values = np.unique(self.u_int[j])
            self.scalar_u[j] = float(u_new) if len(values) == 1 else None
        self.start = budget_per_voter
        self.vb: FloatArray = np.full(total_voters, float(budget_per_voter))
        self.last_touch: IntArray = np.full(total_voters, -1, dtype=np.int64)
        # Exact arithmetic is lazy: a replay of the rounds played (`r_project` won at float rho
        # `r_float`) computes exact values when a decision or an explanation needs them.
        self.r_project: list[int] = []
        self.r_float: list[float] = []
        self.exact: ExactReplay | None = None

    # ---- exact arithmetic, on demand (`_exact.ExactReplay`) -----------------------------------
    def _replay(self) -> ExactReplay:
        if self.exact is None:
            self.exact = ExactReplay(self)
        return self.exact

    def exact_rho(self, j: int, rho_f: float | None = None) -> Fraction | None:
        """Exact rho of j now (None if its supporters cannot pay for it); `rho_f`: the float
        estimate, None when affordability itself is in doubt."""
        return self._replay().rho_now(j, rho_f)

    def exact_max_payment(self, r: int) -> Fraction:
        return self._replay().max_payment(r)

    def exact_left(self, j: int) -> Fraction:
        return self._replay().left(j)

    # ---- float fast path -------------------------------------------------------------------
    def float_rho(self, j: int, hint: float = 0.0) -> float | None:
        """rho of project j in floats; None if its supporters cannot afford it (decided exactly
        near the edge). `hint`: a lower bound (its rho in an earlier round: budgets only fall)."""
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
            if hint * su <= share and np.minimum.reduce(b) >= share:
                return share / su  # everyone can pay an equal share
        available = float(np.add.reduce(b)) if mult is None else float(np.dot(b, mult))
        if available < cost * (1 - TOL):
            return None
        if available < cost * (1 + TOL) and self.exact_rho(j) is None:
            return None
        if su is not None and mult is None:
            return water_fill(b, cost, share, su, hint)
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
        # Kept in order of `lower` (re-sorted each round: nearly sorted, so cheap).
        order = sorted(remaining, key=lower.__getitem__)
        while remaining:
            if len(order) != len(remaining):
                order = [j for j in order if j in remaining]
            order.sort(key=lower.__getitem__)
            best = float("inf")
            near: list[tuple[float, int]] = []
            for j in order:
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
                    rho = self.float_rho(j, lower[j])
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
                exact = {j: self.exact_rho(j, lower[j]) for j in tied}
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
        su = self.scalar_u[j]
        if su is not None and not self.record and self.mult is None:
            # The same floats in fewer passes: b - min(b, due) is b - due, or 0 where b < due.
            left = b - rho * su
            np.maximum(left, 0.0, out=left)
            self.vb[sup] = left
        else:
            due = rho * self.u_float[j]
            pay = np.minimum(b, due)
            self.vb[sup] = b - pay
        if self.e.overlap is None or self.extra is not None:
            self.last_touch[sup] = r  # which projects to re-price (without `overlap`)
        self.r_project.append(j)
        self.r_float.append(rho)
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
