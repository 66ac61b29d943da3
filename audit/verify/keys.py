"""The server's Ed25519 public key (--key: a PEM file or base64 of the raw key) and checking a
signature with it. The only module that uses `cryptography` (imported when a key is given)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from pathlib import Path

from audit.canonical import key_id
from audit.verify.failures import UsageError


@dataclass
class PublicKey:
    raw: bytes
    id: str

    def verify(self, signature_b64: str, message: bytes) -> bool:
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

        try:
            signature = base64.b64decode(signature_b64, validate=True)
        except (binascii.Error, ValueError):
            return False
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, message)
        except InvalidSignature:
            return False
        return True


def load_public_key(spec: str) -> PublicKey:
    """A key from a file (PEM, or base64 of the raw 32 bytes) or given inline as base64."""
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    except ImportError:
        raise UsageError("checking signatures needs the 'cryptography' package") from None
    path = Path(spec)
    if path.exists():
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot open {spec}: {exc.strerror or exc}") from None
    elif spec.startswith("-----BEGIN") or len(spec) == 44:
        data = spec.encode()
    else:
        raise UsageError(f"cannot open {spec}: no such file")
    raw: bytes | None = None
    if b"-----BEGIN PUBLIC KEY-----" in data:
        try:
            key = serialization.load_pem_public_key(data)
        except ValueError:
            raise UsageError(f"{spec} is not a readable PEM public key") from None
        if not isinstance(key, Ed25519PublicKey):
            raise UsageError(f"{spec} is not an Ed25519 public key")
        raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    else:
        try:
            raw = base64.b64decode(data.strip(), validate=True)
        except (binascii.Error, ValueError):
            raw = None
        if raw is None or len(raw) != 32:
            raise UsageError(
                f"{spec} is neither a PEM public key nor the base64 of a raw 32-byte Ed25519 key"
            )
    return PublicKey(raw, key_id(raw))
