"""mes-add1 without running MES at every one-unit step: exact runs that also say how far ahead
the outcome provably stays the same.

For a starting share b per voter, an MES run is a sequence of decisions: which remaining projects
their supporters can afford, which supporters of each affordable project pay everything they have
left (the "capped" ones), and which project has the smallest rho (ties by id). While those
decisions stay the same, every remaining budget, rho and payment is an affine function of b (the
capped supporters' budgets enter the rho of a project, the others pay rho × satisfaction). So one
exact run at b, carrying each quantity as (value at b, slope in b), gives for every decision the
difference of two affine functions; its sign can only change at that difference's root. Below the
nearest root ahead, `room`, every decision, and so the selected set, is the one at b. A difference
that is zero at b with a non-zero slope may flip just after b: then `room` is 0 and the caller
takes the next one-unit step. A difference that is zero with zero slope stays zero (an exact tie,
decided the same way by id all along).

Which decisions: the outcome (the ordered selection) is that of "each round, among the remaining
projects whose supporters have at least its cost left, fund the smallest (rho, id)" (pabutools
only skips projects that provably could not win, and drops unaffordable ones, which can never
become affordable again since budgets only fall). `room` is bounded by: the winner's capping of
each supporter (it fixes the affine form of rho and of the budgets after the round); for every
other project j, the first root ahead of F_j(x) = sum over its supporters of min(budget,
rho_w × satisfaction) - cost, which is concave piecewise affine in x: while F_j < 0 its
supporters cannot pay its cost at the winner's price, so j neither beats nor ties the winner
(this covers unaffordable projects too, since F_j <= money left - cost); an exact tie at b is
instead decided by the two affine rhos (and j's capping); and when no project is affordable, each
one's money left - cost. Projects none of whose supporters paid since their last evaluation keep
their rho and money left.

Voters with the same ballot have the same budget throughout, so they are one class.
"""

from __future__ import annotations

import math
from fractions import Fraction

from .mes import MesEngine

_ZERO = Fraction(0)


def sort_by_ratio(items: list[tuple[int, int, int, int]]) -> None:
    """Sort items in place by item[0] / item[1] (item[1] > 0), exactly.

    int / int is correctly rounded, so a smaller float is a smaller number: sorting by the floats
    leaves out of order only items with equal floats, which are then put in exact order (few
    comparisons of integers, as the list is nearly sorted).
    """
    try:
        items.sort(key=lambda k: k[0] / k[1])
    except OverflowError:  # beyond floats: in exact order
        items.sort(key=lambda k: Fraction(k[0], k[1]))
        return
    for i in range(1, len(items)):
        while i and items[i - 1][0] * items[i][1] > items[i][0] * items[i - 1][1]:
            items[i - 1], items[i] = items[i], items[i - 1]
            i -= 1


