"""issue_codes, close_round and publish_round on the command line."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ballots import codes, services
from ballots.models import Result, VotingCode
from budgets.models import Phase, Round
from tests.ballots.conftest import project_ids
from tests.conftest import DECLARED


def _run(*args: object) -> str:
    out = StringIO()
    call_command(*[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_issue_codes_writes_a_csv_of_valid_codes(voting_round: Round, tmp_path: Path) -> None:
    out = tmp_path / "codes.csv"
    said = _run("issue_codes", voting_round.pk, "--count", 7, "--out", out)
    assert "Wrote 7 codes" in said
    rows = list(csv.reader(out.open(encoding="utf-8")))
    assert rows[0][0] == "code"
    issued = [row[0] for row in rows[1:]]
    assert len(issued) == len(set(issued)) == 7
    assert all(codes.normalise_code(c) == c for c in issued)
    assert VotingCode.objects.filter(round=voting_round).count() == 7
    # The codes work.
    services.cast_ballot(
        voting_round, project_ids(voting_round)[:1], code=issued[3], declaration=DECLARED
    )
    assert out.stat().st_mode & 0o077 == 0  # readable by its owner only
    for code in issued:
        assert code not in said


def test_issue_codes_letters_have_an_svg_qr_code(voting_round: Round, tmp_path: Path) -> None:
    letters = tmp_path / "letters.html"
    _run(
        "issue_codes",
        voting_round.pk,
        "--count",
        2,
        "--out",
        tmp_path / "c.csv",
        "--letters",
        letters,
    )
    html = letters.read_text(encoding="utf-8")
    issued = [r[0] for r in list(csv.reader((tmp_path / "c.csv").open()))[1:]]
    assert html.count('class="letter"') == 2 and "<svg" in html
    assert all(code in html for code in issued)
    assert f"/rounds/{voting_round.pk}/vote/" in html


def test_issue_codes_refuses_to_overwrite(voting_round: Round, tmp_path: Path) -> None:
    out = tmp_path / "codes.csv"
    out.write_text("precious codes\n", encoding="utf-8")
    with pytest.raises(CommandError, match="already exists"):
        _run("issue_codes", voting_round.pk, "--count", 3, "--out", out)
    assert out.read_text(encoding="utf-8") == "precious codes\n"
    assert not VotingCode.objects.exists()


@pytest.mark.parametrize("command", ["issue_codes", "close_round", "publish_round"])
def test_bad_round_id(db: None, tmp_path: Path, command: str) -> None:
    extra = ["--count", 1, "--out", tmp_path / "x.csv"] if command == "issue_codes" else []
    with pytest.raises(CommandError, match="There is no round with id 424242"):
        _run(command, 424242, *extra)


def test_close_and_publish_commands_are_idempotent(small_round: Round) -> None:
    ids = project_ids(small_round)
    for code, sel in zip(services.issue_codes(small_round, 2), [[ids[0]], [ids[4]]], strict=True):
        services.cast_ballot(small_round, sel, code=code, declaration=DECLARED)
    with pytest.raises(CommandError, match="Close the round"):
        _run("publish_round", small_round.pk)
    said = _run("close_round", small_round.pk)
    assert "Closed." in said and "2 online" in said
    assert Round.objects.get(pk=small_round.pk).phase == Phase.CLOSED
    again = _run("close_round", small_round.pk)
    assert Result.objects.count() == 1 and "Closed." in again
    _run("publish_round", small_round.pk)
    assert Round.objects.get(pk=small_round.pk).phase == Phase.PUBLISHED
    first = Result.objects.get().published_at
    assert "Published" in _run("publish_round", small_round.pk)
    assert Result.objects.get().published_at == first


def test_close_round_outside_voting_is_a_command_error(voting_round: Round) -> None:
    Round.objects.filter(pk=voting_round.pk).update(phase=Phase.REVIEW)
    with pytest.raises(CommandError, match="Only a round in voting"):
        _run("close_round", voting_round.pk)
