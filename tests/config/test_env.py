"""The settings helpers refuse malformed values with a message naming the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_database, env_int, env_list, env_secret_key

REPO = Path(__file__).resolve().parents[2]


def test_database_url_postgres_is_parsed() -> None:
    config = env_database("DATABASE_URL", "", {"DATABASE_URL": "postgres://u@127.0.0.1:5432/cc"})
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["NAME"] == "cc"
    assert config["PORT"] == 5432


@pytest.mark.parametrize(
    "url", ["not a url", "mysql://u@h/db", "postgres://user:secret@host:5432/", "://"]
)
def test_malformed_database_url_names_the_variable(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL") as excinfo:
        env_database("DATABASE_URL", "", {"DATABASE_URL": url})
    assert "secret" not in str(excinfo.value), "a password must never reach an error message"


def test_missing_secret_key_without_debug_is_an_error() -> None:
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is not set"):
        env_secret_key("SECRET_KEY", debug=False, environ={})


def test_short_secret_key_without_debug_is_an_error() -> None:
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY must be at least 50"):
        env_secret_key("SECRET_KEY", debug=False, environ={"SECRET_KEY": "short"})


def test_debug_generates_a_fresh_dev_key() -> None:
    first = env_secret_key("SECRET_KEY", debug=True, environ={})
    second = env_secret_key("SECRET_KEY", debug=True, environ={})
    assert first.startswith("dev-insecure-")
    assert first != second


@pytest.mark.parametrize("raw, expected", [("1", True), ("off", False), ("Yes", True), ("", False)])
def test_env_bool_words(raw: str, expected: bool) -> None:
    assert env_bool("DEBUG", not expected, {"DEBUG": raw}) is expected


def test_env_bool_rejects_nonsense() -> None:
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be one of"):
        env_bool("DEBUG", False, {"DEBUG": "maybe"})


def test_env_int_rejects_text_and_range() -> None:
    with pytest.raises(ImproperlyConfigured, match="PORT must be a whole number"):
        env_int("PORT", 8000, environ={"PORT": "eighty"})
    with pytest.raises(ImproperlyConfigured, match="PORT must be at most 65535"):
        env_int("PORT", 8000, maximum=65535, environ={"PORT": "70000"})


def test_env_list_rejects_empty_entries() -> None:
    assert env_list("ALLOWED_HOSTS", [], {"ALLOWED_HOSTS": "a.example, b.example"}) == [
        "a.example",
        "b.example",
    ]
    with pytest.raises(ImproperlyConfigured, match="ALLOWED_HOSTS"):
        env_list("ALLOWED_HOSTS", [], {"ALLOWED_HOSTS": "a.example,,b"})


def _manage_check(**env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "DATABASE_URL"}
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_startup_without_secret_key_fails_with_a_clear_message() -> None:
    result = _manage_check(DEBUG="0")
    assert result.returncode == 2
    assert "SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_startup_with_malformed_database_url_fails_with_a_clear_message() -> None:
    result = _manage_check(DEBUG="1", DATABASE_URL="postgres//nohost")
    assert result.returncode == 2
    assert "DATABASE_URL must look like" in result.stderr


@pytest.mark.parametrize("value", ["-1", "one"])
def test_a_bad_trusted_proxy_count_stops_start_up(value: str) -> None:
    result = _manage_check(DEBUG="1", TRUSTED_PROXY_COUNT=value)
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT" in result.stderr
