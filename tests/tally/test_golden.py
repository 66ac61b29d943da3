"""Golden conformance: every rule on every shared Pabulib file equals pabutools' committed answer.

The expectations in golden/*.json come from `python tests/tally/make_golden.py` (pabutools 1.2.3,
reading the original files itself). Ordinal files have no oracle and no golden entries.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from pabulib_files import FILES, PABULIB_FILES_DIR, shared_files

from ballots.tally import Instance, Profile, compare, read_pb, tally

GOLDEN = Path(__file__).resolve().parent / "golden"


def _golden_cases() -> list[Any]:
    cases = []
    for path in sorted(GOLDEN.glob("*.json")):
        pb = PABULIB_FILES_DIR / f"{path.stem}.pb"  # missing: the case fails reading it
        for key in json.loads(path.read_text())["results"]:
            rule, sat = key.split("/")
            cases.append(pytest.param(pb, rule, sat, id=f"{pb.stem}-{rule}-{sat}"))
    return cases


@cache
def _load(pb: Path) -> tuple[Instance, Profile]:
    return read_pb(pb)


def _expected(pb: Path, rule: str, sat: str) -> dict[str, Any]:
    results: dict[str, Any] = json.loads((GOLDEN / f"{pb.stem}.json").read_text())["results"]
    return results[f"{rule}/{sat}"]


def test_every_golden_file_has_its_pabulib_file_listed() -> None:
    assert set(f"{path.stem}.pb" for path in GOLDEN.glob("*.json")) <= set(FILES)


def test_every_shared_file_has_a_golden_file(pabulib: Path) -> None:
    for pb in shared_files():
        _, profile = _load(pb)
        if profile.vote_type != "ordinal":
            assert (GOLDEN / f"{pb.stem}.json").exists(), f"run tests/tally/make_golden.py {pb}"


@pytest.mark.parametrize(("pb", "rule", "sat"), _golden_cases())
def test_rule_matches_pabutools(pb: Path, rule: str, sat: str) -> None:
    instance, profile = _load(pb)
    expected = _expected(pb, rule, sat)
    result = tally(instance, profile, rule, sat, votes_needed=False, check=False)
    assert result.spent <= instance.budget
    if rule == "optimal":
        assert result.details["welfare"] == expected["welfare"]
    else:
        assert sorted(result.selected) == expected["selected"]
        assert result.spent == expected["spent"]


def test_compare_matches_pabutools_analytics(pabulib: Path) -> None:
    for pb in shared_files():
        instance, profile = _load(pb)
        if profile.vote_type != "approval" or not (GOLDEN / f"{pb.stem}.json").exists():
            continue
        results = json.loads((GOLDEN / f"{pb.stem}.json").read_text())["results"]
        for row in compare(instance, profile):
            expected = results.get(f"{row['rule']}/{row['sat']}")
            if expected is None or row["rule"] == "optimal":
                continue
            assert row["percent_non_empty_handed"] == pytest.approx(
                expected["percent_non_empty_handed"], abs=1e-12
            )
            assert row["avg_satisfaction"] == pytest.approx(expected["avg_satisfaction"], abs=1e-9)


def test_every_shared_file_loads_and_round_trips(pabulib: Path) -> None:
    from ballots.tally import dumps_pb

    for pb in shared_files():
        instance, profile = _load(pb)
        text = dumps_pb(instance, profile)
        assert read_pb(text) == (instance, profile)
        assert dumps_pb(*read_pb(text)) == text


def test_ordinal_file_tallies_with_borda_greedy(pabulib: Path) -> None:
    for pb in shared_files():
        instance, profile = _load(pb)
        if profile.vote_type != "ordinal":
            continue
        result = tally(instance, profile, "greedy")
        assert result.spent <= instance.budget
        # The Borda scores follow the ranking: first place gets the most points.
        assert result.projects[0].votes >= result.projects[-1].votes


def _announced(instance: Instance) -> set[str]:
    return {pid for pid, p in instance.projects.items() if p.extra.get("selected") == "1"}


def test_mes_add1_reproduces_swiecies_announced_winners(pabulib: Path) -> None:
    instance, profile = _load(pabulib / "Poland_Swiecie_2023.pb")
    result = tally(instance, profile, "mes-add1", votes_needed=False, check=False)
    assert set(result.selected) == _announced(instance)


def test_mes_add1_on_assen_announced_the_equal_shares_phase(pabulib: Path) -> None:
    # Assen announced exactly the equal-shares phase; pabutools' greedy completion (which this rule
    # reproduces, as the issue requires) then also funds project 7 (12,000 with 23,300 left).
    instance, profile = _load(pabulib / "Netherlands_Assen_2024.pb")
    result = tally(instance, profile, "mes-add1", votes_needed=False, check=False)
    assert set(result.details["mes_selected"]) == _announced(instance)
    assert set(result.selected) == _announced(instance) | {"7"}
