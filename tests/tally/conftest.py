"""Shared fixtures for the tally core's tests: where the shared Pabulib files are."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # helpers: oracle, generators, files

from pabulib_files import pabulib_dir, shared_files


@pytest.fixture
def pabulib() -> Path:
    directory = pabulib_dir()
    if not shared_files():
        pytest.skip(f"no shared Pabulib files in {directory} (set PABULIB_DIR)")
    return directory
