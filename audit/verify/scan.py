"""scan_ledger, the first step of every run: the whole file's chain checked (a full ledger or a
round's subset with its header line), the byte ranges joined (line numbers made global and the
link between ranges checked), and the events the other checks read parsed and checked for shape,
into a LedgerScan. The phase order (history.check_phase_order) is checked here too, so the first
bad line is named whichever check finds it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from audit import kinds
from audit.canonical import SUBSET_HEADER_KEY
from audit.verify.failures import Failure, UsageError, parse_json
from audit.verify.history import check_phase_order
from audit.verify.kinds import NOTABLE_KINDS
from audit.verify.lines import GENESIS_BYTES, seq_problem
from audit.verify.parallel import PARALLEL_FROM, Progress, line_starts, run_chunks


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


def _read_header(path: str) -> tuple[int, int | None]:
    """(bytes taken by a per-round header line, the round) or (0, None) for a full ledger."""
    with open(path, "rb") as f:
        first = f.readline(4096)
    if not first.startswith(b'{"' + SUBSET_HEADER_KEY.encode() + b'"'):
        return 0, None
    try:
        header = parse_json(first)[SUBSET_HEADER_KEY]
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
        jobs = 2 if size >= PARALLEL_FROM and (os.cpu_count() or 1) >= 2 else 1
    offsets = line_starts(path, size, jobs, header_len) if jobs > 1 else [header_len, size]
    bar = Progress(f"verifying {label}", size - header_len, show_progress)
    chunks = run_chunks(path, offsets, wanted, subset_round, strict, bar)

    # Join the chunks: line numbers become global and each chunk's first link is checked.
    problems: list[tuple[int, str]] = []
    line0 = header_lines
    last_seq, last_hash = 0, GENESIS_BYTES
    events = 0
    first_seq: int | None = None
    hashes: dict[int, bytes] = {}
    notable_raw: list[tuple[int, bytes]] = []
    for chunk in chunks:
        if chunk.first is not None:
            seq, prev = chunk.first
            problem = seq_problem(seq, last_seq, subset_round is not None)
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
            event = parse_json(body)
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
        if event["kind"] == kinds.ROUND_CLOSED and isinstance(event.get("round"), int):
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


def _notable_problem(event: dict[str, Any]) -> str | None:
    kind, payload = event.get("kind"), event.get("payload")
    if not isinstance(payload, dict):
        return f"the {kind} event has no payload object"
    if kind == kinds.CHECKPOINT_SIGNED:
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
    elif kind == kinds.BALLOTS_SEALED:
        for name in ("commitments", "superseded"):
            values = payload.get(name, [])
            if not isinstance(values, list) or not all(
                isinstance(v, str) and len(v) == 64 for v in values
            ):
                return f"the ballots.sealed event's {name} must be a list of 64-digit hex hashes"
    return None
