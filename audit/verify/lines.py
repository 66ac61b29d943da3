"""Checking the lines of one byte range of the ledger, block by block: each line's form, hash,
link to the line before and sequence number. The events a later check reads are kept as raw
bytes (Chunk.notable) and parsed by scan. This is the hot loop: see _bulk_check before changing
anything here, and time it with bench/ledger.py."""

from __future__ import annotations

import gc
import hashlib
import re
from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import chain, repeat
from operator import eq
from typing import Any

from audit.canonical import EVENT_KEYS, GENESIS, LINE_PREFIX, canonical_bytes
from audit.verify.failures import parse_json
from audit.verify.kinds import NOTABLE_KINDS, NOTABLE_PREFIXES

_MID = b',"hash":"'
_END = b'"}'
_MIN_LINE = len(LINE_PREFIX) + 2 + len(_MID) + 64 + len(_END)
_BODY = slice(len(LINE_PREFIX), -(len(_MID) + 64 + len(_END)))  # a line's event bytes
_HASH_DIGEST = type(hashlib.sha256()).digest
GENESIS_BYTES = GENESIS.encode("ascii")
BLOCK = 128 << 10  # bytes read at a time: small enough for the per-line objects to stay in cache
# Where a kind a later check reads may be named: one pass over a block (occurrences cannot
# overlap), about three times faster than a search for each prefix in turn. The pattern starts
# at the k of "kind", a rare letter in the ledger's JSON, so the search skips ahead quickly (a
# quote would stop it every few bytes); any extra candidate is dropped once parsed.
_NOTABLE = re.compile(b'kind":"(?:' + b"|".join(map(re.escape, NOTABLE_PREFIXES)) + b")")
# The end of a well-formed line, from its top-level prev to the newline, and the start of the
# next line: (prev, seq, stored hash). A canonical event ends with prev, round, seq, ward.
_TAIL = re.compile(
    rb',"prev":"(.{64})","round":(?:\d+|null),"seq":(\d+),"ward":"[^"\\\n]*"\}'
    rb',"hash":"(.{64})"\}\n(?:\{"event":|\Z)'
)


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
        parse_json(line)
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


def _scan_block(
    data: bytes,
    cut: int,
    lines: list[bytes],
    chunk: Chunk,
    state: list[Any],
    wanted: frozenset[int],
    subset_round: int | None,
    strict: bool,
    ordered: list[int],
) -> bool:
    """Check `lines`, the lines of data[:cut], continuing from `state` = [line number, last seq,
    last hash]. A full ledger's well-formed block takes `_bulk_check`; anything else (a per-round
    file, --strict, a worker's first line, a block where any line is unusual or wrong) goes
    through `_scan_lines_checked`, which names what is wrong or accepts an unusual valid line."""
    if subset_round is not None or strict:
        return _scan_lines_checked(lines, chunk, state, wanted, subset_round, strict)
    pos = 0
    if state[1] < 0 and lines:  # a worker's first line: linked when the chunks are joined
        if not _scan_lines_checked(lines[:1], chunk, state, wanted, None, False):
            return False
        pos = len(lines[0]) + 1
        lines = lines[1:]
    if not lines or _bulk_check(data, pos, cut, lines, chunk, state, ordered):
        return True
    return _scan_lines_checked(lines, chunk, state, wanted, None, False)


def _bulk_check(
    data: bytes,
    pos: int,
    cut: int,
    lines: list[bytes],
    chunk: Chunk,
    state: list[Any],
    ordered: list[int],
) -> bool:
    """Every check `_scan_lines_checked` makes on a full ledger's lines data[pos:cut] (`lines`),
    made on the whole block at once with no Python code per event: True when every line passes
    (`chunk` and `state` updated), False, with nothing changed, when any line needs the careful
    loop.

    One regular-expression pass finds each line's tail (_TAIL: its top-level prev, seq and
    stored hash, and the start of the next line); the bodies are hashed as stored, in C loops
    (map); then three comparisons of joined bytes check every line at once: the stored hashes
    against the computed ones, the prev fields against the hashes shifted by one line, the
    sequence numbers against a count. Each match ends at its own line's end, so exactly one
    match per line means each line was matched; its prev is the line's last one, since what
    follows it (digits, null, a quote-free ward) holds no other, and the prev itself must equal
    a hex hash.
    """
    n0, seq0, last_hash = state
    count = len(lines)
    if not data.startswith(LINE_PREFIX, pos):
        return False
    found = _TAIL.findall(data, pos, cut)
    if len(found) != count:
        return False
    fields = list(chain.from_iterable(found))  # prev, seq, hash, prev, seq, hash, ...
    digests = map(_HASH_DIGEST, map(hashlib.sha256, map(bytes.__getitem__, lines, repeat(_BODY))))
    hexes = b"".join(digests).hex().encode("ascii")
    if (
        b"".join(fields[2::3]) != hexes
        or b"".join(fields[0::3]) != last_hash + hexes[:-64]
        or not all(map(eq, map(int, fields[1::3]), range(seq0 + 1, seq0 + count + 1)))
    ):
        return False
    if chunk.first is None:
        chunk.first = (seq0 + 1, last_hash)
    for seq in ordered[bisect_right(ordered, seq0) : bisect_right(ordered, seq0 + count)]:
        k = 64 * (seq - seq0 - 1)
        chunk.hashes[seq] = hexes[k : k + 64]
    # Search the block, not each line: a candidate whose kind only appears inside its payload
    # is dropped once parsed.
    line_index, counted_to = 0, pos
    for found_kind in _NOTABLE.finditer(data, pos, cut):
        at = found_kind.start()
        line_index += data.count(b"\n", counted_to, at)
        counted_to = at
        if not chunk.notable or chunk.notable[-1][0] != n0 + line_index + 1:
            chunk.notable.append((n0 + line_index + 1, lines[line_index][9:-75]))
    last_seq, last_hash = seq0 + count, hexes[-64:]
    state[0], state[1], state[2] = n0 + count, last_seq, last_hash
    chunk.lines = n0 + count
    chunk.last = (last_seq, last_hash)
    return True


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
            or len(digits) > 19  # no event number has more digits than a 64-bit sequence
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
        obj = parse_json(body)
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
    pos, size = start, BLOCK
    ordered = sorted(wanted)
    collecting = gc.isenabled()
    gc.disable()  # the loop makes no reference cycles: collections would only cost time
    try:
        with open(path, "rb") as f:
            while pos < end:
                # Read from the start of the next line (no partial line carried over and copied).
                f.seek(pos)
                data = f.read(min(size, end - pos))
                cut = data.rfind(b"\n") + 1
                if not cut:
                    if not data or pos + len(data) >= end:
                        break  # the range ends without a newline
                    size *= 2  # a line longer than a block
                    continue
                size = BLOCK
                lines = data.split(b"\n")
                lines.pop()  # what follows the last newline: read again with the next block
                pos += cut
                if progress is not None:
                    progress(cut)
                if not _scan_block(
                    data, cut, lines, chunk, state, wanted, subset_round, strict, ordered
                ):
                    return chunk
    finally:
        if collecting:
            gc.enable()
    if pos < end:
        if is_last:
            chunk.lines = state[0] + 1
            chunk.error = (chunk.lines, "the last line does not end with a newline (cut short?)")
        else:  # pragma: no cover - chunk ends are always placed after a newline
            chunk.error = (state[0] + 1, "internal error: chunk does not end at a line end")
    return chunk
