"""The deploy checks name what production is missing."""

from __future__ import annotations

from typing import Any

import pytest

from config.checks import community_chest_deploy_checks


def _ids(monkeypatch: pytest.MonkeyPatch, settings: Any, **env: str) -> set[str]:
    # What config/settings.py would read from these environment variables.
    settings.REDIS_URL = env.get("REDIS_URL", "")
    settings.AUDIT_SIGNING_KEY = env.get("AUDIT_SIGNING_KEY", "")
    settings.AUDIT_SIGNING_KEY_FILE = env.get("AUDIT_SIGNING_KEY_FILE", "")
    # What config/settings.py made of VOTING_CODE_KEY (the test run's default is "dev").
    settings.VOTING_CODE_KEY_ID = "2026a" if "VOTING_CODE_KEY" in env else "dev"
    return {problem.id for problem in community_chest_deploy_checks()}


def test_missing_production_keys_are_reported(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.DEBUG = False
    assert _ids(monkeypatch, settings) == {
        "community_chest.W001",
        "community_chest.E003",
        "community_chest.E001",
    }


def test_a_complete_production_environment_passes(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.DEBUG = False
    env = {
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "VOTING_CODE_KEY": "2026a:" + "k" * 40,
        "AUDIT_SIGNING_KEY_FILE": "/etc/chest/signing.pem",
    }
    assert _ids(monkeypatch, settings, **env) == set()


def test_debug_in_production_is_an_error(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.DEBUG = True
    assert "community_chest.E002" in _ids(monkeypatch, settings)


def test_settings_from_the_development_file_fail_the_deploy_check(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.DEBUG = False
    settings.LOCAL_SETTINGS_FILE = "/srv/chest/var/local.env"
    settings.LOCAL_SETTINGS_NAMES = ["SECRET_KEY", "VOTING_CODE_KEY"]
    assert "community_chest.E004" in _ids(monkeypatch, settings)
