"""Reading a plain approval VOTES section in bulk, straight into the arrays the rules count from.

A million ballots as a million `Ballot` objects (each with its tuple of id strings) costs
gigabytes and seconds; here the section's lines are split a chunk at a time, every approval
becomes one int32 in a flat array, and the `ProfileMatrix` is built from those arrays with one
radix sort. `Ballot` objects are made only if something asks for `profile.ballots`.

`bulk_votes` declines (returns False, and the caller reads line by line) on anything it does not
handle exactly as the line-by-line reader would: quoting, blank or short lines, spaces in votes,
empty or repeated entries, unknown projects, repeated voters, a broken `max_sum_cost`. So every
error message, and every unusual file, still comes from one place.
"""

from __future__ import annotations

import warnings
from itertools import repeat

import numpy as np

from ._matrix import ProfileMatrix
from .model import Ballot, Instance, Profile

CHUNK = 1 << 16
LARGE = 1 << 21  # approvals from which scipy's sparse conversion pays for its import


class _CompactBallots:
    """Ballots kept as arrays; `Ballot` objects are made on demand, equal to the line reader's."""

    def __init__(
        self,
        voters: list[str],
        pids: list[str],
        indices: np.ndarray,
        indptr: np.ndarray,
        others: list[tuple[str, list[str]]],
    ) -> None:
        self.voters = voters
        self.pids = pids
        self.indices = indices
        self.indptr = indptr
        self.others = others

    def __len__(self) -> int:
        return len(self.voters)

    def __call__(self) -> list[Ballot]:
        pids = self.pids
        chosen = [pids[k] for k in self.indices.tolist()]
        bounds = self.indptr.tolist()
        ballots = []
        for i, voter in enumerate(self.voters):
            extra = {h: column[i].strip() for h, column in self.others} if self.others else {}
            ballots.append(Ballot(voter, tuple(chosen[bounds[i] : bounds[i + 1]]), None, extra))
        return ballots


def bulk_votes(
    text: str, start: int, header: list[str], instance: Instance, profile: Profile
) -> bool:
    """Fill `profile` from `text[start:]` (the VOTES rows, to the end of the file) and cache its
    matrix for `instance`; False, with `profile` untouched, if the rows need the line reader.

    The rows are sliced here, not by the caller, so that the slice is this function's alone and
    is freed before the rows are split (at a million ballots, 36 MB less while they are)."""
    if profile.vote_type != "approval":
        return False
    block = text[start:]
    if "\r" in block:
        block = block.replace("\r\n", "\n")
    block = block.removesuffix("\n")
    if not block or '"' in block or "\r" in block or "\x00" in block:
        return False  # quoting and odd line ends: the csv module decides those
    ncols = len(header)
    n = block.count("\n") + 1
    if not _fields_per_line(block, n, ncols):
        return False
    fields = block.replace("\n", ";")
    del block
    parts = fields.split(";")
    del fields
    voter_col, vote_col = header.index("voter_id"), header.index("vote")
    voters = _stripped(parts[voter_col::ncols])
    votes = parts[vote_col::ncols]
    others = [(h, parts[k::ncols]) for k, h in enumerate(header) if k not in (voter_col, vote_col)]
    del parts
    if not all(voters) or not all(votes) or len(set(voters)) != n:
        return False
    counts = np.fromiter(map(str.count, votes, repeat(",")), dtype=np.int64, count=n) + 1
    pids = list(instance.projects)
    indices = _project_indices(votes, pids, int(counts.sum()))
    del votes
    if indices is None:
        return False
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    if profile.max_sum_cost is not None:
        costs = np.array([p.cost for p in instance.projects.values()], dtype=np.int64)
        if int(np.add.reduceat(costs[indices], indptr[:-1]).max()) > profile.max_sum_cost:
            return False
    matrix = _matrix(instance, pids, indices, counts)
    if matrix is None:
        return False
    matrix.rows = (indptr, indices)
    profile.defer_ballots(_CompactBallots(voters, pids, indices, indptr, others))
    profile.cache_matrix(instance, matrix)
    return True


# What `str.strip()` removes, among ASCII characters (it never meets a line end here).
_ASCII_SPACE = " \t\x0b\x0c\r\x1c\x1d\x1e\x1f"


def _stripped(ids: list[str]) -> list[str]:
    """`[v.strip() for v in ids]`: the list itself when no id has anything to strip (checked
    on the ids joined, a few scans in C rather than one call per voter)."""
    joined = "\n".join(ids)
    if joined.isascii() and not any(c in joined for c in _ASCII_SPACE):
        return ids
    return [v.strip() for v in ids]


