"""Outgoing mail: SMTP from the environment; the demo (DEBUG, no EMAIL_HOST) writes files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOW = (
    "import django; django.setup(); from django.conf import settings as s; "
    "print(s.EMAIL_BACKEND, s.EMAIL_FILE_PATH, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)"
)


def _settings(**env: str) -> list[str]:
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("EMAIL_") and key != "DEBUG"
    }
    environ.update(DJANGO_SETTINGS_MODULE="config.settings", LOCAL_SETTINGS_FILE="", **env)
    done = subprocess.run(
        [sys.executable, "-c", SHOW], cwd=ROOT, env=environ, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()


def test_the_demo_writes_mail_under_var_mail() -> None:
    backend, path, *_ = _settings(DEBUG="1")
    assert backend == "django.core.mail.backends.filebased.EmailBackend"
    assert Path(path) == ROOT / "var" / "mail"


def test_smtp_comes_from_the_environment() -> None:
    backend, _, host, port, tls = _settings(
        DEBUG="1", EMAIL_HOST="smtp.example.org", EMAIL_PORT="2525", EMAIL_USE_TLS="no"
    )
    assert backend == "django.core.mail.backends.smtp.EmailBackend"
    assert (host, port, tls) == ("smtp.example.org", "2525", "False")
    backend, *_ = _settings()
    assert backend == "django.core.mail.backends.smtp.EmailBackend"
