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


# --- The voting-code keyring and the development settings file -----------------------------

SECRET = "s" * 40


def test_keyring_reads_the_current_key_and_the_retired_ones() -> None:
    from config.env import env_code_keyring

    current, keys = env_code_keyring(
        "VOTING_CODE_KEY",
        "VOTING_CODE_OLD_KEYS",
        derive_from=None,
        environ={
            "VOTING_CODE_KEY": f"2026a:{SECRET}",
            "VOTING_CODE_OLD_KEYS": f"2025a:{'o' * 40}, 2024b:{'p' * 40}",
        },
    )
    assert current == "2026a"
    assert keys == {"2026a": SECRET.encode(), "2025a": b"o" * 40, "2024b": b"p" * 40}


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({}, "VOTING_CODE_KEY is not set"),
        ({"VOTING_CODE_KEY": SECRET}, "must be KEYID:SECRET"),
        ({"VOTING_CODE_KEY": f"bad id:{SECRET}"}, "key id must be"),
        ({"VOTING_CODE_KEY": f"dev:{SECRET}"}, "reserved"),
        ({"VOTING_CODE_KEY": "2026a:short"}, "at least 32 characters"),
        (
            {"VOTING_CODE_KEY": f"2026a:{SECRET}", "VOTING_CODE_OLD_KEYS": f"2026a:{SECRET}x"},
            "already used",
        ),
        ({"VOTING_CODE_KEY": f"2026a:{SECRET}", "VOTING_CODE_OLD_KEYS": SECRET}, "entry 1"),
    ],
)
def test_a_bad_keyring_stops_start_up_without_showing_a_secret(
    environ: dict[str, str], message: str
) -> None:
    from config.env import env_code_keyring

    with pytest.raises(ImproperlyConfigured, match=message) as excinfo:
        env_code_keyring(
            "VOTING_CODE_KEY", "VOTING_CODE_OLD_KEYS", derive_from=None, environ=environ
        )
    assert SECRET not in str(excinfo.value)
    assert "short" not in str(excinfo.value)


def test_without_a_key_development_derives_one_from_secret_key() -> None:
    from config.env import env_code_keyring

    one = env_code_keyring("VOTING_CODE_KEY", "X", derive_from="a" * 50, environ={})
    two = env_code_keyring("VOTING_CODE_KEY", "X", derive_from="b" * 50, environ={})
    assert one[0] == two[0] == "dev"
    assert one[1] != two[1]


def test_env_file_is_read_and_the_environment_wins(tmp_path: Path) -> None:
    from config.env import load_env_file

    path = tmp_path / "local.env"
    path.write_text("# comment\n\nSECRET_KEY=from-file\nexport DEBUG='1'\nOTHER=\"x=y\"\n")
    environ = {"SECRET_KEY": "from-environment"}
    assert load_env_file(path, environ) == ["DEBUG", "OTHER"]
    assert environ == {"SECRET_KEY": "from-environment", "DEBUG": "1", "OTHER": "x=y"}


def test_a_malformed_env_file_names_the_line_not_its_content(tmp_path: Path) -> None:
    from config.env import read_env_file

    path = tmp_path / "local.env"
    path.write_text("SECRET_KEY=fine\nhunter2-no-equals-sign\n")
    with pytest.raises(ImproperlyConfigured, match="line 2") as excinfo:
        read_env_file(path)
    assert "hunter2" not in str(excinfo.value)


def test_local_settings_are_written_once_with_mode_0600(tmp_path: Path) -> None:
    from config import local_settings
    from config.env import env_code_keyring, env_secret_key, read_env_file

    path = tmp_path / "var" / "local.env"
    assert local_settings.ensure(path)
    first = path.read_text()
    assert not local_settings.ensure(path)
    assert path.read_text() == first
    assert path.stat().st_mode & 0o777 == 0o600
    values = read_env_file(path)
    # Valid for production-strength checks: long SECRET_KEY, a key id, a signing key.
    env_secret_key("SECRET_KEY", debug=False, environ=values)
    assert env_code_keyring("VOTING_CODE_KEY", "X", derive_from=None, environ=values)[0]
    from audit.signing import parse_private_key

    parse_private_key(values["AUDIT_SIGNING_KEY"].encode(), "AUDIT_SIGNING_KEY")


def test_env_choice_matches_without_case_and_names_the_choices() -> None:
    from config.env import env_choice

    levels = ("DEBUG", "INFO")
    assert env_choice("LOG_LEVEL", "INFO", levels, environ={"LOG_LEVEL": " debug "}) == "DEBUG"
    assert env_choice("LOG_LEVEL", "INFO", levels, environ={}) == "INFO"
    with pytest.raises(ImproperlyConfigured, match="LOG_LEVEL must be one of DEBUG, INFO"):
        env_choice("LOG_LEVEL", "INFO", levels, environ={"LOG_LEVEL": "loud"})
