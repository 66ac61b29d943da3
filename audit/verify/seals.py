"""Sealed batches: no ballots.sealed event of a round lists fewer than the round's seal batch
size K (frozen in its round.settings_frozen event), unless it is the round's only one."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from audit import kinds
from audit.verify.failures import Failure
from audit.verify.scan import LedgerScan


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
        if event["kind"] == kinds.ROUND_SETTINGS_FROZEN:
            settings = payload.get("settings")
            k = settings.get("seal_batch_size") if isinstance(settings, dict) else None
            if isinstance(k, int) and not isinstance(k, bool) and event["round"] not in k_of:
                k_of[event["round"]] = k
        elif event["kind"] == kinds.BALLOTS_SEALED:
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
