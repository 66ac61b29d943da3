"""The verifier's fast path over a long ledger agrees with the careful line-by-line check: every
kind of damage deep in the file is found and named on its own line, as the careful loop names
it, unusual but valid lines still pass, and every event of a kind a later check reads is kept."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from audit.canonical import GENESIS, canonical_bytes, ledger_line
from audit.verify import lines

EVENTS = 1553
DAMAGED = 1029  # 1-based


def _events(n: int) -> list[dict[str, Any]]:
    return [
        {
            "seq": seq,
            "kind": "round.updated" if seq % 97 == 0 else "code.revoked",
            "ward": "sparkbrook",
            "round": 1 if seq % 7 else None,
            "actor": {"role": "councillor", "id": f"{seq:020x}"},
            "at": "2026-11-24T23:41:33Z",
            # A payload may hold its own "prev", "seq" and "hash" keys: only the top-level
            # ones count.
            "payload": (
                {"prev": "x", "seq": 0, "hash": "y", "kind": "round.z"}
                if seq % 11 == 0
                else {"n": seq}
            ),
            "prev": "",
        }
        for seq in range(1, n + 1)
    ]


def _write(path: Path, events: list[dict[str, Any]], *, relink: bool = True) -> Path:
    prev = GENESIS
    out = []
    for event in events:
        if relink:
            event["prev"] = prev
        body = canonical_bytes(event)
        prev = hashlib.sha256(body).hexdigest()
        out.append(ledger_line(body, prev))
    path.write_bytes(b"".join(out))
    return path


def _scan(path: Path) -> lines.Chunk:
    return lines.scan_range(
        str(path), 0, path.stat().st_size, first_seq=0, first_hash=lines.GENESIS_BYTES
    )


def _careful(path: Path) -> lines.Chunk:
    chunk = lines.Chunk()
    state: list[Any] = [0, 0, lines.GENESIS_BYTES]
    raw = path.read_bytes().split(b"\n")[:-1]
    lines._scan_lines_checked(raw, chunk, state, frozenset(), None, False)
    return chunk


def test_a_long_clean_ledger_passes_and_keeps_every_event_a_check_reads(tmp_path: Path) -> None:
    path = _write(tmp_path / "ledger.jsonl", _events(EVENTS))
    split = path.read_bytes().split(b"\n")[:-1]
    chunk = _scan(path)
    assert chunk.error is None and chunk.lines == EVENTS
    assert chunk.last == (EVENTS, split[-1][-66:-2])
    # round.* kinds are read by the phase-order check; a payload's own "kind" key makes a
    # candidate too (dropped once parsed), as the careful loop would not: the same lines or more.
    kept = {n for n, _ in chunk.notable}
    assert {seq for seq in range(1, EVENTS + 1) if seq % 97 == 0} <= kept
    assert kept <= {seq for seq in range(1, EVENTS + 1) if seq % 97 == 0 or seq % 11 == 0}


def _renumbered(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    events[DAMAGED - 1]["seq"] = DAMAGED + 1
    return events


def _altered(path: Path) -> None:
    raw = path.read_bytes().split(b"\n")
    raw[DAMAGED - 1] = raw[DAMAGED - 1].replace(b'"code.revoked"', b'"code.REVOKED"')
    path.write_bytes(b"\n".join(raw))


def _unlinked(path: Path) -> None:
    raw = path.read_bytes().split(b"\n")
    line = raw[DAMAGED - 1]
    body = line[9:-75]
    p = body.rfind(b',"prev":"') + 9
    body = body[:p] + b"f" * 64 + body[p + 64 :]
    raw[DAMAGED - 1] = ledger_line(body, hashlib.sha256(body).hexdigest()).rstrip(b"\n")
    path.write_bytes(b"\n".join(raw))


def _no_hash_key(path: Path) -> None:
    raw = path.read_bytes().split(b"\n")
    raw[DAMAGED - 1] = raw[DAMAGED - 1].replace(b',"hash":"', b',"hush":"')
    path.write_bytes(b"\n".join(raw))


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        ("altered", "hash mismatch"),
        ("renumbered", f"missing sequence number {DAMAGED}"),
        ("unlinked", "broken link"),
        ("no_hash_key", "not a ledger line"),
    ],
)
def test_damage_in_a_later_batch_is_named_on_its_line(
    tmp_path: Path, damage: str, words: str
) -> None:
    events = _events(EVENTS)
    path = _write(
        tmp_path / "ledger.jsonl", _renumbered(events) if damage == "renumbered" else events
    )
    if damage == "altered":
        _altered(path)
    elif damage == "unlinked":
        _unlinked(path)
    elif damage == "no_hash_key":
        _no_hash_key(path)
    chunk = _scan(path)
    assert chunk.error is not None
    line, reason = chunk.error
    assert line == DAMAGED and words in reason
    assert _careful(path).error == chunk.error


def test_unusual_but_valid_lines_pass_as_the_careful_loop_passes_them(tmp_path: Path) -> None:
    # A ward with an escaped letter, and payloads that mimic the end of an event: the block
    # check does not take them, the careful loop does, and the verdict is the same.
    events = _events(EVENTS)
    events[DAMAGED - 1]["ward"] = "caf\u00e9-quarter"
    for seq in range(5, EVENTS, 13):
        events[seq - 1]["payload"] = {
            "a": 1,
            "prev": "0" * 64,
            "round": 1,
            "seq": seq,
            "ward": "sparkbrook",
        }
    path = _write(tmp_path / "ledger.jsonl", events)
    chunk = _scan(path)
    assert chunk.error is None and chunk.lines == EVENTS
    assert chunk.last == _careful(path).last


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ((b'"}', b'"}ab'), "not valid JSON"),  # bytes after the hash
        ((b'"ward":"sparkbrook"', b'"ward":"spark\\nbrook"'), "hash mismatch"),
        ((b'"ward":"sparkbrook"}', b'"ward":"sparkbrook","x":1}'), "hash mismatch"),
    ],
)
def test_a_line_the_block_check_refuses_is_named_as_the_careful_loop_names_it(
    tmp_path: Path, change: tuple[bytes, bytes], words: str
) -> None:
    path = _write(tmp_path / "ledger.jsonl", _events(EVENTS))
    raw = path.read_bytes().split(b"\n")
    old, new = change
    head, sep, tail = raw[DAMAGED - 1].rpartition(old)
    assert sep
    raw[DAMAGED - 1] = head + new + tail
    path.write_bytes(b"\n".join(raw))
    chunk = _scan(path)
    assert chunk.error is not None
    line, reason = chunk.error
    assert line == DAMAGED and words in reason
    assert _careful(path).error == chunk.error


def _rehashed(path: Path, old: bytes, new: bytes) -> None:
    """Replace `old` by `new` in the damaged event's body and store the body's new hash, so only
    the event's form can give the tampering away."""
    raw = path.read_bytes().split(b"\n")
    line = raw[DAMAGED - 1]
    body = line[9:-75].replace(old, new)
    assert body != line[9:-75]
    raw[DAMAGED - 1] = ledger_line(body, hashlib.sha256(body).hexdigest()).rstrip(b"\n")
    path.write_bytes(b"\n".join(raw))


