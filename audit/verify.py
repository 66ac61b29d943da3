"""Verify a Community Chest ledger on your own machine, trusting nothing the server says.

    python -m audit.verify LEDGER.jsonl [--key KEY] [--checkpoints FILE] [--previous OLDER.jsonl]
                           [--ballots ROUND.pb --result RESULT.json [--round ID]]

Standard library only, plus `cryptography` for signatures (--key) and `ballots.tally` to re-run a
round's rule (--ballots). Django is never imported.

Exit status: 0 when every check holds (a short summary on stdout); 1 when something is wrong, naming
the first bad line and why; 2 when a file cannot be opened or the arguments are wrong.

What is checked, and how (the encoding is documented in audit/canonical.py):
- every line is `{"event":<body>,"hash":"<64 hex>"}`; the body's bytes, exactly as stored, hash
  to the stated SHA-256 (no re-encoding: a canonical encoding means the bytes are the event);
- sequence numbers run 1, 2, 3, ... with none missing or repeated, and each event's `prev` is the
  hash of the line before (the first event's is 64 zeros);
- a per-round file (first line `{"ledger_subset":...}`) holds a subset: every event must belong to
  that round, sequence numbers must increase, and `prev` is checked wherever two events are
  consecutive in the full ledger (elsewhere the link passes through other rounds' events);
- every `checkpoint.signed` event names the event right before it, and with --key its Ed25519
  signature is checked; --checkpoints checks the signed checkpoints file against the ledger, so a
  ledger cut short or rewritten after a checkpoint is caught;
- --previous checks that this ledger extends an earlier copy byte for byte;
- every `ballots.sealed` event of a round lists at least K new commitments, K being the seal batch
  size its `round.settings_frozen` event names, unless it is the round's only one (a round with
  fewer than K ballots in all is sealed once, at close);
- every round's events follow its phases in order (check_phase_order): draft -> proposals -> review
  -> voting -> closed -> published, one step at a time and never back; proposals are submitted in
  the proposals phase and reviewed in review; ballots and paper batches only while voting;
  ballots are sealed while voting or by the close itself, never after round.closed; round.closed
  comes once, after voting, and result.published only after it;
- --ballots/--result check that the published ballots' commitments are exactly the sealed ones
  minus the superseded ones, that re-running the round's rule selects the published projects, and
  that the files match the hashes recorded at close (round.closed) and at publication.

Only the fields a check needs are parsed; --strict also parses every event and checks it is
canonical JSON with exactly the ledger's keys (several times slower).
"""

from __future__ import annotations

import argparse
import base64
import binascii
import hashlib
import json
import os
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.canonical import (
    EVENT_KEYS,
    GENESIS,
    LINE_PREFIX,
    SUBSET_HEADER_KEY,
    ballot_commitment,
    canonical_bytes,
    checkpoint_message,
    key_id,
)

EXIT_OK, EXIT_BAD, EXIT_USAGE = 0, 1, 2

_MID = b',"hash":"'
_END = b'"}'
_MIN_LINE = len(LINE_PREFIX) + 2 + len(_MID) + 64 + len(_END)
_GENESIS_B = GENESIS.encode("ascii")
# Kinds whose payload some check reads; every other event is only hashed and linked.
NOTABLE_KINDS = frozenset({b"checkpoint.signed", b"ballots.sealed", b"round.closed"})
NOTABLE_KINDS |= {b"result.published"}
NOTABLE_KINDS |= {b"round.settings_frozen"}  # names the round's seal batch size K

# The phase order check (check_phase_order): a round goes draft -> proposals -> review -> voting
# -> closed -> published, one step at a time, and each of these kinds happens only in the phases
# named (what the services allow). Kinds not listed (checkpoint.signed, code.revoked, ...) may
# happen in any phase.
PHASES = ("draft", "proposals", "review", "voting", "closed", "published")
_BEFORE_CLOSE = frozenset(PHASES[:4])
PHASE_KINDS: dict[str, frozenset[str]] = {
    "round.created": frozenset({"draft"}),
    "round.updated": _BEFORE_CLOSE,
    "codes.issued": _BEFORE_CLOSE,
    "proposal.submitted": frozenset({"proposals"}),
    "proposal.edited": frozenset({"proposals"}),
    "proposal.withdrawn": frozenset({"proposals"}),
    "proposal.reviewed": frozenset({"review"}),
    "proposal.merged": frozenset({"review"}),
    "round.settings_frozen": frozenset({"voting"}),
    "ballot.assisted": frozenset({"voting"}),
    "paper_batch.entered": frozenset({"voting"}),
    "paper_batch.accepted": frozenset({"voting"}),
    "paper_batch.rejected": frozenset({"voting"}),
    # Also inside the close itself, before round.closed (see check_phase_order).
    "ballots.sealed": frozenset({"voting"}),
    "round.closed": frozenset({"closed"}),
    "result.publication_requested": frozenset({"closed"}),
    "result.published": frozenset({"published"}),
}
NOTABLE_KINDS |= {kind.encode() for kind in PHASE_KINDS} | {b"round.phase_changed"}
# The block search looks for these prefixes (fewer passes over each block than one per kind).
_NOTABLE_PREFIXES = (
    b"checkpoint.",
    b"ballot",
    b"round.",
    b"result.",
    b"proposal.",
    b"paper_batch.",
    b"codes.",
)
assert all(any(k.startswith(p) for p in _NOTABLE_PREFIXES) for k in NOTABLE_KINDS)
_BLOCK = 8 << 20
_PARALLEL_FROM = 32 << 20


class Failure(Exception):
    """Something in the files is wrong (exit 1). `where` names the file and line."""

    def __init__(self, where: str, reason: str, line: int | None = None) -> None:
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason
        self.line = line


class UsageError(Exception):
    """A file cannot be opened or the arguments are wrong (exit 2)."""


# --- Scanning the ledger ------------------------------------------------------------------------