class ParametricMes:
    """Exact MES runs over voter classes, with the room before the outcome can change."""

    def __init__(self, engine: MesEngine) -> None:
        self.engine = engine
        matrix = engine.matrix
        self.candidates = list(engine.candidates)
        self.pids = matrix.pids
        self.costs = matrix.costs
        keys: list[list[tuple[int, int]]] = [[] for _ in range(matrix.n_voters)]
        for j in self.candidates:
            for v, u in zip(matrix.supporters[j].tolist(), engine.u_int[j].tolist(), strict=True):
                keys[v].append((j, u))
        index: dict[tuple[tuple[int, int], ...], int] = {}
        counts: list[int] = []
        for key in keys:
            k = tuple(key)
            g = index.get(k)
            if g is None:
                index[k] = len(counts)
                counts.append(1)
            else:
                counts[g] += 1
        self.n_classes = len(counts)
        # For each candidate: its supporter classes as (class, satisfaction, head count, and
        # lcm of the satisfactions / satisfaction: budget / satisfaction orders as budget × it).
        self.members: dict[int, list[tuple[int, int, int, int]]] = {j: [] for j in self.candidates}
        # For each class: the candidates it supports, with its head count.
        self.projects_of: list[list[tuple[int, int]]] = [[] for _ in counts]
        for key_t, g in index.items():
            for j, u in key_t:
                self.members[j].append((g, u, counts[g], 0))
                self.projects_of[g].append((j, counts[g]))
        for sup in self.members.values():
            lcm = math.lcm(*(u for _, u, _, _ in sup)) if sup else 1
            sup[:] = [(g, u, c, lcm // u) for g, u, c, _ in sup]
        # Sum of satisfaction × head count over each candidate's supporters.
        self.total_u = {j: sum(c * u for _, u, c, _ in self.members[j]) for j in self.candidates}
        # Number of supporters of each candidate.
        self.heads = {j: sum(c for _, _, c, _ in self.members[j]) for j in self.candidates}
        self.size = sum(len(v) for v in self.members.values())
        classes_of = {j: {g for g, _, _, _ in self.members[j]} for j in self.candidates}
        self.overlap: dict[int, list[int]] = {
            j: [k for k in self.candidates if classes_of[j] & classes_of[k]]
            for j in self.candidates
        }

    def run(self, b: Fraction) -> tuple[list[int], Fraction | None]:
        """The selected projects of MES with share b, and `room`: the outcome is the same for
        every share in [b, b + room) (None: for every share from b on).

        Exact, in integers: every class's budget is (V + S x) / D for the share b + x, over one
        denominator D common to all classes (so comparing budgets is comparing numerators); a
        project's rho is (Rn + Rs x) / Rd; each project's money left is kept up to date as
        numerators over D as its supporters pay, not summed again.
        """
        n_classes = self.n_classes
        den = b.denominator
        V = [b.numerator] * n_classes
        S = [den] * n_classes
        costs, pids, members, projects_of = self.costs, self.pids, self.members, self.projects_of
        # room as rn / rd (rd > 0), or None for no bound yet.
        rn = 0
        rd = 0
        unbounded = True

        def bound(a: int, a_s: int) -> None:
            # (a + a_s x) / E for shares b + x, E > 0: keeps its sign on [0, root).
            nonlocal rn, rd, unbounded
            if not a_s:
                return
            if not a:
                rn, rd, unbounded = 0, 1, False
            elif (a > 0) != (a_s > 0):
                xn, xd = (-a, a_s) if a_s > 0 else (a, -a_s)
                if unbounded or xn * rd < rn * xd:
                    rn, rd, unbounded = xn, xd, False

        remaining = list(self.candidates)
        # Affordable projects' rho as (Rn, Rs, Rd): (Rn + Rs x) / Rd, Rd > 0, recomputed when a
        # supporter paid; every project's money left with its supporters, numerators over den.
        rho: dict[int, tuple[int, int, int]] = {}
        left_v: dict[int, int] = {}
        left_s: dict[int, int] = {}
        for j, heads in self.heads.items():
            left_v[j] = heads * b.numerator
            left_s[j] = heads * den
        dormant: list[int] = []  # unaffordable (so until the end of this run)
        dirty = set(remaining)
        selected: list[int] = []

        def no_win(j: int, r_n: int, r_s: int, r_d: int) -> None:
            """Bound room so that j stays unable to beat a winner with rho (r_n + r_s x) / r_d."""
            nonlocal rn, rd, unbounded
            cost_d = costs[j] * den
            available = left_v[j]
            available_s = left_s[j]
            if available < cost_d and (
                available_s <= 0 if unbounded else available * rd + available_s * rn <= cost_d * rd
            ):
                return  # cannot pay for j at all while room lasts
            # j does not win while F(x) = sum of min(budget, rho_w × satisfaction) over its
            # supporters - cost < 0 (at the winner's price they cannot pay). F is concave in x.
            # Over E = den × r_d: a supporter class's budget minus the winner's price is
            # V r_d - r_n den u (+ x (S r_d - r_s den u)).
            rnd = r_n * den
            rsd = r_s * den
            capped_v = 0
            capped_s = 0
            rho_side = 0
            # Where a class switches side, at x = p / q: (p, q, and how the numerators of
            # F = (f0 + f_s x) / E change there, E = den × r_d).
            kinks: list[tuple[int, int, int, int]] = []
            for g, u, c, _ in members[j]:
                v = V[g]
                vs = S[g]
                a = v * r_d - rnd * u
                a_s = vs * r_d - rsd * u
                if a < 0 or (not a and a_s < 0):
                    capped_v += c * v
                    capped_s += c * vs
                    if a_s > 0:
                        kinks.append((-a, a_s, -c * a, -c * a_s))
                else:
                    rho_side += c * u
                    if a_s < 0:
                        kinks.append((a, -a_s, c * a, c * a_s))
            f_s = capped_s * r_d + rsd * rho_side
            if f_s <= 0:
                return  # concave and not rising: negative for good
            f0 = capped_v * r_d + rnd * rho_side - cost_d * r_d
            if not unbounded:
                if -f0 * rd >= rn * f_s:
                    return  # below its tangent at 0, which stays negative on [0, room)
                # Kinks from room on cannot bring the first root below room: leave them out.
                kinks = [k for k in kinks if k[0] * rd < rn * k[1]]
            sort_by_ratio(kinks)
            for k_n, k_d, d_f0, d_fs in kinks:
                if f0 * k_d + f_s * k_n >= 0:
                    break  # F reaches 0 before this kink
                f0 += d_f0
                f_s += d_fs
                if f_s <= 0:
                    return
            # The first root, -f0 / f_s.
            if unbounded or -f0 * rd < rn * f_s:
                rn, rd, unbounded = -f0, f_s, False

        while True:  # ends when no project left is affordable
            still: list[int] = []
            for j in remaining:
                if j not in dirty:
                    still.append(j)
                    continue
                dirty.discard(j)
                cost_d = costs[j] * den
                if left_v[j] < cost_d:
                    dormant.append(j)
                    continue
                still.append(j)
                sup = members[j]
                order = sorted(sup, key=lambda e: V[e[0]] * e[3])
                paid = 0
                paid_s = 0
                denom = self.total_u[j]
                for g, u, c, _ in order:
                    # rho = (cost - paid / den) / denom; does class g pay it in full?
                    if (cost_d - paid) * u <= V[g] * denom:
                        break
                    paid += c * V[g]
                    paid_s += c * S[g]
                    denom -= c * u
                rho[j] = (cost_d - paid, -paid_s, den * denom)
            remaining = still
            if not remaining:
                # The run ends: every project left must stay unaffordable.
                for j in dormant:
                    bound(left_v[j] - costs[j] * den, left_s[j])
                break
            winner = remaining[0]
            w_n, w_s, w_d = rho[winner]
            for j in remaining[1:]:
                o_n, _, o_d = rho[j]
                diff = o_n * w_d - w_n * o_d
                if diff < 0 or (not diff and pids[j] < pids[winner]):
                    winner, w_n, w_s, w_d = j, o_n, rho[j][1], o_d
            # The winner's rho is affine while the same supporters pay everything.
            wnd = w_n * den
            wsd = w_s * den
            for g, u, _, _ in members[winner]:
                bound(V[g] * w_d - wnd * u, S[g] * w_d - wsd * u)
            for j in remaining:
                if j == winner:
                    continue
                o_n, o_s, o_d = rho[j]
                if o_n * w_d == w_n * o_d:
                    # An exact tie at b: compare the two affine rhos (j's too must stay affine).
                    bound(0, o_s * w_d - w_s * o_d)
                    ond = o_n * den
                    osd = o_s * den
                    for g, u, _, _ in members[j]:
                        bound(V[g] * o_d - ond * u, S[g] * o_d - osd * u)
                else:
                    no_win(j, w_n, w_s, w_d)
            for j in dormant:
                no_win(j, w_n, w_s, w_d)
            # Pay: budgets become (V w_d - w_n den u) / (den w_d), reduced to a common
            # denominator den × k with k = w_d / gcd(den, w_d).
            common = math.gcd(den, w_d)
            k = w_d // common
            scale = den // common
            if k != 1:
                V = [v * k for v in V]
                S = [v * k for v in S]
                for j in left_v:
                    left_v[j] *= k
                    left_s[j] *= k
                den *= k
            pay_n = w_n * scale
            pay_s = w_s * scale
            for g, u, _, _ in members[winner]:
                v = V[g]
                due = pay_n * u
                if v < due:
                    new_v = 0
                    new_s = 0
                else:
                    new_v = v - due
                    new_s = S[g] - pay_s * u
                dv = new_v - v
                ds = new_s - S[g]
                V[g] = new_v
                S[g] = new_s
                for j, c in projects_of[g]:
                    left_v[j] += c * dv
                    left_s[j] += c * ds
            selected.append(winner)
            remaining.remove(winner)
            del rho[winner]
            dirty.update(self.overlap[winner])
        return selected, (None if unbounded else Fraction(rn, rd))
