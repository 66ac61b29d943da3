"""Deployment checks for what a production Community Chest needs beyond Django's own.

Run by `manage.py check --deploy`; CI runs it with production settings and fails on warnings.
"""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register


@register(Tags.security, deploy=True)
def community_chest_deploy_checks(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    if not os.environ.get("REDIS_URL"):
        problems.append(
            Warning(
                "REDIS_URL is not set, so the limits on failed sign-ins and voting codes are "
                "counted per worker process instead of across the whole service.",
                hint="Point REDIS_URL at a Redis server, e.g. redis://127.0.0.1:6379/0.",
                id="community_chest.W001",
            )
        )
    if not os.environ.get("VOTING_CODE_KEY"):
        problems.append(
            Warning(
                "VOTING_CODE_KEY is not set, so voting codes are hashed under a key derived from "
                "SECRET_KEY; rotating SECRET_KEY would then invalidate every issued code.",
                hint="Set VOTING_CODE_KEY to a long random value and keep it outside the database.",
                id="community_chest.W002",
            )
        )
    if not (os.environ.get("AUDIT_SIGNING_KEY") or os.environ.get("AUDIT_SIGNING_KEY_FILE")):
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