@dataclass
class Chunk:
    """What one scan over a byte range of the ledger found. Line numbers are local (1-based)."""

    lines: int = 0
    error: tuple[int, str] | None = None
    first: tuple[int, bytes] | None = None  # (seq, prev) of the first event
    last: tuple[int, bytes] | None = None  # (seq, hash) of the last event
    hashes: dict[int, bytes] = field(default_factory=dict)  # wanted seq -> hash
    notable: list[tuple[int, bytes]] = field(default_factory=list)  # (line, body)


def _malformed(line: bytes) -> str:
    if not line:
        return "the line is empty"
    if line.endswith(b"\r"):
        return "the line ends with a carriage return (was the file converted to Windows line ends?)"
    try:
        json.loads(line)
    except ValueError as exc:
        return f"the line is not valid JSON ({exc})"
    return 'the line is not a ledger line of the form {"event":{...},"hash":"<64 hex digits>"}'


def _seq_problem(seq: int, last_seq: int, subset: bool) -> str | None:
    if subset:
        if seq > last_seq:
            return None
        if seq == last_seq:
            return f"repeated sequence number {seq}"
        return f"sequence number {seq} goes backwards after {last_seq} (lines out of order)"
    expected = last_seq + 1
    if seq == expected:
        return None
    if seq == last_seq:
        return f"repeated sequence number {seq}"
    if seq < last_seq:
        return f"sequence number {seq} goes backwards after {last_seq} (lines out of order)"
    if seq < expected:  # pragma: no cover - covered by the two cases above
        return f"repeated sequence number {seq}"
    missing = f"{expected}" if seq == expected + 1 else f"{expected}–{seq - 1}"
    return f"missing sequence number {missing} (found {seq} after {last_seq})"


def _scan_lines(
    lines: Sequence[bytes],
    chunk: Chunk,
    state: list[Any],
    wanted: frozenset[int],
    subset_round: int | None,
    strict: bool,
    region: bytes | None = None,
) -> bool:
    """Check `lines`, continuing from `state` = [line number, last seq, last hash].

    The fast path handles a full ledger's well-formed lines with as few operations as possible:
    slice the body, hash the stored bytes as they are, check the line's tail holds the hash just
    computed, then find the link and the expected sequence number. Events a later check reads
    are found afterwards by searching the whole block (`region`, the lines joined by newlines)
    for their kinds. Anything else (an error, a per-round file, --strict, a worker's first line)
    goes through `_scan_lines_checked`, which names what is wrong.
    """
    if subset_round is not None or strict or region is None:
        return _scan_lines_checked(lines, chunk, state, wanted, subset_round, strict)
    start = 0
    if state[1] < 0 and lines:  # a worker's first line: linked when the chunks are joined
        if not _scan_lines_checked(lines[:1], chunk, state, wanted, None, False):
            return False
        start = 1
    sha256 = hashlib.sha256
    prefix, mid, end = LINE_PREFIX, _MID, _END
    n0, seq0, last_hash = state
    last_seq = seq0
    if chunk.first is None and len(lines) > start:
        chunk.first = (last_seq + 1, last_hash)  # checked by the loop below, line by line
    for index in range(start, len(lines)):
        line = lines[index]
        body = line[9:-75]
        digest = sha256(body).hexdigest().encode()
        p = body.rfind(b',"prev":"')
        if (
            not line.endswith(digest, 0, -2)
            or line[-75:-66] != mid
            or line[-2:] != end
            or line[:9] != prefix
            or body[p + 9 : p + 73] != last_hash
            or body.find(b',"seq":%d,"ward":"' % (last_seq + 1), p + 83) < 0
        ):
            # The careful loop names the problem (or accepts an unusual but valid line).
            done = index - start
            _collect_fast(lines, chunk, wanted, start, done, n0, seq0)
            state[0], state[1], state[2] = n0 + done, last_seq, last_hash
            return _scan_lines_checked(lines[index:], chunk, state, wanted, None, False)
        last_seq += 1
        last_hash = digest
    done = len(lines) - start
    _collect_fast(lines, chunk, wanted, start, done, n0, seq0, region)
    state[0], state[1], state[2] = n0 + done, last_seq, last_hash
    chunk.lines = n0 + done
    if chunk.first is not None:
        chunk.last = (last_seq, last_hash)
    return True


def _collect_fast(
    lines: Sequence[bytes],
    chunk: Chunk,
    wanted: frozenset[int],
    start: int,
    count: int,
    n0: int,
    seq0: int,
    region: bytes | None = None,
) -> None:
    """After the fast loop checked lines[start:start+count] (line numbers n0+1..., sequence
    numbers seq0+1...): keep the hashes of wanted seqs and the events a later check reads."""
    for seq in wanted:
        if seq0 < seq <= seq0 + count:
            chunk.hashes[seq] = lines[start + seq - seq0 - 1][-66:-2]
    indexes: set[int] = set()
    if region is not None and start + count == len(lines):
        # Search the block, not each line: a candidate whose kind only appears inside its
        # payload is dropped once parsed.
        positions: list[int] = []
        for kind in _NOTABLE_PREFIXES:
            pattern = b'"kind":"' + kind
            pos = region.find(pattern)
            while pos >= 0:
                positions.append(pos)
                pos = region.find(pattern, pos + 1)
        line_index, counted_to = 0, 0
        for pos in sorted(positions):
            line_index += region.count(b"\n", counted_to, pos)
            counted_to = pos
            if line_index >= start:
                indexes.add(line_index)
    else:
        for index in range(start, start + count):
            body = lines[index]
            k = body.find(b',"kind":"') + 9
            if body[k : body.find(b'"', k)] in NOTABLE_KINDS:
                indexes.add(index)
    for index in sorted(indexes):
        chunk.notable.append((n0 + index - start + 1, lines[index][9:-75]))