def test_a_second_seq_after_the_round_is_refused_even_when_rehashed(tmp_path: Path) -> None:
    # The careful loop reads the first "seq" after the round: the block check must not take the
    # second one for the event's number.
    path = _write(tmp_path / "ledger.jsonl", _events(EVENTS))
    _rehashed(path, b',"seq":', b',"seq":1,"seq":')
    chunk = _scan(path)
    assert chunk.error is not None and chunk.error[0] == DAMAGED
    assert "not in canonical form" in chunk.error[1]
    assert _careful(path).error == chunk.error


def test_an_event_longer_than_a_block_is_read_whole(tmp_path: Path) -> None:
    events = _events(EVENTS)
    events[DAMAGED - 2]["payload"] = {"commitments": ["ab" * 32] * (3 * lines.BLOCK // 64)}
    path = _write(tmp_path / "ledger.jsonl", _renumbered(events))
    chunk = _scan(path)
    assert chunk.error is not None
    assert chunk.error[0] == DAMAGED and "missing sequence number" in chunk.error[1]
    assert _careful(path).error == chunk.error


def test_a_seq_too_long_for_a_number_is_named_not_a_crash(tmp_path: Path) -> None:
    # Python refuses to read an integer of more than 4,300 digits (int() raises): a ledger
    # holding one must get a verdict on its line, as any other non-canonical event does.
    path = _write(tmp_path / "ledger.jsonl", _events(EVENTS))
    _rehashed(path, f',"seq":{DAMAGED},'.encode(), b',"seq":' + b"9" * 5000 + b",")
    chunk = _scan(path)
    assert chunk.error is not None and chunk.error[0] == DAMAGED
    assert "not in canonical form" in chunk.error[1]
    assert _careful(path).error == chunk.error
