"""Fixtures for the audit tests: a signing key, a demo round recorded in the ledger, exports."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client

import audit
from audit.canonical import ballot_commitment

_SESSION_KEY = Ed25519PrivateKey.generate()


def raw_private(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(
        key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
    ).decode()


def public_pem(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture(autouse=True)
def signing_key(settings: Any) -> Ed25519PrivateKey:
    """Every audit test signs with one known key, given the way production gives it (the
    AUDIT_SIGNING_KEY setting, which config/settings.py reads from the environment)."""
    settings.AUDIT_SIGNING_KEY = raw_private(_SESSION_KEY)
    settings.AUDIT_SIGNING_KEY_FILE = ""
    return _SESSION_KEY


COUNCILLOR = audit.Actor("councillor", "3f2a9c0d11e4b5a6c7d8")
RESIDENT = audit.Actor("resident", "9b8c7d6e5f4a3b2c1d0e")

PROJECTS = {"1": 40_000, "2": 30_000, "3": 50_000, "4": 20_000}
BUDGET = 90_000


@dataclass
class DemoRound:
    round_id: int
    ballots: dict[str, list[str]]  # receipt -> approved project ids, as published
    sealed: list[str]
    superseded: list[str]
    pb: bytes  # ballots.pb as published
    result: bytes  # result.json as published


def record_demo_round(round_id: int = 7, ward: str = "sparkbrook") -> DemoRound:
    """A whole round as the other apps record it, with another ward's events interleaved."""
    other = "aston"
    audit.record(
        "round.created",
        ward=ward,
        round=round_id,
        actor=COUNCILLOR,
        payload={"title": "Sparkbrook Community Chest 2026", "budget_pence": BUDGET},
    )
    audit.record(
        "round.created",
        ward=other,
        round=round_id + 1,
        actor=COUNCILLOR,
        payload={"title": "Aston 2026"},
    )
    audit.record(
        "round.phase_changed",
        ward=ward,
        round=round_id,
        actor=COUNCILLOR,
        payload={"from": "draft", "to": "proposals"},
    )
    # In the phases' order (the verifier checks it); the tests count on event 6 being Project
    # 2's, event 12 Aston's and event 15 the first seal.
    for pid in ["1", "3", "2", "4"]:
        audit.record(
            "proposal.submitted",
            ward=ward,
            round=round_id,
            actor=RESIDENT,
            payload={"proposal": int(pid), "title": f"Project {pid}"},
        )
    audit.record(
        "round.phase_changed",
        ward=ward,
        round=round_id,
        actor=COUNCILLOR,
        payload={"from": "proposals", "to": "review"},
    )
    for pid in ["1", "2", "3"]:  # the fourth was reviewed off the record: this is a fixture
        audit.record(
            "proposal.reviewed",
            ward=ward,
            round=round_id,
            actor=COUNCILLOR,
            payload={"proposal": int(pid), "decision": "accepted"},
        )
    audit.record(
        "round.phase_changed",
        ward=other,
        round=round_id + 1,
        actor=COUNCILLOR,
        payload={"from": "draft", "to": "proposals"},
    )
    audit.record(
        "round.phase_changed",
        ward=ward,
        round=round_id,
        actor=COUNCILLOR,
        payload={"from": "review", "to": "voting"},
    )

    selections = [["1", "2"], ["1", "3"], ["2", "4"], ["1"], ["3", "4"], ["1", "2", "4"]]
    ballots = {secrets.token_hex(16): sel for sel in selections}
    receipts = list(ballots)
    # The first voter first voted for project 3 only, then replaced that ballot.
    replaced = ballot_commitment(receipts[0], "approval", ["3"])
    first_batch = sorted(
        [replaced] + [ballot_commitment(r, "approval", ballots[r]) for r in receipts[1:4]]
    )
    audit.record(
        "ballots.sealed",
        ward=ward,
        round=round_id,
        actor=audit.SYSTEM,
        payload={"commitments": first_batch, "superseded": []},
    )
    audit.record(
        "proposal.submitted",
        ward=other,
        round=round_id + 1,
        actor=RESIDENT,
        payload={"proposal": 99, "title": "Elsewhere"},
    )
    second_batch = sorted(
        ballot_commitment(r, "approval", ballots[r]) for r in [receipts[0], *receipts[4:]]
    )
    audit.record(
        "ballots.sealed",
        ward=ward,
        round=round_id,
        actor=audit.SYSTEM,
        payload={"commitments": second_batch, "superseded": [replaced]},
    )
    audit.record(
        "round.phase_changed",
        ward=ward,
        round=round_id,
        actor=COUNCILLOR,
        payload={"from": "voting", "to": "closed"},
    )
    audit.record("round.closed", ward=ward, round=round_id, actor=COUNCILLOR, payload={})
    audit.sign_checkpoint(f"round {round_id} closed", ward=ward, round=round_id)
    pb = pb_text(ballots).encode()
    result = json.dumps(result_dict(ballots, round_id)).encode()
    audit.record(
        "round.phase_changed",
        ward=ward,
        round=round_id,
        actor=COUNCILLOR,
        payload={"from": "closed", "to": "published"},
    )
    audit.record(
        "result.published",
        ward=ward,
        round=round_id,
        actor=COUNCILLOR,
        payload={
            "selected": ["1", "2", "4"],
            "ballots_sha256": hashlib.sha256(pb).hexdigest(),
            "result_sha256": hashlib.sha256(result).hexdigest(),
        },
    )
    audit.sign_checkpoint(f"round {round_id} published", ward=ward, round=round_id)
    return DemoRound(round_id, ballots, first_batch + second_batch, [replaced], pb, result)


