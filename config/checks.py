"""Deployment checks for what a production Community Chest needs beyond Django's own.

Run by `manage.py check --deploy`; CI runs it with production settings and fails on warnings.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from config.env import DERIVED_CODE_KEY_ID


@register(Tags.security, deploy=True)
def community_chest_deploy_checks(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    if not settings.REDIS_URL:
        problems.append(
            Warning(
                "REDIS_URL is not set, so the limits on failed sign-ins and voting codes are "
                "counted per worker process instead of across the whole service.",
                hint="Point REDIS_URL at a Redis server, e.g. redis://127.0.0.1:6379/0.",
                id="community_chest.W001",
            )
        )
    if settings.VOTING_CODE_KEY_ID == DERIVED_CODE_KEY_ID:
        problems.append(
            Error(
                "VOTING_CODE_KEY is not set, so voting codes are hashed under a development key "
                "derived from SECRET_KEY.",
                hint="Set VOTING_CODE_KEY=KEYID:SECRET (e.g. 2026a:<48 random characters>), "
                "independent of SECRET_KEY and kept outside the database.",
                id="community_chest.E003",
            )
        )
    if settings.LOCAL_SETTINGS_NAMES:
        problems.append(
            Error(
                f"{', '.join(settings.LOCAL_SETTINGS_NAMES)} came from the development file "
                f"{settings.LOCAL_SETTINGS_FILE}, not from the environment.",
                hint="Production takes its secrets from the environment: delete the file or set "
                "LOCAL_SETTINGS_FILE= (empty).",
                id="community_chest.E004",
            )
        )
    if not (settings.AUDIT_SIGNING_KEY or settings.AUDIT_SIGNING_KEY_FILE):
        problems.append(
            Error(
                "No key to sign the audit ledger: closing and publishing rounds would be refused.",
                hint="Set AUDIT_SIGNING_KEY (an Ed25519 private key, PEM or base64) or "
                "AUDIT_SIGNING_KEY_FILE.",
                id="community_chest.E001",
            )
        )
    if settings.DEBUG:
        problems.append(
            Error("DEBUG is on.", hint="Unset DEBUG in production.", id="community_chest.E002")
        )
    return problems