def _scan_lines_checked(
    lines: Sequence[bytes],
    chunk: Chunk,
    state: list[Any],
    wanted: frozenset[int],
    subset_round: int | None,
    strict: bool,
) -> bool:
    """Check `lines`, continuing from `state` = [line number, last seq, last hash].

    Returns False at the first error (recorded in `chunk.error`).
    """
    sha256 = hashlib.sha256
    prefix, mid, end = LINE_PREFIX, _MID, _END
    notable_kinds = NOTABLE_KINDS
    subset = subset_round is not None
    round_bytes = str(subset_round).encode() if subset else b""
    n, last_seq, last_hash = state
    # A worker's chunk starts mid-ledger: its first event is linked when the chunks are joined.
    free_first = last_seq < 0 and chunk.first is None
    for line in lines:
        n += 1
        body = line[9:-75]
        stored = line[-66:-2]
        if line[:9] != prefix or line[-75:-66] != mid or line[-2:] != end or len(line) < _MIN_LINE:
            chunk.error = (n, _malformed(line))
            break
        if sha256(body).hexdigest().encode() != stored:
            chunk.error = (
                n,
                f"hash mismatch: the event's bytes hash to {sha256(body).hexdigest()[:16]}…, "
                f"the line says {stored[:16].decode('ascii', 'replace')}… (the event was altered)",
            )
            break
        p = body.rfind(b',"prev":"')
        q = body.find(b',"seq":', p + 73)
        r = body.find(b',"ward":"', q + 7)
        digits = body[q + 7 : r]
        if (
            p < 0
            or q < 0
            or r < 0
            or not digits.isdigit()
            or body[p + 73 : p + 83] != b'","round":'
        ):
            chunk.error = (n, "the event is not in canonical form (no prev, round or seq field)")
            break
        seq = int(digits)
        if seq != last_seq + 1 or subset:
            problem = None if free_first else _seq_problem(seq, last_seq, subset)
            free_first = False
            if problem is not None:
                chunk.error = (n, problem)
                break
            if subset and body[p + 83 : q] != round_bytes:
                chunk.error = (
                    n,
                    f"event {seq} belongs to round {body[p + 83 : q].decode('ascii', 'replace')},"
                    f" not to round {subset_round} that this file is the ledger of",
                )
                break
        if body[p + 9 : p + 73] != last_hash and seq == last_seq + 1:
            chunk.error = (
                n,
                f"broken link: event {seq} says the previous event's hash is "
                f"{body[p + 9 : p + 25].decode('ascii', 'replace')}…, but the line before has "
                f"{last_hash[:16].decode('ascii', 'replace')}… (an event was removed, inserted "
                "or changed)",
            )
            break
        if chunk.first is None:
            chunk.first = (seq, body[p + 9 : p + 73])
        k = body.find(b',"kind":"')
        if body[k + 9 : body.find(b'"', k + 9)] in notable_kinds:
            chunk.notable.append((n, body))
        if seq in wanted:
            chunk.hashes[seq] = stored
        if strict:
            problem = _strict_problem(body, seq)
            if problem is not None:
                chunk.error = (n, problem)
                break
        last_seq, last_hash = seq, stored
    state[0], state[1], state[2] = n, last_seq, last_hash
    chunk.lines = n
    if chunk.first is not None:
        chunk.last = (last_seq, last_hash)
    return chunk.error is None


def _strict_problem(body: bytes, seq: int) -> str | None:
    try:
        obj = json.loads(body)
    except ValueError as exc:
        return f"the event is not valid JSON ({exc})"
    if not isinstance(obj, dict) or tuple(sorted(obj)) != EVENT_KEYS:
        return f"the event must have exactly the keys {', '.join(EVENT_KEYS)}"
    if canonical_bytes(obj) != body:
        return "the event is not canonically encoded (keys sorted, no spaces, ASCII escapes)"
    if obj["seq"] != seq:
        return "the event's seq field is ambiguous"
    return None


def scan_range(
    path: str,
    start: int,
    end: int,
    *,
    first_seq: int,
    first_hash: bytes,
    wanted: frozenset[int] = frozenset(),
    subset_round: int | None = None,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
    is_last: bool = True,
) -> Chunk:
    """Scan the lines in bytes [start, end) of the ledger, assuming the event before them had
    `first_seq`/`first_hash` (for a chunk that is not the first, the caller re-checks the first
    link once it knows the previous chunk's last event)."""
    chunk = Chunk()
    state: list[Any] = [0, first_seq, first_hash]
    carry = b""
    with open(path, "rb") as f:
        f.seek(start)
        remaining = end - start
        while remaining > 0:
            block = f.read(min(_BLOCK, remaining))
            if not block:
                break
            remaining -= len(block)
            if progress is not None:
                progress(len(block))
            block = carry + block
            cut = block.rfind(b"\n") + 1
            carry = block[cut:]
            lines = block[:cut].split(b"\n")
            lines.pop()
            region = block[: cut - 1] if cut else b""
            if not _scan_lines(lines, chunk, state, wanted, subset_round, strict, region):
                return chunk
    if carry:
        if is_last:
            chunk.lines = state[0] + 1
            chunk.error = (chunk.lines, "the last line does not end with a newline (cut short?)")
        else:  # pragma: no cover - chunk ends are always placed after a newline
            chunk.error = (state[0] + 1, "internal error: chunk does not end at a line end")
    return chunk


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


@dataclass
class LedgerScan:
    events: int
    first_seq: int | None
    last_seq: int
    last_hash: str
    header_lines: int
    subset_round: int | None
    hashes: dict[int, str]
    notable: list[tuple[int, dict[str, Any]]]
    closed_rounds: set[int]


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


def _line_starts(path: str, size: int, parts: int, after: int) -> list[int]:
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


