"""Read settings from the environment, failing loudly on malformed values.

Every helper names the variable in its error, so a typo in a deployment stops start-up with a
message an operator can act on instead of a half-configured server.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
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


def _redact(url: str) -> str:
    """Hide a password in a URL before it reaches an error message or a log."""
    if "://" not in url or "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    credentials, host = rest.rsplit("@", 1)
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in credentials else url
