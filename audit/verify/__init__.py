"""Verify a Community Chest ledger on your own machine, trusting nothing the server says.

    python -m audit.verify LEDGER.jsonl [--key KEY | --keys KEYS.json|URL] [--checkpoints FILE]
                           [--previous OLDER.jsonl]
                           [--ballots ROUND.pb --result RESULT.json [--round ID]]

Standard library only, plus `cryptography` for signatures (--key/--keys) and `ballots.tally` to
re-run a round's rule (--ballots). Django is never imported.

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
  signature is checked; with --keys (the key set /audit/keys publishes, a file or its URL) each
  signature is checked against the key valid at the checkpoint's time, so a ledger signed across
  a key rotation verifies and a key used outside its validity period fails; --checkpoints checks
  the signed checkpoints file against the ledger, so a ledger cut short or rewritten after a
  checkpoint is caught;
- --previous checks that this ledger extends an earlier copy byte for byte;
- every `ballots.sealed` event of a round lists at least K new commitments, K being the seal batch
  size its `round.settings_frozen` event names, unless it is the round's only one (a round with
  fewer than K ballots in all is sealed once, at close);
- every round's events follow its phases in order (check_phase_order): draft -> proposals -> review
  -> voting -> closed -> published, one step at a time and never back; proposals are submitted in
  the proposals phase and reviewed in review; ballots and paper batches only while voting;
  ballots are sealed while voting or by the close itself, never after round.closed; round.closed
  comes once, after voting, and result.published only after it; round.cancelled (before close)
  ends a round, and nothing bound to a phase follows it;
- every test count (round.test_count_passed/failed) carries its deck, a Pabulib file hashing to
  the recorded deck_sha256; where ballots.tally is installed, each passed deck is counted again
  with the recorded rule and must select exactly the recorded (and expected) projects;
- --ballots/--result check that the published ballots' commitments are exactly the sealed ones
  minus the superseded ones, that re-running the round's rule selects the published projects, and
  that the files match the hashes recorded at close (round.closed) and at publication.

Only the fields a check needs are parsed; --strict also parses every event and checks it is
canonical JSON with exactly the ledger's keys (several times slower).

The modules, by job (a run goes cli -> scan -> the other checks):
- cli: arguments, the order of the checks, the summary and the exit status (__main__ runs it);
- scan: scan_ledger, the chain of the whole file, using parallel (byte ranges in one or more
  processes, the progress bar) and lines (the per-line checks of one range, the hot loop);
- kinds: which event kinds are read, and in which phases each may happen;
- history: the phase order of every round, and --previous;
- keys: --key and --keys; checkpoints: checkpoint.signed events, --checkpoints, --require-signed;
- seals: sealed batch sizes; decks: the test counts' decks;
- recount: --ballots/--result, re-running the rule;
- failures: Failure (exit 1) and UsageError (exit 2).
What other code imports is re-exported here, so `from audit.verify import main` keeps working.
"""

from __future__ import annotations

from audit.verify.checkpoints import check_checkpoint_events, check_checkpoints_file
from audit.verify.cli import build_parser, main, run
from audit.verify.failures import EXIT_BAD, EXIT_OK, EXIT_USAGE, Failure, UsageError
from audit.verify.history import check_phase_order, check_previous
from audit.verify.keys import PublicKey, load_public_key
from audit.verify.kinds import NOTABLE_KINDS, PHASE_KINDS, PHASES
from audit.verify.lines import Chunk, scan_range
from audit.verify.parallel import Progress
from audit.verify.recount import BallotsReport, check_ballots
from audit.verify.scan import LedgerScan, scan_ledger
from audit.verify.seals import SealReport, check_seal_batches

__all__ = [
    "EXIT_BAD",
    "EXIT_OK",
    "EXIT_USAGE",
    "NOTABLE_KINDS",
    "PHASES",
    "PHASE_KINDS",
    "BallotsReport",
    "Chunk",
    "Failure",
    "LedgerScan",
    "Progress",
    "PublicKey",
    "SealReport",
    "UsageError",
    "build_parser",
    "check_ballots",
    "check_checkpoint_events",
    "check_checkpoints_file",
    "check_phase_order",
    "check_previous",
    "check_seal_batches",
    "load_public_key",
    "main",
    "run",
    "scan_ledger",
    "scan_range",
]
