"""Rotating the ledger's signing key: checkpoints signed before a rotation still verify against
the retired key, each checkpoint only against the key valid at its time; /audit/keys lists them
all and every page's footer shows the current key's fingerprint."""

from __future__ import annotations

import base64
import io
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

import audit
from audit.canonical import key_fingerprint, key_id
from audit.verify import main
from config.env import env_signing_old_keys
from tests.audit.conftest import COUNCILLOR, fetch, raw_private

pytestmark = pytest.mark.django_db


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def b64_public(key: Ed25519PrivateKey) -> str:
    return base64.b64encode(raw_public(key)).decode()


def verify(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    status = main([str(a) for a in args])
    captured = capsys.readouterr()
    return status, captured.out + captured.err


def _next_whole_second() -> datetime:
    """Wait for the next whole second: ledger times have whole seconds, so a rotation on one
    puts every earlier checkpoint strictly before it and every later one at or after it."""
    now = time.time()
    time.sleep(int(now) + 1 - now + 0.01)
    return datetime.fromtimestamp(int(time.time()), tz=UTC)


@pytest.fixture
def rotated(settings: Any, tmp_path: Path) -> dict[str, Any]:
    """Checkpoints signed with key A, a rotation to key B, and more checkpoints signed with B;
    the downloads an auditor takes afterwards."""
    key_a, key_b = Ed25519PrivateKey.generate(), Ed25519PrivateKey.generate()
    settings.AUDIT_SIGNING_KEY = raw_private(key_a)
    settings.AUDIT_SIGNING_KEY_SINCE = None
    settings.AUDIT_SIGNING_OLD_KEYS = []
    for n in range(2):
        audit.record("round.created", ward="sparkbrook", round=n, actor=COUNCILLOR, payload={})
        audit.sign_checkpoint(f"with A {n}")
    rotation = _next_whole_second()
    settings.AUDIT_SIGNING_KEY = raw_private(key_b)
    settings.AUDIT_SIGNING_KEY_SINCE = rotation
    settings.AUDIT_SIGNING_OLD_KEYS = [(b64_public(key_a), None, rotation)]
    for n in range(2, 4):
        audit.record("round.created", ward="sparkbrook", round=n, actor=COUNCILLOR, payload={})
        audit.sign_checkpoint(f"with B {n}")
    client = Client()
    paths = {}
    for name, url in [
        ("ledger", "/audit/ledger.jsonl"),
        ("checkpoints", "/audit/checkpoints.json"),
        ("keys", "/audit/keys"),
    ]:
        paths[name] = tmp_path / name
        paths[name].write_bytes(fetch(client, url))
    return {"a": key_a, "b": key_b, "rotation": rotation, **paths}


def test_keys_lists_the_retired_and_current_keys_with_their_periods(
    rotated: dict[str, Any], client: Client
) -> None:
    data = json.loads(rotated["keys"].read_bytes())
    assert data["format"] == "community-chest-keys-v1"
    old, current = data["keys"]
    since = rotated["rotation"].isoformat().replace("+00:00", "Z")
    assert old == {
        "key_id": key_id(raw_public(rotated["a"])),
        "fingerprint": key_fingerprint(raw_public(rotated["a"])),
        "public_key": b64_public(rotated["a"]),
        "valid_from": None,
        "valid_until": since,
        "current": False,
    }
    assert current["key_id"] == data["current"] == key_id(raw_public(rotated["b"]))
    assert (current["valid_from"], current["valid_until"]) == (since, None)
    # /audit/key still serves the current key alone, as before.
    response = client.get("/audit/key")
    assert response["X-Key-Id"] == current["key_id"]
    assert client.post("/audit/keys").status_code == 405


def test_a_ledger_signed_across_a_rotation_verifies_with_the_key_set(
    rotated: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = verify(
        capsys,
        rotated["ledger"],
        "--keys",
        rotated["keys"],
        "--checkpoints",
        rotated["checkpoints"],
        "--require-signed",
    )
    assert status == 0, out
    assert "4 checkpoint signature(s) in the ledger valid for the key set" in out
    assert "4 checkpoint(s) in checkpoints signed and matching the ledger" in out


def test_one_key_alone_no_longer_verifies_a_rotated_ledger(
    rotated: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    current = tmp_path / "b.b64"
    current.write_text(b64_public(rotated["b"]))
    status, out = verify(capsys, rotated["ledger"], "--key", current)
    assert status == 1
    assert "checkpoint signed with another key" in out


def test_a_checkpoint_outside_its_keys_period_fails(
    rotated: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Key A claims to have retired a day before it signed: its checkpoints are refused."""
    data = json.loads(rotated["keys"].read_bytes())
    early = (rotated["rotation"] - timedelta(days=1)).isoformat()
    data["keys"][0]["valid_until"] = early
    edited = tmp_path / "keys-edited.json"
    edited.write_text(json.dumps(data))
    status, out = verify(capsys, rotated["ledger"], "--keys", edited)
    assert status == 1
    assert f"with key {data['keys'][0]['key_id']}, which was valid only" in out
    # And a key set without the retired key cannot vouch for what it signed.
    del data["keys"][0]
    edited.write_text(json.dumps(data))
    status, out = verify(capsys, rotated["ledger"], "--keys", edited)
    assert status == 1
    assert "which is not in the key set" in out
    status, out = verify(capsys, rotated["ledger"], "--checkpoints", rotated["checkpoints"])
    assert status == 0


def test_a_retired_key_signing_after_its_retirement_fails(
    rotated: dict[str, Any], settings: Any, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A stolen retired key signing a new checkpoint: its time is past the key's period."""
    settings.AUDIT_SIGNING_KEY = raw_private(rotated["a"])
    audit.sign_checkpoint("with A again")
    ledger = tmp_path / "after.jsonl"
    ledger.write_bytes(fetch(Client(), "/audit/ledger.jsonl"))
    status, out = verify(capsys, ledger, "--keys", rotated["keys"])
    assert status == 1
    assert "which was valid only from the beginning until" in out


def test_the_key_set_can_be_fetched_from_its_url(
    rotated: dict[str, Any], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[str] = []

    def urlopen(url: str, timeout: float) -> io.BytesIO:
        asked.append(url)
        return io.BytesIO(rotated["keys"].read_bytes())

    monkeypatch.setattr("urllib.request.urlopen", urlopen)
    status, out = verify(capsys, rotated["ledger"], "--keys", "https://chest.example/audit/keys")
    assert status == 0, out
    assert asked == ["https://chest.example/audit/keys"]


def test_bad_key_sets_and_flags_are_usage_errors(
    rotated: dict[str, Any], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert verify(capsys, rotated["ledger"], "--keys", tmp_path / "missing.json")[0] == 2
    not_keys = tmp_path / "not-keys.json"
    not_keys.write_text('{"format": "something-else"}')
    assert verify(capsys, rotated["ledger"], "--keys", not_keys)[0] == 2
    data = json.loads(rotated["keys"].read_bytes())
    data["keys"][0]["key_id"] = "0" * 16
    lying = tmp_path / "lying.json"
    lying.write_text(json.dumps(data))
    status, out = verify(capsys, rotated["ledger"], "--keys", lying)
    assert status == 2 and "does not match its key" in out
    status, out = verify(capsys, rotated["ledger"], "--keys", rotated["keys"], "--key", "x")
    assert status == 2 and "not both" in out


def test_every_page_footer_shows_the_current_fingerprint(
    rotated: dict[str, Any], client: Client
) -> None:
    page = client.get("/").content.decode()
    assert key_fingerprint(raw_public(rotated["b"])) in page
    assert key_fingerprint(raw_public(rotated["a"])) not in page


def test_without_a_key_the_footer_and_keys_say_nothing_rather_than_fail(
    settings: Any, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_DEV_KEY_ALLOWED = False
    settings.AUDIT_SIGNING_OLD_KEYS = []
    response = client.get("/")
    assert response.status_code == 200
    assert "signed with the key whose fingerprint" not in response.content.decode()
    assert json.loads(client.get("/audit/keys").content)["keys"] == []


def test_old_keys_setting_is_checked_loudly() -> None:
    good = base64.b64encode(b"k" * 32).decode()
    keys = env_signing_old_keys(
        "AUDIT_SIGNING_OLD_KEYS",
        {"AUDIT_SIGNING_OLD_KEYS": f"{good}@/2026-01-01T00:00:00Z"},
    )
    assert keys == [(good, None, datetime(2026, 1, 1, tzinfo=UTC))]
    for bad, message in [
        (good, "must be PUBLICKEY@FROM/UNTIL"),
        ("short@/2026-01-01T00:00:00Z", "raw 32-byte Ed25519 key"),
        (f"{good}@/2026-01-01T00:00:00", "has no time zone"),
        (f"{good}@2026-02-01T00:00:00Z/2026-01-01T00:00:00Z", "FROM must come before"),
    ]:
        with pytest.raises(ImproperlyConfigured, match=message):
            env_signing_old_keys("AUDIT_SIGNING_OLD_KEYS", {"AUDIT_SIGNING_OLD_KEYS": bad})
