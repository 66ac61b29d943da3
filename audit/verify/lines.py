"""Checking the lines of one byte range of the ledger, block by block: each line's form, hash,
link to the line before and sequence number. The events a later check reads are kept as raw
bytes (Chunk.notable) and parsed by scan. This is the hot loop: see _scan_lines before changing
anything here, and time it with bench/ledger.py."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from audit.canonical import EVENT_KEYS, GENESIS, LINE_PREFIX, canonical_bytes
from audit.verify.kinds import NOTABLE_KINDS, NOTABLE_PREFIXES

_MID = b',"hash":"'
_END = b'"}'
_MIN_LINE = len(LINE_PREFIX) + 2 + len(_MID) + 64 + len(_END)
GENESIS_BYTES = GENESIS.encode("ascii")
BLOCK = 8 << 20  # bytes read at a time
# Where a kind a later check reads may be named: one pass over a block (occurrences cannot
# overlap), about three times faster than a search for each prefix in turn.
_NOTABLE = re.compile(b'"kind":"(?:' + b"|".join(map(re.escape, NOTABLE_PREFIXES)) + b")")


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


def seq_problem(seq: int, last_seq: int, subset: bool) -> str | None:
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
        line_index, counted_to = 0, 0
        for pos in (found.start() for found in _NOTABLE.finditer(region)):
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
            problem = None if free_first else seq_problem(seq, last_seq, subset)
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
            block = f.read(min(BLOCK, remaining))
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
