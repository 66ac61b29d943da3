"""A round's published ballots.pb and result.json (--ballots/--result): the ballots' commitments
are exactly the sealed ones minus the superseded ones, re-running the round's rule with
ballots.tally (imported only here, only then) selects the published projects, and the files match
the SHA-256 recorded in round.closed and result.published."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit import kinds
from audit.canonical import ballot_commitment
from audit.verify.failures import Failure, UsageError, parse_json, read_json
from audit.verify.scan import LedgerScan


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
    result = read_json(result_path, "result file")
    if not isinstance(result, dict):
        raise Failure(result_path, "the result must be a JSON object")
    round_id = _which_round(scan, result, round_option)
    if not any(event.get("round") == round_id for _, event in scan.notable):
        # A wrong round id is the auditor's typo or the result's own error, not tampering with
        # the ballots: say so before comparing them with another round's (empty) commitments.
        message = f"round {round_id} has no events in {label}"
        if round_option is not None:
            raise UsageError(f"{message}: check --round")
        raise Failure(result_path, f"{message}, but the result names it")
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
        if event["kind"] != kinds.BALLOTS_SEALED or event.get("round") != round_id:
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
            f"{short_ids(rerun['selected'])}, but the published result says "
            f"{short_ids(result['selected'])}",
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
        if (
            kind not in (kinds.ROUND_CLOSED, kinds.RESULT_PUBLISHED)
            or event.get("round") != round_id
        ):
            continue
        for key, path in (("ballots_sha256", pb_path), ("result_sha256", result_path)):
            expected = event["payload"].get(key)
            if not isinstance(expected, str):
                continue
            data = Path(path).read_bytes()
            actual = hashlib.sha256(data).hexdigest()
            if actual != expected and key == "result_sha256":
                # The result may be served pretty-printed: its compact sorted-key JSON counts.
                compact = json.dumps(parse_json(data), sort_keys=True, separators=(",", ":"))
                if hashlib.sha256(compact.encode("utf-8")).hexdigest() == expected:
                    continue
            if actual != expected:
                raise Failure(
                    f"{label} line {n}",
                    f"{Path(path).name} differs from the published file: its SHA-256 is "
                    f"{actual[:16]}…, but the {kind} event records {expected[:16]}…",
                )


def recount_deck(deck: str, rule: Any, sat: Any) -> list[str] | None:
    """A test count's deck (Pabulib text) counted again: the selected ids sorted as text, or None
    when ballots.tally is not installed. Raises Failure's reason as ValueError if it cannot run."""
    try:
        from ballots.tally import TallyError, read_pb, tally
    except ImportError:
        return None
    try:
        instance, profile = read_pb(deck)
        outcome = tally(instance, profile, rule=rule, sat=sat, votes_needed=False, workers=1)
    except (TallyError, TypeError) as exc:
        raise ValueError(str(exc)) from None
    return sorted(outcome.selected)


def short_ids(ids: Any) -> str:
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
    rounds = {e.get("round") for _, e in scan.notable if e["kind"] == kinds.BALLOTS_SEALED}
    if len(rounds) == 1:
        only = rounds.pop()
        if isinstance(only, int):
            return only
    raise UsageError("say which round the ballots belong to with --round ID")