def _read_header(path: str) -> tuple[int, int | None]:
    """(bytes taken by a per-round header line, the round) or (0, None) for a full ledger."""
    with open(path, "rb") as f:
        first = f.readline(4096)
    if not first.startswith(b'{"' + SUBSET_HEADER_KEY.encode() + b'"'):
        return 0, None
    try:
        header = json.loads(first)[SUBSET_HEADER_KEY]
        round_id = header["round"]
        if not isinstance(round_id, int) or isinstance(round_id, bool):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise Failure("line 1", "the per-round header line is malformed") from None
    return len(first), round_id


def scan_ledger(
    path: str,
    *,
    label: str,
    wanted: frozenset[int] = frozenset(),
    strict: bool = False,
    jobs: int = 0,
    show_progress: bool = False,
) -> LedgerScan:
    """Check the ledger's chain and collect what the other checks need. Raises Failure."""
    try:
        size = os.path.getsize(path)
        with open(path, "rb"):
            pass
    except OSError as exc:
        raise UsageError(f"cannot open {path}: {exc.strerror or exc}") from None
    header_len, subset_round = _read_header(path)
    header_lines = 1 if header_len else 0
    if jobs <= 0:
        jobs = 2 if size >= _PARALLEL_FROM and (os.cpu_count() or 1) >= 2 else 1
    offsets = _line_starts(path, size, jobs, header_len) if jobs > 1 else [header_len, size]
    bar = Progress(f"verifying {label}", size - header_len, show_progress)
    chunks = _run_chunks(path, offsets, wanted, subset_round, strict, bar)

    # Join the chunks: line numbers become global and each chunk's first link is checked.
    problems: list[tuple[int, str]] = []
    line0 = header_lines
    last_seq, last_hash = 0, _GENESIS_B
    events = 0
    first_seq: int | None = None
    hashes: dict[int, bytes] = {}
    notable_raw: list[tuple[int, bytes]] = []
    for chunk in chunks:
        if chunk.first is not None:
            seq, prev = chunk.first
            problem = _seq_problem(seq, last_seq, subset_round is not None)
            if problem is None and seq == last_seq + 1 and prev != last_hash:
                problem = (
                    f"broken link: event {seq} says the previous event's hash is "
                    f"{prev[:16].decode('ascii', 'replace')}…, but the line before has "
                    f"{last_hash[:16].decode('ascii', 'replace')}… (an event was removed, "
                    "inserted or changed)"
                )
            if problem is not None:
                problems.append((line0 + 1, problem))
                break
            if first_seq is None:
                first_seq = seq
        if chunk.error is not None:
            problems.append((line0 + chunk.error[0], chunk.error[1]))
        notable_raw.extend((line0 + n, body) for n, body in chunk.notable)
        hashes.update(chunk.hashes)
        if chunk.error is not None:
            break
        events += chunk.lines
        line0 += chunk.lines
        if chunk.last is not None:
            last_seq, last_hash = chunk.last
    notable: list[tuple[int, dict[str, Any]]] = []
    closed: set[int] = set()
    first_problem = min(problems) if problems else None
    for n, body in notable_raw:
        if first_problem is not None and n >= first_problem[0]:
            break
        try:
            event = json.loads(body)
        except ValueError as exc:
            problems.append((n, f"the event is not valid JSON ({exc})"))
            break
        if not isinstance(event, dict) or event.get("kind", "").encode() not in NOTABLE_KINDS:
            continue  # only its first 12 letters looked like a kind a check reads
        problem = _notable_problem(event)
        if problem is not None:
            problems.append((n, problem))
            break
        notable.append((n, event))
        if event["kind"] == "round.closed" and isinstance(event.get("round"), int):
            closed.add(event["round"])
    phase_problem = check_phase_order(notable)
    if phase_problem is not None:
        problems.append(phase_problem)
    if problems:
        n, reason = min(problems)
        raise Failure(f"{label} line {n}", reason, n)
    return LedgerScan(
        events=events,
        first_seq=first_seq,
        last_seq=last_seq,
        last_hash=last_hash.decode("ascii"),
        header_lines=header_lines,
        subset_round=subset_round,
        hashes={k: v.decode("ascii") for k, v in hashes.items()},
        notable=notable,
        closed_rounds=closed,
    )


