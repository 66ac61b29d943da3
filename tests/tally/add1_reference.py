"""The Fraction version of `ballots.tally._add1.ParametricMes` (as first written), kept as the
reference the integer version must agree with exactly: same selection, same room."""

from __future__ import annotations

from fractions import Fraction

from ballots.tally.mes import MesEngine

_ZERO = Fraction(0)
_ONE = Fraction(1)


class FractionParametricMes:
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
        # For each candidate: its supporter classes as (class, satisfaction, head count).
        self.members: dict[int, list[tuple[int, int, int]]] = {j: [] for j in self.candidates}
        for key_t, g in index.items():
            for j, u in key_t:
                self.members[j].append((g, u, counts[g]))
        self.size = sum(len(v) for v in self.members.values())
        classes_of = {j: {g for g, _, _ in self.members[j]} for j in self.candidates}
        self.overlap: dict[int, list[int]] = {
            j: [k for k in self.candidates if classes_of[j] & classes_of[k]]
            for j in self.candidates
        }

    def run(self, b: Fraction) -> tuple[list[int], Fraction | None]:
        """The selected projects of MES with share b, and `room`: the outcome is the same for
        every share in [b, b + room) (None: for every share from b on)."""
        n_classes = self.n_classes
        val = [b] * n_classes
        slope = [_ONE] * n_classes
        costs, pids, members = self.costs, self.pids, self.members
        room: Fraction | None = None

        def bound(dv: Fraction, ds: Fraction) -> None:
            # dv + ds * x, for shares b + x: keeps its sign on [0, root).
            nonlocal room
            if not ds:
                return
            if not dv:
                room = _ZERO
            elif (dv > 0) != (ds > 0):
                x = -dv / ds
                if room is None or x < room:
                    room = x

        remaining = list(self.candidates)
        # Affordable projects' rho as (value, slope, satisfaction of those not paying all), and
        # every project's money left with its supporters (value, slope); recomputed when a
        # supporter paid.
        rho: dict[int, tuple[Fraction, Fraction, int]] = {}
        left: dict[int, tuple[Fraction, Fraction]] = {}
        dormant: list[int] = []  # unaffordable (so until the end of this run)
        dirty = set(remaining)
        selected: list[int] = []

        def no_win(j: int, r: Fraction, r_s: Fraction) -> None:
            """Bound room so that j stays unable to beat a winner with rho r + r_s x."""
            nonlocal room
            cost = costs[j]
            if j in dirty:
                left[j] = _left(j)
                dirty.discard(j)
            available, available_s = left[j]
            if available < cost and (
                available_s <= 0 if room is None else available + available_s * room <= cost
            ):
                return  # cannot pay for j at all while room lasts
            # j does not win while F(x) = sum of min(budget, rho_w × satisfaction) over its
            # supporters - cost < 0 (at the winner's price they cannot pay). F is concave in x.
            f0 = -Fraction(cost)
            f_s = _ZERO
            rho_side = 0
            kinks: list[tuple[Fraction, Fraction]] = []
            for g, u, c in members[j]:
                v = val[g]
                vs = slope[g]
                a = v - r * u
                a_s = vs - r_s * u
                if a < 0 or (not a and a_s < 0):
                    f0 += c * v
                    f_s += c * vs
                    if a_s > 0:
                        kinks.append((-a / a_s, c * a_s))
                else:
                    rho_side += c * u
                    if a_s < 0:
                        kinks.append((-a / a_s, -c * a_s))
            f0 += r * rho_side
            f_s += r_s * rho_side
            if f_s <= 0:
                return  # concave and not rising: negative for good
            if room is not None and -f0 >= room * f_s:
                return  # below its tangent at 0, which stays negative on [0, room)
            x = _ZERO
            for k_x, drop in sorted(kinks):
                at = f0 + f_s * (k_x - x)
                if at >= 0:
                    break
                x, f0, f_s = k_x, at, f_s - drop
                if f_s <= 0:
                    return
            root = x - f0 / f_s
            if room is None or root < room:
                room = root

        def _left(j: int) -> tuple[Fraction, Fraction]:
            available = _ZERO
            available_s = _ZERO
            for g, _, c in members[j]:
                available += c * val[g]
                available_s += c * slope[g]
            return available, available_s

        while True:  # ends when no project left is affordable
            still: list[int] = []
            for j in remaining:
                if j not in dirty:
                    still.append(j)
                    continue
                dirty.discard(j)
                cost = costs[j]
                sup = members[j]
                left[j] = _left(j)
                if left[j][0] < cost:
                    dormant.append(j)
                    continue
                still.append(j)
                order = sorted(sup, key=lambda e: val[e[0]] / e[1])
                paid = _ZERO
                paid_s = _ZERO
                denom = sum(c * u for _, u, c in sup)
                r = _ZERO
                for g, u, c in order:
                    r = (cost - paid) / denom
                    if r * u <= val[g]:
                        break
                    paid += c * val[g]
                    paid_s += c * slope[g]
                    denom -= c * u
                rho[j] = (r, -paid_s / denom, denom)
            remaining = still
            if not remaining:
                # The run ends: every project left must stay unaffordable.
                for j in dormant:
                    if j in dirty:
                        left[j] = _left(j)
                    available, available_s = left[j]
                    bound(available - costs[j], available_s)
                break
            winner = min(remaining, key=lambda j: (rho[j][0], pids[j]))
            r, r_s, _ = rho[winner]
            # The winner's rho is affine while the same supporters pay everything.
            for g, u, _ in members[winner]:
                bound(val[g] - r * u, slope[g] - r_s * u)
            for j in remaining:
                if j == winner:
                    continue
                o, o_s, _ = rho[j]
                if o == r:
                    # An exact tie at b: compare the two affine rhos (j's too must stay affine).
                    bound(o - r, o_s - r_s)
                    for g, u, _ in members[j]:
                        bound(val[g] - o * u, slope[g] - o_s * u)
                else:
                    no_win(j, r, r_s)
            for j in dormant:
                no_win(j, r, r_s)
            for g, u, _ in members[winner]:
                due = r * u
                if val[g] < due:
                    val[g] = _ZERO
                    slope[g] = _ZERO
                else:
                    val[g] -= due
                    slope[g] -= r_s * u
            selected.append(winner)
            remaining.remove(winner)
            del rho[winner]
            dirty.update(self.overlap[winner])
        return selected, room
