"""Where the shared Pabulib files are: ../shared/pabulib next to the repository, or $PABULIB_DIR."""

from __future__ import annotations

import os
from pathlib import Path


def pabulib_dir() -> Path:
    env = os.environ.get("PABULIB_DIR")
    if env:
        return Path(env)
    return (Path(__file__).resolve().parents[2] / ".." / "shared" / "pabulib").resolve()


def shared_files() -> list[Path]:
    directory = pabulib_dir()
    return sorted(directory.glob("*.pb")) if directory.is_dir() else []