def pb_text(ballots: dict[str, list[str]]) -> str:
    from ballots.tally import Instance, Profile, Project, dumps_pb

    instance = Instance(
        BUDGET,
        [Project(pid, cost) for pid, cost in PROJECTS.items()],
        {"description": "demo", "vote_type": "approval"},
    )
    return dumps_pb(instance, Profile.from_approvals(ballots))


def result_dict(ballots: dict[str, list[str]], round_id: int) -> dict[str, Any]:
    from ballots.tally import read_pb, tally

    instance, profile = read_pb(pb_text(ballots))
    result = tally(instance, profile, rule="greedy", sat="cost").to_dict()
    result["round"] = round_id
    return result


@dataclass
class Downloads:
    """A demo round's public downloads, saved where an auditor would save them."""

    dir: Path
    ledger: Path
    round_ledger: Path
    checkpoints: Path
    key: Path
    ballots: Path
    result: Path
    demo: DemoRound

    def lines(self) -> list[bytes]:
        return self.ledger.read_bytes().splitlines(keepends=True)

    def write_lines(self, lines: list[bytes], name: str = "tampered.jsonl") -> Path:
        path = self.dir / name
        path.write_bytes(b"".join(lines))
        return path


def fetch(client: Client, url: str) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    if response.streaming:
        return b"".join(response.streaming_content)  # type: ignore[arg-type]
    return response.content


@pytest.fixture
def downloads(db: None, tmp_path: Path) -> Iterator[Downloads]:
    demo = record_demo_round()
    client = Client()
    files = {
        "ledger": ("/audit/ledger.jsonl", "ledger.jsonl"),
        "round_ledger": (f"/rounds/{demo.round_id}/ledger.jsonl", "round-ledger.jsonl"),
        "checkpoints": ("/audit/checkpoints.json", "checkpoints.json"),
        "key": ("/audit/key", "key.pem"),
    }
    paths: dict[str, Path] = {}
    for name, (url, filename) in files.items():
        paths[name] = tmp_path / filename
        paths[name].write_bytes(fetch(client, url))
    paths["ballots"] = tmp_path / "ballots.pb"
    paths["ballots"].write_bytes(demo.pb)
    paths["result"] = tmp_path / "result.json"
    paths["result"].write_bytes(demo.result)
    yield Downloads(dir=tmp_path, demo=demo, **paths)
