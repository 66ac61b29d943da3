"""Shared fixtures for the tally core's tests: where the shared Pabulib files are."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # pabutools_oracle, generators


def pabulib_dir() -> Path:
    env = os.environ.get("PABULIB_DIR")
    if env:
        return Path(env)
    return (Path(__file__).resolve().parents[2] / ".." / "shared" / "pabulib").resolve()


def shared_files() -> list[Path]:
    directory = pabulib_dir()
    return sorted(directory.glob("*.pb")) if directory.is_dir() else []


@pytest.fixture
def pabulib() -> Path:
    directory = pabulib_dir()
    if not shared_files():
        pytest.skip(f"no shared Pabulib files in {directory} (set PABULIB_DIR)")
    return directory
