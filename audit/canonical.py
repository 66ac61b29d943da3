"""The canonical encoding of ledger events: the exact bytes that are hashed.

Pure standard library: shared by the app (which writes events) and the verifier (which checks
them on an auditor's machine).

An event body is a JSON object with exactly these keys: seq, kind, ward, round, actor, at,
payload, prev. It is encoded with keys sorted, no whitespace (separators "," and ":"), and every
non-ASCII character escaped (\\uXXXX), as UTF-8, which is then plain ASCII. Its hash is the
lower-case hex SHA-256 of those bytes. A ledger line is

    {"event":<body bytes>,"hash":"<64 hex digits>"}

followed by a newline, so the body's bytes can be sliced from the line and hashed as they are.
The first event's prev is 64 zeros.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

GENESIS = "0" * 64
LINE_PREFIX = b'{"event":'
LINE_SUFFIX_LEN = len(b',"hash":"') + 64 + len(b'"}')
EVENT_KEYS = ("actor", "at", "kind", "payload", "prev", "round", "seq", "ward")


def canonical_bytes(obj: Any) -> bytes:
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")


def event_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def ledger_line(body: bytes, digest: str) -> bytes:
    return LINE_PREFIX + body + b',"hash":"' + digest.encode("ascii") + b'"}\n'


def canonical_ballot(vote_type: str, selection: Any) -> str:
    """A ballot's contents as one string, the same whether built by the app or from ballots.pb.

    approval: project ids sorted as text, comma-separated; cumulative/scoring: "id:points" for
    every project given points, sorted by id as text; ordinal: ids in the voter's order.
    """
    if vote_type == "approval":
        return ",".join(sorted(str(p) for p in selection))
    if vote_type in {"cumulative", "scoring"}:
        items = selection.items() if hasattr(selection, "items") else selection
        return ",".join(
            f"{pid}:{int(pts)}" for pid, pts in sorted((str(p), n) for p, n in items) if int(pts)
        )
    if vote_type == "ordinal":
        return ",".join(str(p) for p in selection)
    raise ValueError(f"unknown vote type {vote_type!r}")


def ballot_commitment(receipt: str, vote_type: str, selection: Any) -> str:
    """SHA-256 over the receipt and the canonical ballot.

    The receipt is secret and unguessable, so the commitment reveals nothing about the vote until
    the ballots are published with their receipts as voter ids.
    """
    canonical = canonical_ballot(vote_type, selection)
    text = f"community-chest-ballot-v1\n{receipt}\n{vote_type}\n{canonical}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- Checkpoints -------------------------------------------------------------------------------
# A checkpoint is an Ed25519 signature over these ASCII bytes (no trailing newline):
#
#     community-chest-checkpoint-v1\n<seq in decimal>\n<hash, 64 lower-case hex digits>
#
# and a key's id is the first 16 hex digits of SHA-256 over its raw 32-byte public key.
CHECKPOINT_DOMAIN = "community-chest-checkpoint-v1"


def checkpoint_message(seq: int, digest: str) -> bytes:
    return f"{CHECKPOINT_DOMAIN}\n{int(seq)}\n{digest}".encode("ascii")


def key_id(raw_public_key: bytes) -> str:
    return hashlib.sha256(raw_public_key).hexdigest()[:16]


KEYS_FORMAT = "community-chest-keys-v1"


def key_fingerprint(raw_public_key: bytes) -> str:
    """The whole SHA-256 of the raw public key in groups of four hex digits, to print in a
    newspaper notice or on the council's site; its first 16 digits are the key id."""
    digest = hashlib.sha256(raw_public_key).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, 64, 4))


# --- Per-round exports ------------------------------------------------------------------------
# A per-round ledger file starts with one header line, then the round's events as ledger lines:
#
#     {"ledger_subset":{"format":"community-chest-ledger-v1","round":<id>}}
#
SUBSET_HEADER_KEY = "ledger_subset"
LEDGER_FORMAT = "community-chest-ledger-v1"


def subset_header(round_id: int) -> bytes:
    header = {SUBSET_HEADER_KEY: {"format": LEDGER_FORMAT, "round": int(round_id)}}
    return canonical_bytes(header) + b"\n"
