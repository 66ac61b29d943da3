"""`python -m audit.verify` given what a tired auditor (or a hostile server) hands it: every
answer is one line and the documented exit status (1: a file is wrong, 2: a file cannot be read
or the arguments are wrong), never a traceback and never an accusation the files do not support."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.audit.conftest import Downloads
from tests.audit.test_verify import ROOT, verify

DEEP = b"[" * 200_000 + b"\n"  # far past Python's recursion limit when parsed


def test_a_deeply_nested_ledger_line_is_named_not_a_traceback(tmp_path: Path) -> None:
    # It used to end in "RecursionError: maximum recursion depth exceeded", exit 1.
    ledger = tmp_path / "ledger.jsonl"
    ledger.write_bytes(DEEP)
    for extra in ([], ["--strict"]):
        done = subprocess.run(
            [sys.executable, "-m", "audit.verify", str(ledger), *extra],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
            timeout=120,
        )
        assert done.returncode == 1, done.stderr
        assert "Traceback" not in done.stderr and done.stderr == ""
        assert done.stdout.startswith("FAILED ledger.jsonl line 1: the line is not valid JSON")


@pytest.mark.parametrize(
    ("option", "status", "words"),
    [
        ("--checkpoints", 1, "not valid JSON"),
        ("--result", 1, "not valid JSON"),
        ("--keys", 2, "is not JSON"),
    ],
)
def test_deeply_nested_json_files_are_refused_in_one_line(
    downloads: Downloads, capsys, tmp_path: Path, option: str, status: int, words: str
) -> None:
    deep = tmp_path / "deep.json"
    deep.write_bytes(DEEP)
    args: list[object] = [downloads.ledger, option, deep]
    if option == "--result":
        args += ["--ballots", downloads.ballots]
    got, out = verify(capsys, *args)
    assert got == status
    assert words in out and len(out.strip().splitlines()) == 1


def test_a_round_the_ledger_does_not_hold_is_a_usage_error_not_tampering(
    downloads: Downloads, capsys
) -> None:
    # --round 99 (a typo) used to be reported as "commitment mismatch: published ballot ...
    # matches no sealed commitment of round 99 (it was added, or altered after it was sealed)".
    args = [downloads.ledger, "--ballots", downloads.ballots, "--result", downloads.result]
    for wrong in ("99", "-1", str(10**30)):
        status, out = verify(capsys, *args, "--round", wrong)
        assert status == 2, out
        assert f"round {wrong}" in out and "no events" in out
        assert "commitment" not in out


def test_a_result_naming_a_round_the_ledger_does_not_hold_is_named(
    downloads: Downloads, capsys, tmp_path: Path
) -> None:
    result = json.loads(downloads.result.read_bytes())
    result["round"] = 99
    other = tmp_path / "result.json"
    other.write_text(json.dumps(result))
    status, out = verify(
        capsys, downloads.ledger, "--ballots", downloads.ballots, "--result", other
    )
    assert status == 1
    assert out.startswith(f"FAILED {other}: ")
    assert "round 99" in out and "no events" in out and "commitment" not in out


def test_an_empty_key_argument_is_refused(downloads: Downloads, capsys) -> None:
    # `--key "$KEY"` with KEY unset used to verify with no key at all and print OK.
    for option in ("--key", "--keys"):
        status, out = verify(capsys, downloads.ledger, option, "")
        assert status == 2, out
        assert "empty" in out


@pytest.mark.parametrize("jobs", ["-1", "100000"])
def test_a_number_of_jobs_out_of_range_is_refused(downloads: Downloads, capsys, jobs: str) -> None:
    # -1 used to mean "auto" in silence; 100000 would fork a process per line of a large ledger.
    with pytest.raises(SystemExit) as exc:
        verify(capsys, downloads.ledger, "--jobs", jobs)
    assert exc.value.code == 2
    assert "--jobs" in capsys.readouterr().err
