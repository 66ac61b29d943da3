"""Read settings from the environment, failing loudly on malformed values.

Every helper names the variable in its error, so a typo in a deployment stops start-up with a
message an operator can act on instead of a half-configured server.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from collections.abc import Mapping, MutableMapping
from datetime import datetime
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


def env_bool(name: str, default: bool, environ: Mapping[str, str] = os.environ) -> bool:
    raw = environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}."
    )


def env_int(
    name: str,
    default: int,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    environ: Mapping[str, str] = os.environ,
) -> int:
    raw = environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}.")
    if maximum is not None and value > maximum:
        raise ImproperlyConfigured(f"{name} must be at most {maximum}; got {value}.")
    return value


def env_str(name: str, default: str, environ: Mapping[str, str] = os.environ) -> str:
    """A text setting, stripped of surrounding white space."""
    return environ.get(name, default).strip()


def env_choice(
    name: str, default: str, choices: tuple[str, ...], environ: Mapping[str, str] = os.environ
) -> str:
    """One of `choices` (matched without regard to case), or a loud error naming them."""
    raw = environ.get(name, default).strip()
    for choice in choices:
        if raw.casefold() == choice.casefold():
            return choice
    raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {raw!r}.")


def env_url(name: str, default: str, environ: Mapping[str, str] = os.environ) -> str:
    """An http(s) base URL without a trailing slash; a loud error for anything else."""
    value = env_str(name, default, environ).rstrip("/")
    scheme, _, rest = value.partition("://")
    if scheme not in ("http", "https") or not rest or any(c.isspace() for c in rest):
        raise ImproperlyConfigured(
            f"{name} must be an http:// or https:// address like https://chest.example.org, "
            f"not {value!r}."
        )
    return value


def env_list(name: str, default: list[str], environ: Mapping[str, str] = os.environ) -> list[str]:
    raw = environ.get(name)
    if raw is None:
        return list(default)
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(
            f"{name} must be a comma-separated list with no empty entries; got {raw!r}."
        )
    return items


def env_database(
    name: str, default: str, environ: Mapping[str, str] = os.environ
) -> dict[str, Any]:
    """Parse a database URL such as postgres://user@host:5432/db or sqlite:///path."""
    import dj_database_url

    raw = environ.get(name) or default
    scheme = raw.split("://", 1)[0] if "://" in raw else ""
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ImproperlyConfigured(
            f"{name} must look like postgres://user:password@host:5432/dbname or "
            f"sqlite:///path/to/file.sqlite3; got {_redact(raw)!r}."
        )
    try:
        config = dict(dj_database_url.parse(raw))
    except (ValueError, KeyError) as exc:
        raise ImproperlyConfigured(f"{name} is not a valid database URL: {exc}.") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured(f"{name} names no database; got {_redact(raw)!r}.")
    return config


def env_secret_key(name: str, *, debug: bool, environ: Mapping[str, str] = os.environ) -> str:
    raw = environ.get(name, "")
    if raw:
        if not debug and len(raw) < 50:
            raise ImproperlyConfigured(
                f"{name} must be at least 50 characters long when DEBUG is off."
            )
        return raw
    if debug:
        # A throwaway key is only acceptable on a developer's laptop: sessions die on restart.
        from django.core.management.utils import get_random_secret_key

        return "dev-insecure-" + get_random_secret_key()
    raise ImproperlyConfigured(
        f"{name} is not set. Set it to a long random string (for example the output of "
        "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`), or set DEBUG=1 "
        "for a development key."
    )


