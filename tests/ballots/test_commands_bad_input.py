"""issue_codes given paths and values a tired council officer might type: a one-line CommandError,
and no codes issued that nobody holds, no earlier letters overwritten."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from ballots.models import VotingCode
from budgets.models import Round


def _run(*args: object) -> str:
    out = StringIO()
    call_command(*[str(a) for a in args], stdout=out)
    return out.getvalue()


def test_codes_file_in_a_missing_folder_issues_no_codes(
    voting_round: Round, tmp_path: Path
) -> None:
    # It used to issue the codes, then fail with a FileNotFoundError traceback: codes in the
    # database that nobody could ever print.
    out = tmp_path / "no-such-folder" / "codes.csv"
    with pytest.raises(CommandError, match="cannot write"):
        _run("issue_codes", voting_round.pk, "--count", 3, "--out", out)
    assert not VotingCode.objects.exists()


def test_letters_in_a_missing_folder_issue_no_codes(voting_round: Round, tmp_path: Path) -> None:
    out = tmp_path / "codes.csv"
    letters = tmp_path / "no-such-folder" / "letters.html"
    with pytest.raises(CommandError, match="cannot write"):
        _run("issue_codes", voting_round.pk, "--count", 3, "--out", out, "--letters", letters)
    assert not VotingCode.objects.exists()
    assert not out.exists()


def test_existing_letters_are_not_overwritten(voting_round: Round, tmp_path: Path) -> None:
    # --letters used to overwrite an earlier batch's letters (or the codes file itself).
    letters = tmp_path / "letters.html"
    letters.write_text("last week's letters\n", encoding="utf-8")
    with pytest.raises(CommandError, match="already exists"):
        _run(
            "issue_codes", voting_round.pk, "--count", 3, "--out", tmp_path / "c.csv",
            "--letters", letters,
        )  # fmt: skip
    assert letters.read_text(encoding="utf-8") == "last week's letters\n"
    assert not VotingCode.objects.exists()
    assert not (tmp_path / "c.csv").exists()


def test_letters_and_codes_must_be_different_files(voting_round: Round, tmp_path: Path) -> None:
    same = tmp_path / "codes.csv"
    with pytest.raises(CommandError, match="different files"):
        _run("issue_codes", voting_round.pk, "--count", 3, "--out", same, "--letters", same)
    assert not VotingCode.objects.exists() and not same.exists()


@pytest.mark.parametrize("url", ["not a url", "javascript:alert(1)", "ftp://example.org"])
def test_a_base_url_that_is_not_a_web_address_is_refused(
    voting_round: Round, tmp_path: Path, url: str
) -> None:
    # It used to be printed into every letter's link and QR code.
    with pytest.raises(CommandError, match="--base-url"):
        _run("issue_codes", voting_round.pk, "--count", 3, "--out", tmp_path / "c.csv",
             "--base-url", url)  # fmt: skip
    assert not VotingCode.objects.exists()


def test_a_failed_issue_leaves_no_empty_files(voting_round: Round, tmp_path: Path) -> None:
    out, letters = tmp_path / "c.csv", tmp_path / "l.html"
    with pytest.raises(CommandError, match="between 1 and 200,000"):
        _run("issue_codes", voting_round.pk, "--count", 0, "--out", out, "--letters", letters)
    assert not out.exists() and not letters.exists()


def test_the_files_are_private_and_hold_the_codes(voting_round: Round, tmp_path: Path) -> None:
    out, letters = tmp_path / "c.csv", tmp_path / "l.html"
    _run("issue_codes", voting_round.pk, "--count", 2, "--out", out, "--letters", letters)
    issued = [row[0] for row in list(csv.reader(out.open(encoding="utf-8")))[1:]]
    assert len(issued) == 2 and all(code in letters.read_text(encoding="utf-8") for code in issued)
    assert out.stat().st_mode & 0o077 == 0 and letters.stat().st_mode & 0o077 == 0
