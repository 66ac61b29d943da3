"""The command line, run as a separate process like auditors run it; and the no-Django proof."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SMALL = """META
key;value
budget;100
vote_type;approval
currency;GBP
PROJECTS
project_id;cost;name
1;6000;Benches
2;5000;Bins
VOTES
voter_id;vote
a;1,2
b;1
"""


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "ballots.tally", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
        timeout=120,
    )


@pytest.fixture
def small(tmp_path: Path) -> Path:
    path = tmp_path / "small.pb"
    path.write_text(SMALL.replace("budget;100", "budget;10000"))
    return path


def test_json_has_the_contract_shape(small: Path) -> None:
    done = run(str(small), "--rule", "greedy", "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    for key in ("rule", "sat", "budget", "spent", "selected", "projects", "ties"):
        assert key in data
    assert data["rule"] == "greedy" and data["sat"] == "cost"
    assert data["selected"] == ["1"] and data["spent"] == 6000
    for project in data["projects"]:
        assert {"id", "cost", "votes", "selected", "reason", "votes_needed"} <= set(project)
    assert data["projects"][1]["reason"] == "skipped: £40 was left, it cost £50"


@pytest.mark.parametrize("rule", ["greedy", "mes", "mes-add1", "phragmen", "optimal"])
def test_every_rule_runs_and_prints_a_table(small: Path, rule: str) -> None:
    done = run(str(small), "--rule", rule)
    assert done.returncode == 0, done.stderr
    assert f"rule {rule}" in done.stdout and "Benches" not in done.stderr


def test_compare(small: Path) -> None:
    done = run(str(small), "--compare", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)["rules"]
    assert {r["rule"] for r in rows} == {"greedy", "optimal", "mes", "mes-add1", "phragmen"}
    assert len(rows) == 8  # greedy, optimal, mes with two satisfactions; mes-add1; phragmen
    assert all("percent_non_empty_handed" in r and "avg_satisfaction" in r for r in rows)
    assert "non-empty-handed" in run(str(small), "--compare").stdout


def test_bad_input_exits_2_with_the_line_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.pb"
    bad.write_text(SMALL.replace("a;1,2", "a;1,9"))
    done = run(str(bad), "--rule", "mes", "--json")
    assert done.returncode == 2
    assert "line 12: voter a voted for unknown project '9'" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    missing = run(str(tmp_path / "missing.pb"), "--rule", "mes")
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    assert run(str(bad), "--rule", "nonsense").returncode == 2
    ordinal = tmp_path / "ordinal.pb"
    ordinal.write_text(SMALL.replace("vote_type;approval", "vote_type;ordinal"))
    refused = run(str(ordinal), "--rule", "mes")
    assert refused.returncode == 2 and "ordinal" in refused.stderr


def test_help_explains_every_rule() -> None:
    done = run("--help")
    assert done.returncode == 0
    for rule in ("greedy", "optimal", "mes", "mes-add1", "phragmen"):
        assert f"  {rule} " in done.stdout


def test_importing_the_core_and_running_the_cli_never_import_django(small: Path) -> None:
    code = (
        "import sys, runpy\n"
        "import ballots.tally\n"
        "from ballots.tally import read_pb, tally\n"
        f"tally(*read_pb({str(small)!r}), 'mes')\n"
        "sys.argv = ['x', " + repr(str(small)) + ", '--rule', 'optimal', '--json']\n"
        "try:\n    runpy.run_module('ballots.tally', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework'))\n"
        "assert not bad, bad\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr


def test_scipy_is_imported_only_for_optimal(small: Path) -> None:
    code = (
        "import sys\n"
        "from ballots.tally import read_pb, tally\n"
        f"instance, profile = read_pb({str(small)!r})\n"
        "for rule in ('greedy', 'mes', 'mes-add1', 'phragmen'):\n"
        "    tally(instance, profile, rule)\n"
        "assert 'scipy' not in sys.modules\n"
        "tally(instance, profile, 'optimal')\n"
        "assert 'scipy' in sys.modules\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False
    )
    assert done.returncode == 0, done.stderr


PLAIN_ARGUMENTS = [
    ["f.pb"],
    ["f.pb", "--rule", "mes", "--json"],
    ["--json", "--rule=mes-add1", "f.pb", "--sat", "cardinality"],
    ["f.pb", "--compare", "--unit", "pence", "--votes-needed=always"],
    ["f.pb", "--rule", "greedy", "--rule", "phragmen"],
    ["a=b.pb", "--votes-needed", "auto", "--unit=units"],
]
# Left to argparse: help, abbreviations, unknown options or values, two files, a missing value.
OTHER_ARGUMENTS = [
    ["--help"],
    ["f.pb", "--ru", "mes"],
    ["f.pb", "--rule", "best"],
    ["f.pb", "--votes_needed", "auto"],
    ["f.pb", "g.pb"],
    ["f.pb", "--rule"],
    ["--json"],
    ["-", "--json"],
    ["f.pb", "--json=yes"],
]


@pytest.mark.parametrize("argv", PLAIN_ARGUMENTS)
def test_plainly_written_arguments_read_without_argparse_as_argparse_reads_them(
    argv: list[str],
) -> None:
    from ballots.tally.__main__ import _parser, _plain_args

    plain = _plain_args(argv)
    assert plain is not None
    assert vars(plain) == vars(_parser().parse_args(argv))


@pytest.mark.parametrize("argv", OTHER_ARGUMENTS)
def test_anything_else_is_left_to_argparse(argv: list[str]) -> None:
    from ballots.tally.__main__ import _plain_args

    assert _plain_args(argv) is None


def test_json_projects_are_the_dataclass_fields_in_order() -> None:
    from dataclasses import asdict

    from ballots.tally import ProjectResult

    project = ProjectResult("7", "Benches", 6000, 2, True, "funded", None, 1, 1)
    assert list(project.to_dict().items()) == list(asdict(project).items())
