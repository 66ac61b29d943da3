"""Signed checkpoints and where the key comes from."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured

import audit
from audit import signing
from audit.canonical import checkpoint_message
from audit.models import Checkpoint, Event
from tests.audit.conftest import public_pem, raw_private

ACTOR = audit.Actor("councillor", "3f2a9c0d11e4b5a6c7d8")


@pytest.mark.django_db
def test_a_checkpoint_signs_the_head_and_is_recorded_right_after_it(
    signing_key: Ed25519PrivateKey,
) -> None:
    head = audit.record("round.closed", ward="sparkbrook", round=4, actor=ACTOR, payload={})
    checkpoint = audit.sign_checkpoint("round 4 closed", round=4)
    assert isinstance(checkpoint, Checkpoint)
    assert (checkpoint.seq, checkpoint.hash) == (head.seq, head.hash)
    signing_key.public_key().verify(
        base64.b64decode(checkpoint.signature), checkpoint_message(head.seq, head.hash)
    )
    event = Event.objects.get(seq=head.seq + 1)
    assert event.kind == "checkpoint.signed"
    assert event.round_id == 4
    assert event.payload["signature"] == checkpoint.signature
    assert event.payload["key_id"] == checkpoint.key_id == signing.current_key_id()


@pytest.mark.django_db
def test_an_empty_ledger_can_be_signed() -> None:
    checkpoint = audit.sign_checkpoint("first")
    assert checkpoint.seq == 0
    assert checkpoint.hash == "0" * 64


def test_the_key_can_be_pem_or_base64_inline_or_in_a_file(settings: Any, tmp_path: Path) -> None:
    key = Ed25519PrivateKey.generate()
    expected = public_pem(key)
    from cryptography.hazmat.primitives import serialization

    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    settings.AUDIT_SIGNING_KEY = pem
    assert signing.public_key_pem() == expected
    settings.AUDIT_SIGNING_KEY = raw_private(key)
    assert signing.public_key_pem() == expected
    settings.AUDIT_SIGNING_KEY = ""
    path = tmp_path / "key.pem"
    path.write_text(pem)
    settings.AUDIT_SIGNING_KEY_FILE = str(path)
    assert signing.public_key_pem() == expected


def test_a_malformed_key_is_a_loud_error_naming_the_variable(settings: Any, tmp_path: Path) -> None:
    settings.AUDIT_SIGNING_KEY = "not a key"
    with pytest.raises(ImproperlyConfigured, match="AUDIT_SIGNING_KEY is not an Ed25519"):
        signing.signing_key()
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_SIGNING_KEY_FILE = str(tmp_path / "missing.pem")
    with pytest.raises(ImproperlyConfigured, match=r"AUDIT_SIGNING_KEY_FILE=.* cannot be read"):
        signing.signing_key()


def test_without_a_key_signing_refuses_unless_debug_or_testing(
    monkeypatch: pytest.MonkeyPatch, settings, tmp_path: Path
) -> None:
    settings.AUDIT_SIGNING_KEY = ""
    settings.AUDIT_DEV_KEY_FILE = str(tmp_path / "dev.pem")
    monkeypatch.setattr(signing, "dev_key_allowed", lambda: False)
    with pytest.raises(signing.SigningKeyMissing, match="set AUDIT_SIGNING_KEY"):
        signing.signing_key()
    monkeypatch.setattr(signing, "dev_key_allowed", lambda: True)
    first = signing.public_key_pem()
    assert (tmp_path / "dev.pem").stat().st_mode & 0o777 == 0o600
    signing._cache.clear()
    assert signing.public_key_pem() == first  # the dev key is kept, not regenerated


def test_the_dev_key_is_allowed_only_with_debug_or_under_tests(settings) -> None:
    assert signing.dev_key_allowed()  # pytest is running
    settings.AUDIT_DEV_KEY_ALLOWED = False
    assert not signing.dev_key_allowed()


@pytest.mark.django_db
def test_checkpoints_json_lists_every_checkpoint(client) -> None:
    audit.record("round.closed", ward="sparkbrook", round=4, actor=ACTOR, payload={})
    audit.sign_checkpoint("round 4 closed")
    data = json.loads(client.get("/audit/checkpoints.json").content)
    assert data["format"] == "community-chest-checkpoints-v1"
    assert data["key_id"] == signing.current_key_id()
    [entry] = data["checkpoints"]
    assert entry["seq"] == 1
    assert entry["reason"] == "round 4 closed"
    assert set(entry) == {"seq", "hash", "signature", "key_id", "created_at", "reason"}


@pytest.mark.django_db
def test_a_checkpoint_can_be_signed_on_demand_from_the_command_line() -> None:
    from io import StringIO

    from django.core.management import call_command

    audit.record("round.closed", ward="sparkbrook", round=4, actor=ACTOR, payload={})
    out = StringIO()
    call_command("audit_checkpoint", "nightly", stdout=out)
    assert "Signed the ledger at event #1" in out.getvalue()
    assert Checkpoint.objects.get().reason == "nightly"
