"""Signed checkpoints: the server's Ed25519 key, and signing the ledger's head.

The private key comes from the environment: `AUDIT_SIGNING_KEY` (a PEM private key, or the base64
of its raw 32 bytes) or `AUDIT_SIGNING_KEY_FILE` (a file holding either). Only with DEBUG on, or
under the test runner, a development key is generated once and kept in var/ (git-ignored).
"""

from __future__ import annotations

import base64
import binascii
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from audit import SYSTEM, Actor, kinds
from audit.canonical import checkpoint_message, key_fingerprint, key_id
from audit.models import Checkpoint

ENV_KEY = "AUDIT_SIGNING_KEY"
ENV_KEY_FILE = "AUDIT_SIGNING_KEY_FILE"
DEV_KEY_NAME = "audit-dev-signing-key.pem"


class SigningKeyMissing(ImproperlyConfigured):
    """No signing key is configured and a development key is not allowed here."""


def parse_private_key(data: bytes, source: str) -> Ed25519PrivateKey:
    """An Ed25519 private key from PEM, or from the base64 of its raw 32 bytes."""
    bad = ImproperlyConfigured(
        f"{source} is not an Ed25519 private key: give a PEM private key "
        "(openssl genpkey -algorithm ed25519) or the base64 of its raw 32 bytes"
    )
    text = data.strip()
    if text.startswith(b"-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text, password=None)
        except (ValueError, TypeError):
            raise bad from None
        if not isinstance(key, Ed25519PrivateKey):
            raise bad
        return key
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise bad from None
    if len(raw) != 32:
        raise bad
    return Ed25519PrivateKey.from_private_bytes(raw)


def dev_key_allowed() -> bool:
    return bool(settings.AUDIT_DEV_KEY_ALLOWED)


def dev_key_path() -> Path:
    configured = getattr(settings, "AUDIT_DEV_KEY_FILE", None)
    if configured:
        return Path(configured)
    var_dir = getattr(settings, "VAR_DIR", Path(settings.BASE_DIR) / "var")
    return Path(var_dir) / DEV_KEY_NAME


def _dev_key() -> Ed25519PrivateKey:
    path = dev_key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:  # O_EXCL: two processes starting at once keep the same key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as f:
                f.write(pem)
    return parse_private_key(path.read_bytes(), f"the development key {path}")


_cache: dict[tuple[str, str, str], Ed25519PrivateKey] = {}


def signing_key() -> Ed25519PrivateKey:
    """The server's private key; SigningKeyMissing (naming the variables) if there is none."""
    inline = settings.AUDIT_SIGNING_KEY
    file_name = settings.AUDIT_SIGNING_KEY_FILE
    dev = str(dev_key_path()) if not (inline or file_name) and dev_key_allowed() else ""
    cache_key = (inline, file_name, dev)
    if cache_key in _cache:
        return _cache[cache_key]
    if inline:
        key = parse_private_key(inline.encode(), ENV_KEY)
    elif file_name:
        try:
            data = Path(file_name).read_bytes()
        except OSError as exc:
            raise ImproperlyConfigured(
                f"{ENV_KEY_FILE}={file_name} cannot be read: {exc.strerror or exc}"
            ) from None
        key = parse_private_key(data, f"{ENV_KEY_FILE} ({file_name})")
    elif dev:
        key = _dev_key()
    else:
        raise SigningKeyMissing(
            f"No key to sign the audit ledger with: set {ENV_KEY} (a PEM or base64 Ed25519 "
            f"private key) or {ENV_KEY_FILE} (a file holding one). A development key is only "
            "generated when DEBUG is on."
        )
    _cache[cache_key] = key
    return key


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def public_key_raw() -> bytes:
    return public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def public_key_pem() -> bytes:
    return public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def current_key_id() -> str:
    return key_id(public_key_raw())


def sign_checkpoint(
    reason: str, *, ward: Any = None, round: Any = None, actor: Actor | None = None
) -> Checkpoint:
    """Sign the ledger's current head and record the signature as a `checkpoint.signed` event.

    Runs in the caller's transaction (or its own). The head is read under the append lock, and the
    checkpoint.signed event is appended under the same lock, so it is always the event right after
    the one it signs. Pass `round` to put the event in that round's own ledger download too.
    """
    from audit.ledger import _lock_head, append

    key = signing_key()  # fail before taking the lock if no key is configured
    kid = key_id(
        key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    reason = reason.strip()[:200] or "on demand"
    with transaction.atomic():
        head = _lock_head()
        signature = base64.b64encode(key.sign(checkpoint_message(head.seq, head.hash))).decode()
        checkpoint = Checkpoint.objects.create(
            seq=head.seq, hash=head.hash, signature=signature, key_id=kid, reason=reason
        )
        append(
            kinds.CHECKPOINT_SIGNED,
            ward=ward,
            round=round,
            actor=actor or SYSTEM,
            payload={
                "seq": head.seq,
                "hash": head.hash,
                "signature": signature,
                "key_id": kid,
                "reason": reason,
            },
        )
    return checkpoint


def _moment(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def signing_keys() -> list[dict[str, Any]]:
    """Every key that has signed checkpoints here: the retired ones (settings, public halves
    only) and the current one, oldest first, each with its id, fingerprint and validity period.

    The current key is valid from AUDIT_SIGNING_KEY_SINCE or, unset, from when the last retired
    key stopped; it has no end. This is what /audit/keys publishes and `python -m audit.verify
    --keys` reads.
    """
    keys: list[dict[str, Any]] = []
    for public_b64, valid_from, valid_until in sorted(
        settings.AUDIT_SIGNING_OLD_KEYS, key=lambda k: k[2]
    ):
        raw = base64.b64decode(public_b64)
        keys.append(_key_entry(raw, valid_from, valid_until, current=False))
    since = settings.AUDIT_SIGNING_KEY_SINCE
    if since is None and keys:
        since = max(k[2] for k in settings.AUDIT_SIGNING_OLD_KEYS)
    try:
        current_raw: bytes | None = public_key_raw()
    except SigningKeyMissing:
        current_raw = None
    if current_raw is not None:
        keys = [k for k in keys if k["public_key"] != base64.b64encode(current_raw).decode()]
        keys.append(_key_entry(current_raw, since, None, current=True))
    return keys


def _key_entry(
    raw: bytes, valid_from: datetime | None, valid_until: datetime | None, *, current: bool
) -> dict[str, Any]:
    return {
        "key_id": key_id(raw),
        "fingerprint": key_fingerprint(raw),
        "public_key": base64.b64encode(raw).decode(),
        "valid_from": _moment(valid_from),
        "valid_until": _moment(valid_until),
        "current": current,
    }


def current_fingerprint() -> str | None:
    """The current key's fingerprint, or None where no key is configured (shown in the footer)."""
    try:
        return key_fingerprint(public_key_raw())
    except ImproperlyConfigured:  # a page's footer never fails for a key; /audit/key says why
        return None