def _fields_per_line(block: str, n: int, ncols: int) -> bool:
    """Whether each of the block's `n` lines has exactly `ncols` fields."""
    if block.count(";") != n * (ncols - 1):
        return False
    if ncols == 1 or n == 1:
        return True
    data = np.frombuffer(block.encode(), dtype=np.uint8)
    line_ends = np.flatnonzero(data == 10)
    semicolons = np.flatnonzero(data == 59)
    per_line = np.bincount(np.searchsorted(line_ends, semicolons), minlength=n)
    return bool((per_line == ncols - 1).all())


def _project_indices(votes: list[str], pids: list[str], total: int) -> np.ndarray | None:
    """Each approval's project index (int32, ballot by ballot, in file order), or None if an
    entry is empty, has spaces, or names no project."""
    index = {pid: k for k, pid in enumerate(pids)}
    numeric = all(pid.isascii() and pid.isdigit() and pid == str(int(pid)) for pid in pids)
    out = np.empty(total, dtype=np.int32)
    done = 0
    for first in range(0, len(votes), CHUNK):
        joined = ",".join(votes[first : first + CHUNK])
        if " " in joined or "\t" in joined or ",," in joined:
            return None
        if joined.startswith(",") or joined.endswith(","):
            return None
        size = joined.count(",") + 1
        chunk = _numeric_indices(joined, pids, size) if numeric else None
        if chunk is None:
            try:
                chunk = np.array([index[p] for p in joined.split(",")], dtype=np.int32)
            except KeyError:
                return None
        out[done : done + size] = chunk
        done += size
    return out if done == total else None


def _numeric_indices(joined: str, pids: list[str], size: int) -> np.ndarray | None:
    """`_project_indices` for ids that are all plain whole numbers ("7", never "07"): parsed by
    numpy in C. Every entry must be written exactly as its id is (checked by length: any other
    way of writing a number, such as "07" or "+7", is longer), else None."""
    if not joined.isascii():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            values = np.fromstring(joined, dtype=np.int64, sep=",")
        except ValueError:
            return None
    if len(values) != size or (len(values) and (values.min() < 0)):
        return None
    lookup = np.full(max(int(p) for p in pids) + 1, -1, dtype=np.int64) if pids else None
    if lookup is None:
        return None
    lookup[[int(p) for p in pids]] = np.arange(len(pids))
    if len(values) and int(values.max()) >= len(lookup):
        return None
    found = lookup[values]
    if (found < 0).any():
        return None
    # Each entry names a project; written as its id, it takes len(id) characters.
    lengths = np.array([len(p) for p in pids], dtype=np.int64)
    if int(lengths[found].sum()) + size - 1 != len(joined):
        return None
    return found.astype(np.int32)


def _matrix(
    instance: Instance, pids: list[str], indices: np.ndarray, counts: np.ndarray
) -> ProfileMatrix | None:
    """Supporters of each project, voters ascending (None if a ballot names a project twice)."""
    m, n = len(pids), len(counts)
    if len(indices) >= LARGE:
        # scipy's CSR to CSC conversion: a counting sort in C, voters ascending per project
        # (worth its import time only on large files).
        from scipy.sparse import csr_matrix

        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        flags = np.ones(len(indices), dtype=np.int8)
        by_project = csr_matrix((flags, indices, indptr), shape=(n, m)).tocsc()
        voters_sorted = by_project.indices
        # Each project's supporters counted by the conversion itself: np.bincount would first
        # copy the int32 indices to int64 (at a million ballots, 64 MB more at the peak).
        per_project = np.diff(by_project.indptr).astype(np.int64)
        del by_project, flags, indptr
    else:
        # A stable sort of small integers is numpy's radix sort: linear in the approvals.
        keys = indices.astype(np.int16) if m < 2**15 else indices
        order = np.argsort(keys, kind="stable")
        del keys
        voters_sorted = np.repeat(np.arange(n, dtype=np.int64), counts)[order]
        del order
        per_project = np.bincount(indices, minlength=m)
    bounds = np.zeros(m + 1, dtype=np.int64)
    np.cumsum(per_project, out=bounds[1:])
    if len(voters_sorted) > 1:
        repeated = voters_sorted[1:] == voters_sorted[:-1]
        inner = bounds[1:-1]
        repeated[inner[(inner > 0) & (inner < len(voters_sorted))] - 1] = False
        if repeated.any():
            return None
    ones = np.broadcast_to(np.int64(1), (len(voters_sorted),))
    supporters = [voters_sorted[bounds[j] : bounds[j + 1]] for j in range(m)]
    weights = [ones[bounds[j] : bounds[j + 1]] for j in range(m)]
    return ProfileMatrix(
        instance=instance,
        pids=pids,
        costs=[p.cost for p in instance.projects.values()],
        n_voters=n,
        supporters=supporters,
        weights=weights,
        total_weight=[int(c) for c in per_project.tolist()],
        unit_weights=True,
    )
