"""Running lines.scan_range over the ledger in one process or several (one byte range each,
starting at a line start), with a progress bar on stderr. Knows nothing about what a line means."""

from __future__ import annotations

import sys
import time
from typing import Any

from audit.verify.lines import GENESIS_BYTES, Chunk, scan_range

PARALLEL_FROM = 32 << 20  # file size from which scan_ledger uses two processes by default


def _chunk_worker(args: tuple[Any, ...], counter: Any, slot: int, conn: Any) -> None:
    def progress(nbytes: int) -> None:
        counter[slot] += nbytes

    try:
        path, start, end, wanted, subset_round, strict, is_last = args
        chunk = scan_range(
            path,
            start,
            end,
            first_seq=-2,  # no event before: the first link is checked when the chunks are joined
            first_hash=b"",
            wanted=wanted,
            subset_round=subset_round,
            strict=strict,
            progress=progress,
            is_last=is_last,
        )
        conn.send(chunk)
    except BaseException as exc:  # the parent reports it; a worker must always answer
        conn.send(exc)
    finally:
        conn.close()


class Progress:
    """A plain progress bar on stderr (no dependencies)."""

    def __init__(self, label: str, total: int, enabled: bool) -> None:
        self.label, self.total, self.enabled = label, max(total, 1), enabled
        self.started = time.monotonic()
        self.last_draw = 0.0

    def draw(self, done: int, *, final: bool = False) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if not final and now - self.last_draw < 0.2:
            return
        self.last_draw = now
        share = min(done / self.total, 1.0)
        bar = "#" * int(share * 30)
        mb = 1 << 20
        sys.stderr.write(
            f"\r{self.label} [{bar:<30}] {share:4.0%} "
            f"{done / mb:,.0f} of {self.total / mb:,.0f} MB, {now - self.started:.1f} s"
        )
        if final:
            sys.stderr.write("\n")
        sys.stderr.flush()


def line_starts(path: str, size: int, parts: int, after: int) -> list[int]:
    """Byte offsets splitting [after, size) into `parts` ranges that begin at line starts."""
    offsets = [after]
    with open(path, "rb") as f:
        for k in range(1, parts):
            target = after + (size - after) * k // parts
            f.seek(target)
            f.readline()
            pos = f.tell()
            if pos <= offsets[-1] or pos >= size:
                continue
            offsets.append(pos)
    offsets.append(size)
    return offsets


def run_chunks(
    path: str,
    offsets: list[int],
    wanted: frozenset[int],
    subset_round: int | None,
    strict: bool,
    bar: Progress,
) -> list[Chunk]:
    parts = len(offsets) - 1
    if parts <= 1:
        done = [0]

        def progress(nbytes: int) -> None:
            done[0] += nbytes
            bar.draw(done[0])

        chunk = scan_range(
            path,
            offsets[0],
            offsets[-1],
            first_seq=0,
            first_hash=GENESIS_BYTES,
            wanted=wanted,
            subset_round=subset_round,
            strict=strict,
            progress=progress,
        )
        # The first link was checked in the loop; the join re-checks it against the same start.
        bar.draw(done[0], final=True)
        return [chunk]
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    ctx: Any = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    counter = ctx.Array("q", parts, lock=False)
    procs = []
    conns = []
    for k in range(parts):
        parent, child = ctx.Pipe(duplex=False)
        args = (path, offsets[k], offsets[k + 1], wanted, subset_round, strict, k == parts - 1)
        proc = ctx.Process(target=_chunk_worker, args=(args, counter, k, child), daemon=True)
        proc.start()
        child.close()
        procs.append(proc)
        conns.append(parent)
    results: list[Any] = [None] * parts
    pending = set(range(parts))
    while pending:
        for k in list(pending):
            if conns[k].poll(0.05):
                results[k] = conns[k].recv()
                pending.discard(k)
            elif not procs[k].is_alive() and not conns[k].poll():
                raise RuntimeError("a verifier worker process died")
        bar.draw(sum(counter))
    for proc in procs:
        proc.join()
    bar.draw(sum(counter), final=True)
    for res in results:
        if isinstance(res, BaseException):
            raise res
    return results