def read_env_file(path: Path) -> dict[str, str]:
    """NAME=value lines (blank lines, `# comments` and an `export ` prefix allowed; a value may be
    quoted). A malformed line stops start-up naming the file and line, never its content."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ImproperlyConfigured(f"{path} cannot be read: {exc.strerror or exc}.") from None
    values: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        line = line.removeprefix("export ").lstrip()
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise ImproperlyConfigured(f"{path}, line {number}: expected NAME=value.")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name] = value
    return values


def load_env_file(path: Path, environ: MutableMapping[str, str] = os.environ) -> list[str]:
    """Add the file's settings to `environ` where it has none (the real environment wins).
    Returns the names taken from the file."""
    taken = []
    for name, value in read_env_file(path).items():
        if name not in environ:
            environ[name] = value
            taken.append(name)
    return taken


KEY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,31}")
MIN_CODE_KEY_CHARS = 32
DERIVED_CODE_KEY_ID = "dev"


def derived_code_key(secret_key: str) -> bytes:
    """Development and tests only: a voting-code key derived from SECRET_KEY."""
    return hashlib.sha256(b"community-chest voting codes\x00" + secret_key.encode()).digest()


def _code_key(name: str, entry: str, position: str) -> tuple[str, bytes]:
    key_id, sep, secret = entry.strip().partition(":")
    example = f"e.g. {name}=2026a:<at least {MIN_CODE_KEY_CHARS} random characters>"
    if not sep:
        raise ImproperlyConfigured(
            f"{name}{position} must be KEYID:SECRET so a round can keep its key through a "
            f"rotation ({example}); got a value without ':'."
        )
    if not KEY_ID.fullmatch(key_id):
        raise ImproperlyConfigured(
            f"{name}{position}: the key id must be 1-32 letters, digits, '.', '_' or '-' "
            f"starting with a letter or digit ({example}); got {key_id!r}:***."
        )
    if key_id == DERIVED_CODE_KEY_ID:
        raise ImproperlyConfigured(
            f"{name}{position}: the key id {key_id!r} is reserved for the development key "
            f"derived from SECRET_KEY; choose another ({example})."
        )
    if len(secret) < MIN_CODE_KEY_CHARS:
        raise ImproperlyConfigured(
            f"{name}{position}: the secret of key {key_id!r} must be at least "
            f"{MIN_CODE_KEY_CHARS} characters long; got {len(secret)}."
        )
    return key_id, secret.encode()


def env_code_keyring(
    name: str,
    old_name: str,
    *,
    derive_from: str | None,
    environ: Mapping[str, str] = os.environ,
) -> tuple[str, dict[str, bytes]]:
    """The voting-code keyring: (current key id, {key id: key}).

    `name` holds the current key as KEYID:SECRET; `old_name` a comma-separated list of retired
    keys in the same form, kept so rounds that pinned them still verify their codes. Without
    `name`, a key is derived from `derive_from` (SECRET_KEY; pass it only in development and
    tests) under the id "dev"; with `derive_from=None` a missing key stops start-up.
    """
    raw = environ.get(name, "").strip()
    if raw:
        current, key = _code_key(name, raw, "")
    elif derive_from is not None:
        current, key = DERIVED_CODE_KEY_ID, derived_code_key(derive_from)
    else:
        raise ImproperlyConfigured(
            f"{name} is not set. With DEBUG off it is required, and independent of SECRET_KEY: "
            f"set it to KEYID:SECRET, for example {name}=2026a:$(python -c 'import secrets; "
            f"print(secrets.token_urlsafe(48))'). On a development checkout, `make demo` (or "
            "`python -m config.local_settings`) writes one to var/local.env."
        )
    keys = {current: key}
    old_raw = environ.get(old_name, "").strip()
    if old_raw:
        for position, entry in enumerate(old_raw.split(","), start=1):
            old_id, old_key = _code_key(old_name, entry, f" (entry {position})")
            if old_id in keys:
                raise ImproperlyConfigured(
                    f"{old_name} (entry {position}): key id {old_id!r} is already used by "
                    f"{name} or an earlier entry; every key needs its own id."
                )
            keys[old_id] = old_key
    return current, keys


def _redact(url: str) -> str:
    """Hide a password in a URL before it reaches an error message or a log."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url


def env_datetime(name: str, environ: Mapping[str, str] = os.environ) -> datetime | None:
    """An ISO 8601 moment with its time zone (2026-04-01T00:00:00Z), or None when unset."""
    raw = environ.get(name, "").strip()
    if not raw:
        return None
    return _aware_moment(name, raw)


def _aware_moment(name: str, raw: str) -> datetime:
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise ImproperlyConfigured(
            f"{name}: {raw!r} is not an ISO 8601 time (e.g. 2026-04-01T00:00:00Z)."
        ) from None
    if moment.tzinfo is None:
        raise ImproperlyConfigured(
            f"{name}: {raw!r} has no time zone; end it with Z (UTC) or an offset like +01:00."
        )
    return moment


def env_signing_old_keys(
    name: str, environ: Mapping[str, str] = os.environ
) -> list[tuple[str, datetime | None, datetime]]:
    """Retired ledger signing keys: [(base64 raw public key, valid from or None, valid until)].

    Entries are comma-separated, each PUBLICKEY@FROM/UNTIL: the base64 of the raw 32-byte
    Ed25519 public key (the PEM's last 32 bytes, as `/audit/keys` lists it) and the ISO times
    between which it signed (FROM may be empty: since the beginning). Only public halves are kept.
    """
    raw = environ.get(name, "").strip()
    if not raw:
        return []
    example = f"e.g. {name}=<base64 public key>@2026-01-01T00:00:00Z/2026-06-01T00:00:00Z"
    keys: list[tuple[str, datetime | None, datetime]] = []
    for position, entry in enumerate(raw.split(","), start=1):
        where = f"{name} (entry {position})"
        public, at, period = entry.strip().partition("@")
        start, slash, end = period.partition("/")
        if not at or not slash or not end.strip():
            raise ImproperlyConfigured(f"{where} must be PUBLICKEY@FROM/UNTIL ({example}).")
        try:
            decoded = base64.b64decode(public.strip(), validate=True)
        except (binascii.Error, ValueError):
            decoded = b""
        if len(decoded) != 32:
            raise ImproperlyConfigured(
                f"{where}: the public key must be the base64 of a raw 32-byte Ed25519 key "
                f"({example})."
            )
        valid_from = _aware_moment(where, start.strip()) if start.strip() else None
        valid_until = _aware_moment(where, end.strip())
        if valid_from is not None and valid_from >= valid_until:
            raise ImproperlyConfigured(f"{where}: the key's FROM must come before its UNTIL.")
        if any(public.strip() == k for k, _, _ in keys):
            raise ImproperlyConfigured(f"{where}: this key is already listed.")
        keys.append((public.strip(), valid_from, valid_until))
    return keys
