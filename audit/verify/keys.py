"""The server's Ed25519 public keys and checking a signature with them. The only module that
uses `cryptography` (imported when a key is given).

--key gives one key (a PEM file or base64 of the raw key), trusted for every checkpoint. --keys
gives the key set that /audit/keys publishes (a file, or its URL): every key the server has
signed with, each valid for a period, so a rotated ledger verifies and a checkpoint signed by a
key outside its period (a retired key used after its retirement, say) fails."""

from __future__ import annotations

import base64
import binascii
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from audit.canonical import KEYS_FORMAT, key_id
from audit.verify.failures import UsageError, parse_json


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


@dataclass
class KeyPeriod:
    key: PublicKey
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    def covers(self, moment: datetime) -> bool:
        after_start = self.valid_from is None or moment >= self.valid_from
        return after_start and (self.valid_until is None or moment < self.valid_until)

    def describe(self) -> str:
        start = _show(self.valid_from) if self.valid_from else "the beginning"
        end = _show(self.valid_until) if self.valid_until else "now"
        return f"from {start} until {end}"


@dataclass
class KeySet:
    """The keys a checkpoint may be signed with. `periods` is False for a single --key, which is
    trusted whatever the checkpoint's time."""

    keys: list[KeyPeriod] = field(default_factory=list)
    periods: bool = True

    @property
    def ids(self) -> set[str]:
        return {k.key.id for k in self.keys}

    def describe(self) -> str:
        if not self.periods:
            return f"key {self.keys[0].key.id}"
        return f"the key set ({', '.join(k.key.id for k in self.keys)}), each in its period"

    def check(self, kid: str, at: str | None, signature: str, message: bytes) -> str | None:
        """Why this signature is not good here (None when it is): an unknown key, a key used
        outside its validity period at `at` (ISO time), or a bad signature."""
        matches = [k for k in self.keys if k.key.id == kid]
        if not matches:
            if not self.periods:
                return (
                    f"checkpoint signed with another key (key id {kid}, but the key given is "
                    f"{self.keys[0].key.id})"
                )
            return f"checkpoint signed with key {kid}, which is not in the key set"
        if self.periods and at is not None:
            moment = parse_moment(at)
            if moment is None:
                return f"the checkpoint's time {at!r} is not an ISO time"
            if not any(k.covers(moment) for k in matches):
                return (
                    f"checkpoint signed at {at} with key {kid}, which was valid only "
                    + " and ".join(k.describe() for k in matches)
                )
        if not matches[0].key.verify(signature, message):
            return "bad signature"
        return None


def single_key(key: PublicKey) -> KeySet:
    return KeySet([KeyPeriod(key)], periods=False)


def parse_moment(text: str) -> datetime | None:
    """An ISO time (or a day) as an aware datetime; a time without a zone is taken as UTC."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _show(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def load_key_set(spec: str) -> KeySet:
    """The key set from a file or a URL (http/https) of /audit/keys as published."""
    if spec.startswith(("http://", "https://")):
        try:
            with urllib.request.urlopen(spec, timeout=30) as response:  # noqa: S310 (http/s only)
                data = response.read()
        except (urllib.error.URLError, OSError) as exc:
            raise UsageError(f"cannot fetch {spec}: {getattr(exc, 'reason', exc)}") from None
    else:
        try:
            data = Path(spec).read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot open {spec}: {exc.strerror or exc}") from None
    try:
        document = parse_json(data)
    except (ValueError, UnicodeDecodeError):
        raise UsageError(f"{spec} is not JSON: expected /audit/keys as downloaded") from None
    if not isinstance(document, dict) or document.get("format") != KEYS_FORMAT:
        raise UsageError(f"{spec} is not a key set: expected format {KEYS_FORMAT!r}")
    entries = document.get("keys")
    if not isinstance(entries, list) or not entries:
        raise UsageError(f"{spec} lists no keys")
    keys: list[KeyPeriod] = []
    for index, entry in enumerate(entries, start=1):
        where = f"{spec} key {index}"
        if not isinstance(entry, dict):
            raise UsageError(f"{where}: expected an object")
        try:
            raw = base64.b64decode(str(entry.get("public_key", "")), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != 32:
            raise UsageError(f"{where}: public_key is not the base64 of a raw 32-byte key")
        if entry.get("key_id") != key_id(raw):
            raise UsageError(f"{where}: key_id {entry.get('key_id')!r} does not match its key")
        bounds: list[datetime | None] = []
        for name in ("valid_from", "valid_until"):
            value = entry.get(name)
            moment = parse_moment(value) if isinstance(value, str) else None
            if value is not None and moment is None:
                raise UsageError(f"{where}: {name} {value!r} is not an ISO time")
            bounds.append(moment)
        keys.append(KeyPeriod(PublicKey(raw, key_id(raw)), bounds[0], bounds[1]))
    return KeySet(keys)