def _run_chunks(
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
            first_hash=_GENESIS_B,
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


def _notable_problem(event: dict[str, Any]) -> str | None:
    kind, payload = event.get("kind"), event.get("payload")
    if not isinstance(payload, dict):
        return f"the {kind} event has no payload object"
    if kind == "checkpoint.signed":
        if payload.get("seq") != event.get("seq", 0) - 1 or payload.get("hash") != event.get(
            "prev"
        ):
            return (
                "the checkpoint.signed event does not sign the event right before it "
                f"(it names seq {payload.get('seq')!r})"
            )
        for name in ("signature", "key_id"):
            if not isinstance(payload.get(name), str):
                return f"the checkpoint.signed event has no {name}"
    elif kind == "ballots.sealed":
        for name in ("commitments", "superseded"):
            values = payload.get(name, [])
            if not isinstance(values, list) or not all(
                isinstance(v, str) and len(v) == 64 for v in values
            ):
                return f"the ballots.sealed event's {name} must be a list of 64-digit hex hashes"
    return None


@dataclass
class _RoundPhase:
    """What the events so far say about one round's phase."""

    phase: str | None = None  # None: the round's ledger did not start with round.created
    possible: frozenset[str] = frozenset(PHASES)  # while phase is None: phases consistent so far
    closed: bool = False  # round.closed seen (the close is over)
    published: bool = False


def _phase_rule(kind: str) -> str:
    if kind in ("ballots.sealed",):
        return "ballots are sealed only while voting is open, or by the close itself"
    if kind == "round.closed":
        return "a round is closed once, after voting"
    if kind.startswith("result."):
        return "a result is published after round.closed, in the closed then published phase"
    if kind == "round.created":
        return "a round is created once, before anything else happens to it"
    allowed = [p for p in PHASES if p in PHASE_KINDS[kind]]
    return f"{kind} happens only in the {' or '.join(allowed)} phase"


def check_phase_order(events: Sequence[tuple[int, dict[str, Any]]]) -> tuple[int, str] | None:
    """(line, why) for the first event out of its round's phase order, or None.

    Reads only kinds, round ids and round.phase_changed's from/to. A round whose events begin
    without round.created (a round made before the ledger, or by a test) is given the phase its
    first phase change starts from, and the events before it must all fit that one phase.
    """
    rounds: dict[int, _RoundPhase] = {}
    for n, event in events:
        kind, round_id = event.get("kind"), event.get("round")
        if not isinstance(round_id, int) or isinstance(round_id, bool):
            continue
        if kind != "round.phase_changed" and kind not in PHASE_KINDS:
            continue
        state = rounds.get(round_id)
        if kind == "round.created":
            if state is not None:
                return n, f"round {round_id}: round.created again ({_phase_rule(kind)})"
            rounds[round_id] = _RoundPhase(phase="draft")
            continue
        if state is None:
            state = rounds[round_id] = _RoundPhase()
        where = state.phase or "/".join(p for p in PHASES if p in state.possible)
        if kind == "round.phase_changed":
            payload = event.get("payload") or {}
            start, to = payload.get("from"), payload.get("to")
            if start not in PHASES or to not in PHASES:
                return n, f"round {round_id}: a phase change names an unknown phase"
            if PHASES.index(to) != PHASES.index(start) + 1:
                how = "back" if PHASES.index(to) <= PHASES.index(start) else "skipping ahead"
                return n, f"round {round_id}: the phase goes {how} from {start} to {to}"
            if start != state.phase and (state.phase is not None or start not in state.possible):
                return n, (
                    f"round {round_id}: the phase changes from {start}, but the round's events "
                    f"put it in the {where} phase"
                )
            if state.phase is None and start == "closed":
                state.closed = True  # closed before this ledger's record of the round begins
            if to == "published" and not state.closed:
                return n, f"round {round_id}: published before round.closed"
            state.phase = to
            continue
        phases = PHASE_KINDS[kind]
        sealing_at_close = (
            kind == "ballots.sealed" and not state.closed and (state.phase or "closed") == "closed"
        )
        if state.phase is not None:
            fits = state.phase in phases or (sealing_at_close and state.phase == "closed")
        else:
            narrowed = state.possible & (phases | ({"closed"} if sealing_at_close else set()))
            fits = bool(narrowed)
            if fits:
                state.possible = narrowed
        if fits and kind in ("round.closed", "result.publication_requested"):
            fits = not state.closed if kind == "round.closed" else state.closed
        if fits and kind == "result.published":
            fits = state.closed and not state.published
        if not fits:
            return n, f"round {round_id}: {kind} in the {where} phase ({_phase_rule(kind)})"
        if kind == "round.closed":
            state.closed = True
        elif kind == "result.published":
            state.published = True
    return None


# --- Keys and signatures ---------------------------------------------------------------------


@dataclass
class PublicKey:
    raw: bytes
    id: str

    def verify(self, signature_b64: str, message: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            signature = base64.b64decode(signature_b64, validate=True)
        except (binascii.Error, ValueError):
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, message)
        except InvalidSignature:
            return False
        return True


def load_public_key(spec: str) -> PublicKey:
    """A key from a file (PEM, or base64 of the raw 32 bytes) or given inline as base64."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        raise UsageError("checking signatures needs the 'cryptography' package") from None
    path = Path(spec)
    if path.exists():
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot open {spec}: {exc.strerror or exc}") from None
    elif spec.startswith("-----BEGIN") or len(spec) == 44:
        data = spec.encode()
    else:
        raise UsageError(f"cannot open {spec}: no such file")
    raw: bytes | None = None
    if b"-----BEGIN PUBLIC KEY-----" in data:
        try:
            key = serialization.load_pem_public_key(data)
        except ValueError:
            raise UsageError(f"{spec} is not a readable PEM public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise UsageError(f"{spec} is not an Ed25519 public key")
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    else:
        try:
            raw = base64.b64decode(data.strip(), validate=True)
        except (binascii.Error, ValueError):
            raw = None
        if raw is None or len(raw) != 32:
            raise UsageError(
                f"{spec} is neither a PEM public key nor the base64 of a raw 32-byte Ed25519 key"
            )
    return PublicKey(raw, key_id(raw))


# --- The other checks -------------------------------------------------------------------------


def _read_json(path: str, what: str) -> Any:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot open {path}: {exc.strerror or exc}") from None
    try:
        return json.loads(data)
    except ValueError as exc:
        raise Failure(path, f"the {what} is not valid JSON ({exc})") from None


def check_checkpoint_events(scan: LedgerScan, key: PublicKey | None, label: str) -> int:
    """Check the signatures carried by checkpoint.signed events. Returns how many were checked."""
    checked = 0
    for n, event in scan.notable:
        if event["kind"] != "checkpoint.signed":
            continue
        payload = event["payload"]
        if key is None:
            continue
        if payload["key_id"] != key.id:
            raise Failure(
                f"{label} line {n}",
                f"checkpoint signed with another key (key id {payload['key_id']}, but the key "
                f"given is {key.id})",
            )
        if not key.verify(
            payload["signature"], checkpoint_message(payload["seq"], payload["hash"])
        ):
            raise Failure(
                f"{label} line {n}", f"bad signature on the checkpoint of seq {payload['seq']}"
            )
        checked += 1
    return checked


def check_checkpoints_file(
    path: str, entries: list[dict[str, Any]], scan: LedgerScan, key: PublicKey | None
) -> tuple[int, int]:
    """Check each signed checkpoint against the ledger. Returns (checked, outside the file)."""
    checked = outside = 0
    for index, entry in enumerate(entries, start=1):
        where = f"{path} checkpoint {index}"
        seq, digest = entry["seq"], entry["hash"]
        where += f" (seq {seq})"
        if key is not None:
            if entry["key_id"] != key.id:
                raise Failure(
                    where,
                    f"checkpoint signed with another key (key id {entry['key_id']}, but the key "
                    f"given is {key.id})",
                )
            if not key.verify(entry["signature"], checkpoint_message(seq, digest)):
                raise Failure(where, "bad signature")
        if seq == 0:
            stored: str | None = GENESIS
        elif scan.subset_round is None and seq > scan.last_seq:
            raise Failure(
                where,
                f"the ledger ends at seq {scan.last_seq}, but this checkpoint signs seq {seq}: "
                f"events {scan.last_seq + 1}–{seq} are missing (the ledger was truncated)",
            )
        else:
            stored = scan.hashes.get(seq)
        if stored is None:
            outside += 1
            continue
        if stored != digest:
            line = seq + scan.header_lines if scan.subset_round is None else None
            at = f"line {line} (seq {seq})" if line else f"seq {seq}"
            raise Failure(
                where,
                f"the ledger's {at} has hash {stored[:16]}…, but the signed checkpoint says "
                f"{digest[:16]}…: history was rewritten after it was signed",
            )
        checked += 1
    return checked, outside


def _covered_through(scan: LedgerScan, entries: list[dict[str, Any]], key: PublicKey) -> int:
    """The last seq that a checked signature vouches for (a checkpoint.signed event carries the
    signature of the event before it, and is itself vouched for by the signature it carries)."""
    covered = 0
    for _, event in scan.notable:
        if event["kind"] == "checkpoint.signed":
            covered = max(covered, event["seq"])
    for entry in entries:
        if entry["key_id"] == key.id and entry["seq"] <= scan.last_seq:
            covered = max(covered, entry["seq"])
    return covered


def _load_checkpoints(path: str) -> list[dict[str, Any]]:
    data = _read_json(path, "checkpoints file")
    entries = data.get("checkpoints") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise Failure(path, 'expected {"checkpoints": [...]} or a list of checkpoints')
    for index, entry in enumerate(entries, start=1):
        ok = isinstance(entry, dict) and isinstance(entry.get("seq"), int)
        ok = ok and all(isinstance(entry.get(k), str) for k in ("hash", "signature", "key_id"))
        if not ok:
            raise Failure(
                f"{path} checkpoint {index}",
                "a checkpoint needs seq (a number), hash, signature and key_id",
            )
    return entries


def check_previous(path: str, older: str, label: str) -> int:
    """Check that `path` extends `older` unchanged. Returns the older copy's line count."""
    try:
        new_f = open(path, "rb")  # noqa: SIM115 - both files are closed below
        old_f = open(older, "rb")  # noqa: SIM115
    except OSError as exc:
        raise UsageError(f"cannot open {exc.filename}: {exc.strerror or exc}") from None
    with new_f, old_f:
        lines_before = 0
        while True:
            old = old_f.read(_BLOCK)
            if not old:
                break
            new = new_f.read(len(old))
            if new == old:
                lines_before += old.count(b"\n")
                continue
            same = 0
            limit = min(len(new), len(old))
            while same < limit and new[same] == old[same]:
                same += 1
            line = lines_before + old.count(b"\n", 0, same) + 1
            if same == len(new):
                raise Failure(
                    f"{label} line {line}",
                    f"the earlier copy {older} goes on past the end of this ledger: events it "
                    "holds are missing here (history was cut and re-signed?)",
                    line,
                )
            raise Failure(
                f"{label} line {line}",
                f"differs from the same line of the earlier copy {older}: history was rewritten",
                line,
            )
        return lines_before


def _ballot_selection(ballot: Any, vote_type: str) -> Any:
    if vote_type in ("cumulative", "scoring"):
        return dict(zip(ballot.projects, ballot.points or (), strict=False))
    return ballot.projects


def _pb_line(path: str, voter_id: str) -> int | None:
    # Lines are counted as ballots.tally's reader counts them: split on "\n" only.
    try:
        with open(path, encoding="utf-8-sig", newline="") as f:
            lines = f.read().split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    in_votes = False
    for n, text in enumerate(lines, start=1):
        if text.strip().lower().startswith("votes"):
            in_votes = True
        elif in_votes and text.split(";", 1)[0].strip() == voter_id:
            return n
    return None


@dataclass
class SealReport:
    batches: int  # sealed batches checked against their round's K
    rounds: int  # rounds whose K the ledger records
    unchecked: int  # rounds with sealed batches but no recorded K


def check_seal_batches(scan: LedgerScan, label: str) -> SealReport:
    """No sealed batch of a round, the last included, may list fewer than K new commitments:
    a small batch sealed when few people voted can point at them. Only a round sealed once in
    all (fewer than K ballots) may hold fewer. K is the round's frozen `seal_batch_size`."""
    k_of: dict[Any, int] = {}
    batches: dict[Any, list[tuple[int, int]]] = {}
    for n, event in scan.notable:
        payload = event["payload"]
        if event["kind"] == "round.settings_frozen":
            settings = payload.get("settings")
            k = settings.get("seal_batch_size") if isinstance(settings, dict) else None
            if isinstance(k, int) and not isinstance(k, bool) and event["round"] not in k_of:
                k_of[event["round"]] = k
        elif event["kind"] == "ballots.sealed":
            size = len(payload.get("commitments", []))
            batches.setdefault(event.get("round"), []).append((n, size))
    checked = 0
    for round_id, seals in batches.items():
        k = k_of.get(round_id)
        if k is None:
            continue
        checked += len(seals)
        if len(seals) < 2:
            continue
        for n, size in seals:
            if size < k:
                raise Failure(
                    f"{label} line {n}",
                    f"a sealed batch of round {round_id} lists {size} new commitment(s), fewer "
                    f"than the round's seal batch size K = {k}: so small a batch can point at "
                    "the people who voted in it (only a round sealed once in all may hold fewer)",
                )
    unchecked = sum(1 for r in batches if r not in k_of)
    return SealReport(checked, len(set(batches) & set(k_of)), unchecked)


@dataclass
class BallotsReport:
    round: int
    ballots: int
    sealed: int
    superseded: int
    rule: str
    selected: list[str]


def check_ballots(
    scan: LedgerScan, pb_path: str, result_path: str, round_option: int | None, label: str
) -> BallotsReport:
    result = _read_json(result_path, "result file")
    if not isinstance(result, dict):
        raise Failure(result_path, "the result must be a JSON object")
    round_id = _which_round(scan, result, round_option)
    try:
        with open(pb_path, "rb"):
            pass
    except OSError as exc:
        raise UsageError(f"cannot open {pb_path}: {exc.strerror or exc}") from None
    try:
        from ballots.tally import TallyError, read_pb, tally
    except ImportError as exc:
        raise UsageError(
            f"checking ballots needs the ballots.tally package from Community Chest ({exc})"
        ) from None

    # What the ledger sealed for this round, in order.
    sealed: dict[str, int] = {}
    superseded: dict[str, int] = {}
    for n, event in scan.notable:
        if event["kind"] != "ballots.sealed" or event.get("round") != round_id:
            continue
        for commitment in event["payload"].get("commitments", []):
            if commitment in sealed:
                raise Failure(
                    f"{label} line {n}",
                    f"commitment {commitment[:16]}… was already sealed on line "
                    f"{sealed[commitment]}",
                )
            sealed[commitment] = n
        for commitment in event["payload"].get("superseded", []):
            if commitment not in sealed:
                raise Failure(
                    f"{label} line {n}",
                    f"supersedes commitment {commitment[:16]}…, which was never sealed before",
                )
            superseded[commitment] = n
    expected = {c: n for c, n in sealed.items() if c not in superseded}

    try:
        instance, profile = read_pb(pb_path)
    except TallyError as exc:
        raise Failure(pb_path, str(exc)) from None
    published: Counter[str] = Counter()
    for ballot in profile.ballots:
        commitment = ballot_commitment(
            ballot.voter_id, profile.vote_type, _ballot_selection(ballot, profile.vote_type)
        )
        published[commitment] += 1
        if commitment not in expected:
            line = _pb_line(pb_path, ballot.voter_id)
            where = f"{pb_path} line {line}" if line else pb_path
            why = (
                "its commitment was superseded by a replacement ballot"
                if commitment in superseded
                else "it was added, or altered after it was sealed"
            )
            raise Failure(
                where,
                f"commitment mismatch: published ballot {ballot.voter_id[:12]}… matches no sealed "
                f"commitment of round {round_id} ({why})",
            )
        if published[commitment] > 1:
            raise Failure(pb_path, f"ballot {ballot.voter_id[:12]}… is published twice")
    for commitment, n in expected.items():
        if commitment not in published:
            raise Failure(
                f"{label} line {n}",
                f"commitment mismatch: commitment {commitment[:16]}… was sealed here but no "
                f"published ballot matches it (a ballot was dropped or altered)",
            )

    rule, sat = result.get("rule"), result.get("sat", "cost")
    if not isinstance(rule, str) or not isinstance(sat, str) or "selected" not in result:
        raise Failure(result_path, "the result must name its rule, sat and selected projects")
    try:
        rerun = tally(instance, profile, rule=rule, sat=sat, votes_needed=False).to_dict()
    except TallyError as exc:
        raise Failure(result_path, f"re-running {rule} failed: {exc}") from None
    if rerun["selected"] != result["selected"]:
        raise Failure(
            result_path,
            f"result differs: re-running {rule} ({sat}) on the published ballots selects "
            f"{_ids(rerun['selected'])}, but the published result says {_ids(result['selected'])}",
        )
    # Last, so that a ballot or result problem is named as such; this catches any other change.
    _check_published_digests(scan, round_id, pb_path, result_path, label)
    return BallotsReport(
        round_id, len(profile.ballots), len(sealed), len(superseded), rule, rerun["selected"]
    )


def _check_published_digests(
    scan: LedgerScan, round_id: int, pb_path: str, result_path: str, label: str
) -> None:
    """If the round's round.closed or result.published event names the files' SHA-256, they
    must match: closing records only these hashes (nothing about the result is public before
    publication), so the files published later are bound to what was counted at close."""
    for n, event in scan.notable:
        kind = event["kind"]
        if kind not in ("round.closed", "result.published") or event.get("round") != round_id:
            continue
        for key, path in (("ballots_sha256", pb_path), ("result_sha256", result_path)):
            expected = event["payload"].get(key)
            if not isinstance(expected, str):
                continue
            data = Path(path).read_bytes()
            actual = hashlib.sha256(data).hexdigest()
            if actual != expected and key == "result_sha256":
                # The result may be served pretty-printed: its compact sorted-key JSON counts.
                compact = json.dumps(json.loads(data), sort_keys=True, separators=(",", ":"))
                if hashlib.sha256(compact.encode("utf-8")).hexdigest() == expected:
                    continue
            if actual != expected:
                raise Failure(
                    f"{label} line {n}",
                    f"{Path(path).name} differs from the published file: its SHA-256 is "
                    f"{actual[:16]}…, but the {kind} event records {expected[:16]}…",
                )


def _ids(ids: Any) -> str:
    shown = [str(i) for i in ids] if isinstance(ids, list) else [repr(ids)]
    return "[" + ", ".join(shown[:20]) + (", …" if len(shown) > 20 else "") + "]"


def _which_round(scan: LedgerScan, result: dict[str, Any], option: int | None) -> int:
    """The round being checked: --round, else result.json's "round", else the per-round file's,
    else the only round the ledger sealed ballots for."""
    if option is not None:
        return option
    value = result.get("round")
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if scan.subset_round is not None:
        return scan.subset_round
    rounds = {e.get("round") for _, e in scan.notable if e["kind"] == "ballots.sealed"}
    if len(rounds) == 1:
        only = rounds.pop()
        if isinstance(only, int):
            return only
    raise UsageError("say which round the ballots belong to with --round ID")


# --- The command ------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m audit.verify",
        description="Verify a Community Chest ledger, its signed checkpoints and a round's result.",
    )
    parser.add_argument("ledger", help="the ledger (ledger.jsonl, or a round's ledger.jsonl)")
    parser.add_argument("--key", help="the server's public key: a PEM file or base64 raw key")
    parser.add_argument("--checkpoints", help="checkpoints.json as downloaded")
    parser.add_argument("--previous", help="an earlier copy of the same ledger")
    parser.add_argument("--ballots", help="the round's ballots.pb")
    parser.add_argument("--result", help="the round's result.json")
    parser.add_argument("--round", type=int, help="the round id, if result.json does not say")
    parser.add_argument(
        "--require-signed",
        action="store_true",
        help="fail unless the ledger ends at a signed checkpoint (needs --key)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="also check every event is canonical JSON (slower)"
    )
    parser.add_argument("--jobs", type=int, default=0, help="processes for hashing (default: auto)")
    parser.add_argument("--progress", action="store_true", help="show progress even if not a TTY")
    parser.add_argument("--no-progress", action="store_true", help="never show progress")
    return parser


