"""The deploy checks name what production is missing."""

from __future__ import annotations

from typing import Any

import pytest

from config.checks import community_chest_deploy_checks


def _ids(monkeypatch: pytest.MonkeyPatch, settings: Any, **env: str) -> set[str]:
    for name in ("REDIS_URL", "VOTING_CODE_KEY", "AUDIT_SIGNING_KEY", "AUDIT_SIGNING_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return {problem.id for problem in community_chest_deploy_checks()}


def test_missing_production_keys_are_reported(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.DEBUG = False
    assert _ids(monkeypatch, settings) == {
        "community_chest.W001",
        "community_chest.W002",
        "community_chest.E001",
    }


def test_a_complete_production_environment_passes(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.DEBUG = False
    env = {
        "REDIS_URL": "redis://127.0.0.1:6379/0",
        "VOTING_CODE_KEY": "k" * 40,
        "AUDIT_SIGNING_KEY_FILE": "/etc/chest/signing.pem",
    }
    assert _ids(monkeypatch, settings, **env) == set()


def test_debug_in_production_is_an_error(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.DEBUG = True
    assert "community_chest.E002" in _ids(monkeypatch, settings)
