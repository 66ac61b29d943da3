"""The command, `python -m audit.verify`: the arguments, the order the checks run in, the
summary printed on success and the exit status (the module docstring of audit.verify says
what is checked)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from audit import kinds
from audit.verify.checkpoints import (
    check_checkpoint_events,
    check_checkpoints_file,
    covered_through,
    load_checkpoints,
)
from audit.verify.decks import check_test_decks
from audit.verify.failures import EXIT_BAD, EXIT_OK, EXIT_USAGE, Failure, UsageError
from audit.verify.history import check_previous
from audit.verify.keys import KeySet, load_key_set, load_public_key, single_key
from audit.verify.recount import check_ballots, short_ids
from audit.verify.scan import scan_ledger
from audit.verify.seals import check_seal_batches

MAX_JOBS = 64  # each is a process with its own pipe: a large --jobs would exhaust the machine


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= value <= MAX_JOBS:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 (automatic) and {MAX_JOBS}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m audit.verify",
        description="Verify a Community Chest ledger, its signed checkpoints and a round's result.",
    )
    parser.add_argument("ledger", help="the ledger (ledger.jsonl, or a round's ledger.jsonl)")
    parser.add_argument("--key", help="the server's public key: a PEM file or base64 raw key")
    parser.add_argument(
        "--keys",
        help="the key set (/audit/keys: a file or its URL): every signing key with its validity "
        "period; each checkpoint is checked against the key valid at its time",
    )
    parser.add_argument("--checkpoints", help="checkpoints.json as downloaded")
    parser.add_argument("--previous", help="an earlier copy of the same ledger")
    parser.add_argument("--ballots", help="the round's ballots.pb")
    parser.add_argument("--result", help="the round's result.json")
    parser.add_argument("--round", type=int, help="the round id, if result.json does not say")
    parser.add_argument(
        "--require-signed",
        action="store_true",
        help="fail unless the ledger ends at a signed checkpoint (needs --key or --keys)",
    )
    parser.add_argument(
        "--strict", action="store_true", help="also check every event is canonical JSON (slower)"
    )
    parser.add_argument(
        "--jobs",
        type=_jobs,
        default=0,
        help=f"processes for hashing, 1 to {MAX_JOBS} (default 0: automatic)",
    )
    parser.add_argument("--progress", action="store_true", help="show progress even if not a TTY")
    parser.add_argument("--no-progress", action="store_true", help="never show progress")
    return parser


def run(argv: Sequence[str] | None = None) -> tuple[int, str]:
    """Run the verifier; returns (exit status, message)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if (args.ballots is None) != (args.result is None):
        raise UsageError("--ballots and --result go together")
    for option, value in (("--key", args.key), ("--keys", args.keys)):
        if value is not None and not value.strip():
            raise UsageError(f"{option} is empty: give a file, or leave the option out")
    if args.key and args.keys:
        raise UsageError("give --key (one key) or --keys (the key set), not both")
    if args.require_signed and args.key is None and args.keys is None:
        raise UsageError("--require-signed needs --key or --keys")
    key: KeySet | None = None
    if args.key:
        key = single_key(load_public_key(args.key))
    elif args.keys:
        key = load_key_set(args.keys)
    entries = load_checkpoints(args.checkpoints) if args.checkpoints else []
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
    n_checkpoint_events = sum(1 for _, e in scan.notable if e["kind"] == kinds.CHECKPOINT_SIGNED)
    if key is not None:
        lines.append(
            f"  {signed_events} checkpoint signature(s) in the ledger valid for {key.describe()}"
        )
    elif n_checkpoint_events:
        lines.append(
            f"  {n_checkpoint_events} checkpoint signature(s) in the ledger NOT checked: "
            "pass --keys (from /audit/keys) or --key (from /audit/key)"
        )
    if args.checkpoints:
        checked, outside = check_checkpoints_file(args.checkpoints, entries, scan, key)
        signed = "signed and " if key is not None else "(signatures NOT checked: no --key/--keys) "
        lines.append(
            f"  {checked} checkpoint(s) in {Path(args.checkpoints).name} {signed}"
            "matching the ledger" + (f"; {outside} outside this file" if outside else "")
        )
    if key is not None and scan.events:
        covered = covered_through(scan, entries, key)
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
    decks = check_test_decks(scan, label)
    if decks.decks:
        recounted = (
            f"{decks.recounted} passed deck(s) re-counted to the recorded selection"
            if decks.recounted
            else "NOT re-counted (ballots.tally is not installed)"
        )
        lines.append(
            f"  {decks.decks} test count deck(s) match their recorded SHA-256; {recounted}"
            + (f"; {decks.failed} test count(s) recorded as failed" if decks.failed else "")
        )
    if args.ballots:
        report = check_ballots(scan, args.ballots, args.result, args.round, label)
        lines.append(
            f"  round {report.round}: {report.ballots:,} published ballots match the sealed "
            f"commitments ({report.sealed:,} sealed, {report.superseded:,} superseded)"
        )
        lines.append(
            f"  re-running {report.rule} selects the published {len(report.selected)} projects: "
            f"{short_ids(report.selected)}"
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
