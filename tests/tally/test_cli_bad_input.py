"""What `python -m ballots.tally` says to a file an auditor should not have been given: one line
naming the problem and exit status 2, never a traceback and never a quietly wrong count."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

BASE = """META
key;value
budget;1000
vote_type;approval
PROJECTS
project_id;cost;name
1;400;Park
2;500;Bench
VOTES
voter_id;vote
v1;1,2
v2;2
"""

CUMULATIVE = (
    BASE.replace("approval", "cumulative")
    .replace("voter_id;vote\n", "voter_id;vote;points\n")
    .replace("v1;1,2\n", "v1;1,2;1,2\n")
    .replace("v2;2\n", "v2;2;1\n")
)


def run(path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ballots.tally", str(path), *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )


def assert_refused(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    for word in words:
        assert word in done.stderr


BIG = str(10**40)
HALF = str(2**62)  # two of these add up past what a 64-bit count can hold


@pytest.mark.parametrize(
    ("text", "args"),
    [
        (BASE.replace("1;400;Park", f"1;{BIG};Park"), ["--rule", "mes"]),
        (BASE.replace("1;400;Park", f"1;{BIG};Park"), ["--compare"]),
        (BASE.replace("budget;1000", f"budget;{BIG}"), ["--compare"]),
        (BASE.replace("1;400", f"1;{HALF}").replace("2;500", f"2;{HALF}"), ["--compare"]),
        (CUMULATIVE.replace("v2;2;1", f"v2;2;{BIG}"), ["--rule", "greedy"]),
        (CUMULATIVE.replace("v2;2;1", f"v2;2;{BIG}"), ["--rule", "mes"]),
    ],
    ids=[
        "cost-mes",
        "cost-compare",
        "budget-compare",
        "sum-compare",
        "points-greedy",
        "points-mes",
    ],
)
def test_amounts_beyond_exact_counting_are_refused_not_crashed(
    tmp_path: Path, text: str, args: list[str]
) -> None:
    # Each used to end in "OverflowError: Python int too large to convert to C long" (or, for
    # two costs of 2**62, a voter's asked-for money wrapping negative in silence).
    path = tmp_path / "big.pb"
    path.write_text(text)
    assert_refused(run(path, *args), str(path), "too large")


@pytest.mark.parametrize("field", ["budget;1,000", "1;1,000;Park"])
def test_a_thousands_separator_is_refused_not_read_as_one(tmp_path: Path, field: str) -> None:
    # "1,000" used to be read with the comma as a decimal point: a budget of 1, or a project
    # costing 1, and the tally went ahead on it.
    text = BASE.replace("budget;1000", field) if field.startswith("budget") else BASE
    if not field.startswith("budget"):
        text = text.replace("1;400;Park", field)
    path = tmp_path / "comma.pb"
    path.write_text(text)
    assert_refused(run(path), "1,000", "thousands", "line")


def test_a_decimal_comma_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "decimal.pb"
    path.write_text(BASE.replace("budget;1000", "budget;1000,0"))
    done = run(path, "--json")
    assert done.returncode == 0, done.stderr
    assert '"budget": 1000' in done.stdout


def test_an_empty_file_says_it_is_empty(tmp_path: Path) -> None:
    # It used to say "line 0: the file has no META section".
    path = tmp_path / "empty.pb"
    path.write_text("")
    assert_refused(run(path), "empty")
    assert "line 0" not in run(path).stderr


def test_output_cut_short_by_a_closed_pipe_is_not_a_traceback(tmp_path: Path) -> None:
    # `python -m ballots.tally big.pb | head -1` used to end in a BrokenPipeError traceback.
    projects = "".join(
        f"p{k};{k % 97 + 1};A project with a fairly long name {k}\n" for k in range(3000)
    )
    path = tmp_path / "many.pb"
    path.write_text(
        BASE.replace("1;400;Park\n2;500;Bench\n", projects).replace("1,2", "p1,p2")
        .replace("v2;2", "v2;p2")
    )  # fmt: skip
    for extra in ([], ["--json"]):
        proc = subprocess.Popen(
            [sys.executable, "-m", "ballots.tally", str(path), *extra],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
        )
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.read(20)
        proc.stdout.close()  # as head does once it has its line
        err = proc.stderr.read().decode()
        assert proc.wait(timeout=120) == 1
        assert "Traceback" not in err and "BrokenPipe" not in err
