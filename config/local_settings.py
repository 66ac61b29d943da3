"""The development settings file: generated secrets, so every command in a checkout agrees.

    python -m config.local_settings [PATH]      (`make demo` runs it)

writes var/local.env (mode 0600, git-ignored) once, with a SECRET_KEY, a VOTING_CODE_KEY and an
AUDIT_SIGNING_KEY; an existing file is kept as it is. config/settings.py reads the file when it
exists (LOCAL_SETTINGS_FILE names another one, or none when empty), and the real environment wins
over it. Production never generates secrets: they come from the environment, `manage.py check
--deploy` fails when settings were read from this file, and nothing but this module writes it.

Plain Python (no Django settings), so it runs before there is anything to configure.
"""

from __future__ import annotations

import base64
import datetime
import os
import secrets
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_PATH = BASE_DIR / "var" / "local.env"
ENV_NAME = "LOCAL_SETTINGS_FILE"
# An earlier demo's ledger key (audit/signing.py's development key): kept, so its checkpoints
# still verify.
OLD_DEV_SIGNING_KEY = BASE_DIR / "var" / "audit-dev-signing-key.pem"


def default_path(environ: dict[str, str] | os._Environ[str] = os.environ) -> Path | None:
    """The file to read: $LOCAL_SETTINGS_FILE (none if empty), else var/local.env; under pytest
    only an explicit $LOCAL_SETTINGS_FILE, so the test suite never depends on a developer's file."""
    if ENV_NAME in environ:
        value = environ[ENV_NAME].strip()
        return Path(value) if value else None
    if "pytest" in sys.modules:
        return None
    return DEFAULT_PATH


def _signing_key_base64() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    key: object = None
    if OLD_DEV_SIGNING_KEY.is_file():
        try:
            key = serialization.load_pem_private_key(OLD_DEV_SIGNING_KEY.read_bytes(), None)
        except (ValueError, TypeError):
            key = None
    if not isinstance(key, Ed25519PrivateKey):
        key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return base64.b64encode(raw).decode()


def render() -> str:
    key_id = "local-" + datetime.date.today().strftime("%Y%m%d")
    return (
        "# Community Chest development settings for this checkout only, written by\n"
        "# `python -m config.local_settings` (make demo). Never copy this file to a server:\n"
        "# production takes its secrets from the environment. The environment wins over it.\n"
        f"SECRET_KEY={secrets.token_urlsafe(64)}\n"
        f"VOTING_CODE_KEY={key_id}:{secrets.token_urlsafe(48)}\n"
        f"AUDIT_SIGNING_KEY={_signing_key_base64()}\n"
    )


def ensure(path: Path = DEFAULT_PATH) -> bool:
    """Write the file unless it exists (O_EXCL: two processes at once keep one). True if new."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(render())
    return True


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else (default_path() or DEFAULT_PATH)
    if ensure(path):
        print(f"Wrote development secrets to {path} (mode 0600, git-ignored).")
    else:
        print(f"Using the development secrets in {path}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
