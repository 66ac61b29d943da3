"""Exact MES values on demand: one forward replay of a float run, in rational arithmetic.

The float engine (`mes._Run`) decides rounds in float64 and asks for exact values only where a
float could be wrong (a near tie, money left near a rounding boundary). This module computes
them, for any round, in one pass forward over the rounds already played:

- a voter who never paid everything they had has the exact budget
  `start - sum of rho_r × u_r over the rounds r they paid in` (one formula, nothing stored);
- a voter who did pay everything has 0 for good (`dead`, kept exactly here).

So a round's exact rho needs exact budgets only for its supporters who could be capped: those a
float puts within a relative 1e-9 of their share, or below it (few, usually). Those are grouped by
payment history and summed over a common denominator, in integers; every other supporter pays
rho × u, and only the sum of their satisfactions enters. The floats of the replay are the run's
own (the same operations in the same order), so they classify each voter as the run did.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

    from .mes import _Run

    IntArray = npt.NDArray[np.int64]


# Voters whose float budget is within this (relative to their share and the starting share) of
# what they are asked to pay are decided exactly; floats are off by far less.
NEAR = 1e-9


class ExactReplay:
    """Exact rho, largest payment and money left, round by round, for one recorded MES run."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        total = len(run.vb)
        self.start = Fraction(run.start)
        self.start_f = float(self.start)
        self.vb = np.full(total, self.start_f)
        self.dead = np.zeros(total, dtype=bool)
        self.rhos: list[Fraction] = []
        self.max_pay: list[Fraction] = []
        self.n_total = total

    # ---- the replay ---------------------------------------------------------------------------
    def upto(self, rounds: int) -> None:
        """Replay rounds until `rounds` of them are done."""
        while len(self.rhos) < rounds:
            self._round(len(self.rhos))

    def rho(self, r: int) -> Fraction:
        self.upto(r + 1)
        return self.rhos[r]

    def max_payment(self, r: int) -> Fraction:
        self.upto(r + 1)
        return self.max_pay[r]

    def _round(self, r: int) -> None:
        run = self.run
        w = run.r_project[r]
        rho_f = run.r_float[r]
        sup = run.sup[w]
        b = self.vb[sup]
        due = rho_f * run.u_float[w]
        found = self._price(w, b, due, r)
        assert found is not None, "a funded project is affordable"
        rho, capped_voters, best_low = found
        self.rhos.append(rho)
        self.dead[capped_voters] = True
        self.max_pay.append(best_low)
        # The run's own float payment, operation for operation (`mes._Run._pay`).
        pay = np.minimum(b, due)
        self.vb[sup] = b - pay

    def rho_now(self, j: int, rho_f: float | None) -> Fraction | None:
        """Exact rho of project j after every round played so far (None: unaffordable).
        `rho_f` is the float estimate, or None if its supporters can barely pay at all."""
        run = self.run
        rounds = len(run.r_project)
        self.upto(rounds)
        sup = run.sup[j]
        b = run.vb[sup]
        due = np.full(len(sup), np.inf) if rho_f is None else rho_f * np.asarray(run.u_float[j])
        found = self._price(j, b, due, rounds)
        return None if found is None else found[0]

    def _price(
        self, j: int, b: npt.NDArray[np.float64], due: npt.NDArray[np.float64], r: int
    ) -> tuple[Fraction, IntArray, Fraction] | None:
        """Exact rho of project j at round r (rounds before it replayed), the supporters who pay
        everything they have at that rho (alive before), and the largest single payment.

        Supporters a float puts clearly below their share (`short`) pay all they have: only the
        exact sum of their budgets matters. Those within a hair of it (`near`) are decided
        exactly, grouped by payment history; the rest pay rho × satisfaction."""
        run = self.run
        sup = run.sup[j]
        u = np.asarray(run.u_int[j])
        mult = run.mult_int[sup] if run.mult_int is not None else None
        alive = ~self.dead[sup]
        tol = NEAR * (due + self.start_f)
        with np.errstate(invalid="ignore"):  # rho_f None: every supporter is near (inf - inf)
            short = alive & (b < due - tol)
        near = alive & ~short & (b <= due + tol)
        pays = alive & ~short & ~near
        u_pays = _isum(u[pays], None if mult is None else mult[pays])
        top_u = int(u[pays].max()) if pays.any() else 0
        short_voters = sup[short]
        short_sum, d_short = self._sum(short_voters, None if mult is None else mult[short], r)
        voters = sup[near]
        budgets, d_near, us, counts, inverse = self._groups(
            voters, u[near], None if mult is None else mult[near], r
        )
        d = math.lcm(d_short, d_near)
        budgets = [x * (d // d_near) for x in budgets]
        cost_d = run.e.matrix.costs[j] * d
        if len(set(us)) <= 1:
            order = sorted(range(len(budgets)), key=budgets.__getitem__)
        else:
            order = sorted(range(len(budgets)), key=lambda g: Fraction(budgets[g], us[g]))
        paid = short_sum * (d // d_short)
        denom = u_pays + sum(c * x for c, x in zip(counts, us, strict=True))
        rho: Fraction | None = None
        for g in order:
            level = cost_d - paid
            if level * us[g] <= budgets[g] * denom:
                rho = Fraction(level, denom * d)
                break
            paid += counts[g] * budgets[g]
            denom -= counts[g] * us[g]
        if rho is None:
            if denom <= 0 or cost_d < paid:
                return None
            rho = Fraction(cost_d - paid, denom * d)
        # A near group pays everything when its budget is at most rho × u (exactly 0 left).
        rn, rd = rho.numerator, rho.denominator
        capped = [bg * rd <= rn * ug * d for bg, ug in zip(budgets, us, strict=True)]
        flags = np.array(capped, dtype=bool)
        capped_voters = voters[flags[inverse]] if len(voters) else voters
        if len(short_voters):
            capped_voters = np.concatenate((short_voters, capped_voters))
        top_u = max([top_u] + [ug for ug, cg in zip(us, capped, strict=True) if not cg])
        best = rho * top_u
        richest = max((bg for bg, cg in zip(budgets, capped, strict=True) if cg), default=None)
        if richest is not None:
            best = max(best, Fraction(richest, d))
        if len(short_voters) and not (top_u and run.scalar_u[j] is not None):
            # Who of those short paid most: only those a float cannot tell from the richest.
            shorts = b[short]
            top = shorts >= shorts.max() - 2 * float(tol.max())
            cand = short_voters[top]
            got, d_c, _, _, _ = self._groups(
                cand, u[short][top], None if mult is None else mult[short][top], r
            )
            best = max(best, Fraction(max(got), d_c))
        return rho, capped_voters, best

    def _sum(self, voters: IntArray, mult: IntArray | None, r: int) -> tuple[int, int]:
        """The exact sum of the budgets of `voters` (alive, ascending) before round r, as a
        numerator and a denominator."""
        rounds, totals = self._paid(voters, mult, r)
        d, start_num, scaled = self._scaled(rounds)
        heads = len(voters) if mult is None else _isum(mult, None)
        spent = sum(t * x for t, x in zip(totals, scaled, strict=True))
        return heads * start_num - spent, d

    def _paid(self, voters: IntArray, mult: IntArray | None, r: int) -> tuple[list[int], list[int]]:
        """For each round before r in which some of `voters` paid: the round, and the sum of
        their satisfactions from its winner (what they paid, over that round's rho)."""
        run = self.run
        if not len(voters):
            return [], []
        winners = run.r_project[:r]
        if mult is None and all(run.scalar_u[w] is not None for w in winners):
            # Through each voter's own ballot: work in proportion to their approvals.
            indptr, indices = run.e.matrix.voter_rows()
            starts = indptr[voters]
            lengths = indptr[voters + 1] - starts
            total = int(lengths.sum())
            shift = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
            projects = indices[shift + np.arange(total, dtype=np.int64)]
            won = self._won_at(r)[projects]
            counts = np.bincount(won[won < r], minlength=r)
            hit = np.flatnonzero(counts).tolist()
            scalar = [int(run.scalar_u[winners[k]] or 0) for k in hit]
            return hit, [int(counts[k]) * x for k, x in zip(hit, scalar, strict=True)]
        rounds, columns = self._columns(voters, r)
        return rounds, [_isum(column, mult) for column in columns]

    def _won_at(self, r: int) -> IntArray:
        """The round each project was funded in (r and above: not before round r)."""
        won = np.full(self.run.e.m, r, dtype=np.int64)
        for k, w in enumerate(self.run.r_project[:r]):
            won[w] = k
        return won

    # ---- exact budgets --------------------------------------------------------------------------
    def _columns(self, voters: IntArray, r: int) -> tuple[list[int], list[IntArray]]:
        """For each round before r in which some of `voters` (ascending) paid: the round, and
        each voter's satisfaction from its winner (0 for those who did not support it)."""
        run = self.run
        rounds: list[int] = []
        columns: list[IntArray] = []
        if not len(voters):
            return rounds, columns
        scratch: IntArray | None = None
        for k in range(r):
            w = run.r_project[k]
            sup = run.sup[w]
            if not len(sup) or sup[0] > voters[-1] or sup[-1] < voters[0]:
                continue
            u = run.u_int[w]
            if len(voters) * max(1, len(sup).bit_length()) <= 2 * len(sup):
                pos = np.searchsorted(sup, voters)
                pos[pos == len(sup)] = 0
                hit = sup[pos] == voters
                if not hit.any():
                    continue
                column = np.where(hit, np.asarray(u)[pos], 0).astype(np.int64)
            else:
                if scratch is None:
                    scratch = np.zeros(self.n_total, dtype=np.int64)
                scratch[sup] = u
                column = scratch[voters]  # fancy indexing copies
                scratch[sup] = 0
                if not column.any():
                    continue
            rounds.append(k)
            columns.append(column)
        return rounds, columns

    def _scaled(self, rounds: list[int]) -> tuple[int, int, list[int]]:
        """A common denominator of the start and these rounds' rhos, the start's numerator and
        each rho's over it."""
        rhos = [self.rhos[k] for k in rounds]
        d = math.lcm(self.start.denominator, *(x.denominator for x in rhos))
        start_num = self.start.numerator * (d // self.start.denominator)
        return d, start_num, [x.numerator * (d // x.denominator) for x in rhos]

    def _groups(
        self, voters: IntArray, us: IntArray, mult: IntArray | None, r: int
    ) -> tuple[list[int], int, list[int], list[int], IntArray]:
        """`voters` (alive, ascending) grouped by satisfaction `us` and payment history before
        round r: budgets as numerators over one denominator (returned second), satisfactions,
        head counts, and each voter's group."""
        from .mes import _unique_rows

        rounds, columns = self._columns(voters, r)
        d, start_num, scaled = self._scaled(rounds)
        run = self.run
        cols = [np.asarray(us, dtype=np.int64), *columns]
        flat = [bool((us == us[0]).all()) if len(us) else True]
        flat += [run.scalar_u[run.r_project[k]] is not None for k in rounds]
        if not len(voters):
            return [], d, [], [], np.zeros(0, dtype=np.int64)
        history, inverse = _unique_rows(cols, flat)
        if mult is None:
            counts = np.bincount(inverse, minlength=len(history))
        else:
            counts = np.bincount(inverse, weights=mult, minlength=len(history))
        count_list = [int(c) for c in counts.tolist()]
        group_us = history[:, 0].tolist()
        if rounds:
            scaled_arr = np.array(scaled, dtype=object)
            rows, cs = np.nonzero(history[:, 1:])
            terms = scaled_arr[cs] * history[rows, cs + 1]
            spent = np.zeros(len(history), dtype=object)
            np.add.at(spent, rows, terms)
            budgets = [start_num - int(x) for x in spent.tolist()]
        else:
            budgets = [start_num] * len(history)
        return budgets, d, group_us, count_list, inverse

    def left(self, j: int) -> Fraction:
        """What project j's supporters have left between them after the whole run."""
        run = self.run
        self.upto(len(run.r_project))
        sup = run.sup[j]
        voters = sup[~self.dead[sup]]
        mult = run.mult_int[voters] if run.mult_int is not None else None
        total, d = self._sum(voters, mult, len(run.r_project))
        return Fraction(total, d)


def _isum(values: IntArray, mult: IntArray | None) -> int:
    """The exact sum of `values` (times `mult`), in int64 when it cannot overflow."""
    if not len(values):
        return 0
    top = int(np.abs(values).max()) * (1 if mult is None else int(mult.max()))
    if top * len(values) < 2**62:
        return int(values.sum()) if mult is None else int((values * mult).sum())
    if mult is None:
        return sum(values.tolist())
    return sum(x * y for x, y in zip(values.tolist(), mult.tolist(), strict=True))