def run(argv: Sequence[str] | None = None) -> tuple[int, str]:
    """Run the verifier; returns (exit status, message)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if (args.ballots is None) != (args.result is None):
        raise UsageError("--ballots and --result go together")
    if args.require_signed and args.key is None:
        raise UsageError("--require-signed needs --key")
    key = load_public_key(args.key) if args.key else None
    entries = _load_checkpoints(args.checkpoints) if args.checkpoints else []
    label = Path(args.ledger).name
    show = not args.no_progress and (args.progress or sys.stderr.isatty())
    try:
        scan = scan_ledger(
            args.ledger,
            label=label,
            wanted=frozenset(e["seq"] for e in entries),
            strict=args.strict,
            jobs=args.jobs,
            show_progress=show,
        )
    except Failure as failure:
        # Name the first bad line: an earlier copy may show a change before the chain breaks.
        if args.previous and failure.line is not None:
            try:
                check_previous(args.ledger, args.previous, label)
            except Failure as earlier:
                if earlier.line is not None and earlier.line < failure.line:
                    raise earlier from None
        raise
    lines: list[str] = []
    if scan.subset_round is None:
        span = f"seq 1–{scan.last_seq}" if scan.events else "empty"
        lines.append(f"OK {label}: {scan.events:,} events ({span}), chain intact")
    else:
        closed = "closed" if scan.subset_round in scan.closed_rounds else "NOT closed in this file"
        lines.append(
            f"OK {label}: {scan.events:,} events of round {scan.subset_round} ({closed}); "
            "each event's hash checked, links checked between consecutive events"
        )
    lines.append(f"  head: seq {scan.last_seq} hash {scan.last_hash}")

    if args.previous:
        older_lines = check_previous(args.ledger, args.previous, label)
        lines.append(
            f"  extends the earlier copy {args.previous} ({older_lines:,} lines) unchanged"
        )
    signed_events = check_checkpoint_events(scan, key, label)
    n_checkpoint_events = sum(1 for _, e in scan.notable if e["kind"] == "checkpoint.signed")
    if key is not None:
        lines.append(
            f"  {signed_events} checkpoint signature(s) in the ledger valid for key {key.id}"
        )
    elif n_checkpoint_events:
        lines.append(
            f"  {n_checkpoint_events} checkpoint signature(s) in the ledger NOT checked: "
            "pass --key (from /audit/key)"
        )
    if args.checkpoints:
        checked, outside = check_checkpoints_file(args.checkpoints, entries, scan, key)
        signed = "signed and " if key is not None else "(signatures NOT checked: no --key) "
        lines.append(
            f"  {checked} checkpoint(s) in {Path(args.checkpoints).name} {signed}"
            "matching the ledger" + (f"; {outside} outside this file" if outside else "")
        )
    if key is not None and scan.events:
        covered = _covered_through(scan, entries, key)
        if covered < scan.last_seq:
            first = covered + 1
            message = f"events {first}–{scan.last_seq} are not yet covered by a signed checkpoint"
            if args.require_signed:
                line = first + scan.header_lines if scan.subset_round is None else None
                raise Failure(f"{label} line {line}" if line else label, message)
            lines.append("  note: " + message)
    seals = check_seal_batches(scan, label)
    if seals.batches:
        lines.append(
            f"  {seals.batches:,} sealed batch(es) in {seals.rounds} round(s) hold at least "
            "their round's seal batch size"
        )
    if seals.unchecked:
        lines.append(
            f"  note: {seals.unchecked} round(s) sealed ballots without a recorded seal batch "
            "size (no round.settings_frozen event here): their batch sizes are NOT checked"
        )
    if args.ballots:
        report = check_ballots(scan, args.ballots, args.result, args.round, label)
        lines.append(
            f"  round {report.round}: {report.ballots:,} published ballots match the sealed "
            f"commitments ({report.sealed:,} sealed, {report.superseded:,} superseded)"
        )
        lines.append(
            f"  re-running {report.rule} selects the published {len(report.selected)} projects: "
            f"{_ids(report.selected)}"
        )
    return EXIT_OK, "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    try:
        status, message = run(argv)
    except Failure as failure:
        print(f"FAILED {failure.where}: {failure.reason}")
        return EXIT_BAD
    except UsageError as error:
        print(f"error: {error}", file=sys.stderr)
        return EXIT_USAGE
    print(message)
    return status


if __name__ == "__main__":
    sys.exit(main())
