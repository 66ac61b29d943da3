"""A profile compiled to numpy arrays, project by project, for the fast rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

    from .model import Instance, Profile

    IntArray = npt.NDArray[np.int64]


@dataclass
class ProfileMatrix:
    """Supporters of each project (voter indices, ascending) and the weight each gave it.

    The weight is 1 for approval ballots, the points for cumulative and scoring ballots, and the
    Borda score for ordinal ballots (`L - position`, with `L` the longest allowed ranking).
    """

    instance: Instance
    pids: list[str]
    costs: list[int]
    n_voters: int
    supporters: list[IntArray]
    weights: list[IntArray]
    total_weight: list[int]
    unit_weights: bool
    # Each voter's projects (CSR: `indices[indptr[i]:indptr[i + 1]]`), when a reader has them.
    rows: tuple[IntArray, npt.NDArray[np.int32]] | None = None

    def voter_rows(self) -> tuple[IntArray, npt.NDArray[np.int32]]:
        """Each voter's projects, as CSR arrays (indptr, indices); made once, from the
        supporters, if no reader gave them."""
        if self.rows is None:
            m = len(self.pids)
            sizes = [len(s) for s in self.supporters]
            voters = np.concatenate(self.supporters) if m else np.zeros(0, dtype=np.int64)
            projects = np.repeat(np.arange(m, dtype=np.int32), sizes)
            order = np.argsort(voters, kind="stable")
            indptr = np.zeros(self.n_voters + 1, dtype=np.int64)
            np.cumsum(np.bincount(voters, minlength=self.n_voters), out=indptr[1:])
            self.rows = (indptr, projects[order])
        return self.rows

    @classmethod
    def build(cls, instance: Instance, profile: Profile) -> ProfileMatrix:
        pids = list(instance.projects)
        index = {pid: j for j, pid in enumerate(pids)}
        proj_of: list[int] = []
        voter_of: list[int] = []
        weight_of: list[int] = []
        vote_type = profile.vote_type
        borda_length = 0
        if vote_type == "ordinal":
            borda_length = profile.max_length or max(
                (len(b.projects) for b in profile.ballots), default=0
            )
        with_points = vote_type in ("cumulative", "scoring")
        for i, ballot in enumerate(profile.ballots):
            chosen = ballot.projects
            if with_points:
                # A project listed twice keeps its last points, as in pabutools.
                given = dict(zip(chosen, ballot.points or (), strict=True))
                chosen = tuple(given)
                weight_of.extend(given.values())
            elif len(set(chosen)) != len(chosen):
                chosen = tuple(dict.fromkeys(chosen))
            row = [index[pid] for pid in chosen]
            proj_of.extend(row)
            voter_of.extend([i] * len(row))
            if vote_type == "ordinal":
                weight_of.extend(borda_length - r for r in range(len(row)))
        m = len(pids)
        proj_arr = np.asarray(proj_of, dtype=np.int64)
        voter_arr = np.asarray(voter_of, dtype=np.int64)
        unit = vote_type == "approval"
        weight_arr = (
            np.ones(len(proj_of), dtype=np.int64) if unit else np.asarray(weight_of, dtype=np.int64)
        )
        if not unit:
            # A zero weight is no support at all (pabutools counts supporters by satisfaction > 0).
            keep = weight_arr > 0
            proj_arr, voter_arr, weight_arr = proj_arr[keep], voter_arr[keep], weight_arr[keep]
        order = np.argsort(proj_arr, kind="stable")
        counts = np.bincount(proj_arr, minlength=m)
        bounds = np.concatenate(([0], np.cumsum(counts)))
        voters_sorted = voter_arr[order]
        weights_sorted = weight_arr[order]
        supporters = [voters_sorted[bounds[j] : bounds[j + 1]] for j in range(m)]
        weights = [weights_sorted[bounds[j] : bounds[j + 1]] for j in range(m)]
        total_weight = [int(w.sum()) for w in weights]
        return cls(
            instance=instance,
            pids=pids,
            costs=[p.cost for p in instance.projects.values()],
            n_voters=len(profile.ballots),
            supporters=supporters,
            weights=weights,
            total_weight=total_weight,
            unit_weights=unit,
        )
