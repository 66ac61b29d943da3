"""Shared fixtures for the tally core's tests: the committed Pabulib files (tests/data/pabulib)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # helpers: oracle, generators, files

from pabulib_files import missing_files, pabulib_dir


@pytest.fixture
def pabulib() -> Path:
    directory = pabulib_dir()
    missing = missing_files()
    if missing:
        pytest.fail(f"Pabulib files missing from {directory}: {', '.join(missing)}")
    return directory
