"""Signed checkpoints: the signatures carried by checkpoint.signed events in the ledger, the
checkpoints file (--checkpoints) against the ledger's hashes, and the last event a checked
signature vouches for (--require-signed)."""

from __future__ import annotations

from typing import Any

from audit import kinds
from audit.canonical import GENESIS, checkpoint_message
from audit.verify.failures import Failure, read_json
from audit.verify.keys import KeySet
from audit.verify.scan import LedgerScan


def check_checkpoint_events(scan: LedgerScan, keys: KeySet | None, label: str) -> int:
    """Check the signatures carried by checkpoint.signed events, each against the key valid at
    the event's time. Returns how many were checked."""
    checked = 0
    for n, event in scan.notable:
        if event["kind"] != kinds.CHECKPOINT_SIGNED:
            continue
        payload = event["payload"]
        if keys is None:
            continue
        problem = keys.check(
            payload["key_id"],
            event.get("at"),
            payload["signature"],
            checkpoint_message(payload["seq"], payload["hash"]),
        )
        if problem == "bad signature":
            problem = f"bad signature on the checkpoint of seq {payload['seq']}"
        if problem:
            raise Failure(f"{label} line {n}", problem)
        checked += 1
    return checked


def check_checkpoints_file(
    path: str, entries: list[dict[str, Any]], scan: LedgerScan, keys: KeySet | None
) -> tuple[int, int]:
    """Check each signed checkpoint against the ledger. Returns (checked, outside the file)."""
    checked = outside = 0
    for index, entry in enumerate(entries, start=1):
        where = f"{path} checkpoint {index}"
        seq, digest = entry["seq"], entry["hash"]
        where += f" (seq {seq})"
        if keys is not None:
            at = entry.get("created_at")
            problem = keys.check(
                entry["key_id"],
                at if isinstance(at, str) else None,
                entry["signature"],
                checkpoint_message(seq, digest),
            )
            if problem:
                raise Failure(where, problem)
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


def covered_through(scan: LedgerScan, entries: list[dict[str, Any]], keys: KeySet) -> int:
    """The last seq that a checked signature vouches for (a checkpoint.signed event carries the
    signature of the event before it, and is itself vouched for by the signature it carries)."""
    covered = 0
    for _, event in scan.notable:
        if event["kind"] == kinds.CHECKPOINT_SIGNED:
            covered = max(covered, event["seq"])
    for entry in entries:
        if entry["key_id"] in keys.ids and entry["seq"] <= scan.last_seq:
            covered = max(covered, entry["seq"])
    return covered


def load_checkpoints(path: str) -> list[dict[str, Any]]:
    data = read_json(path, "checkpoints file")
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
