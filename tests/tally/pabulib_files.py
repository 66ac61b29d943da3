"""The Pabulib files the conformance tests read: committed in tests/data/pabulib/ (sources and
commits in its README.md), so the tests run in any clone. A missing file fails the tests."""

from __future__ import annotations

from pathlib import Path

PABULIB_FILES_DIR = Path(__file__).resolve().parents[1] / "data" / "pabulib"

# Every file test_golden.py reads: one golden JSON for each non-ordinal file, plus the ordinal one.
FILES = (
    "Netherlands_Assen_2024.pb",
    "Poland_Czestochowa_2020.pb",
    "Poland_Czestochowa_2020_Wrzosowiak.pb",
    "Poland_Krakow_2019_Pradnik_Czerwony.pb",
    "Poland_Swiecie_2023.pb",
    "Poland_Warszawa_2017_Plac_Wojska_Polskiego.pb",
    "Poland_Warszawa_2018_Pole_Mokotowskie.pb",
    "Poland_Warszawa_2021_Mokotow.pb",
    "Poland_Wieliczka_2023_Green_Budget.pb",
    "US_Stanford_Dataset_2022_Jersey_City_Ward_D_vote_knapsacks.pb",
)


def pabulib_dir() -> Path:
    return PABULIB_FILES_DIR


def shared_files() -> list[Path]:
    """The files the tests need, whether or not they are there (a missing one must fail)."""
    return [PABULIB_FILES_DIR / name for name in FILES]


def missing_files() -> list[str]:
    return [path.name for path in shared_files() if not path.is_file()]
