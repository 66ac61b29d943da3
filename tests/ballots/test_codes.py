"""Voting codes and receipts: format, typo-catching, normalisation, and storage only as HMAC."""

from __future__ import annotations

import math
import random
import re
from typing import Any

import pytest
from django.db import connection

from ballots import codes, services
from ballots.models import Ballot, Voter, VotingCode
from budgets.models import Round
from tests.conftest import DECLARED

CODE_RE = re.compile(r"^[2-9A-HJ-NP-Z]{6}-[2-9A-HJ-NP-Z]{6}-[2-9A-HJ-NP-Z]{6}$")
RECEIPT_RE = re.compile(r"^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$")


def test_alphabet_has_no_lookalikes_and_codes_carry_at_least_80_bits() -> None:
    assert not set("01OI") & set(codes.ALPHABET)
    assert len(set(codes.ALPHABET)) == len(codes.ALPHABET) == 32
    assert codes.CODE_DATA_CHARS * math.log2(len(codes.ALPHABET)) >= 80
    assert codes.RECEIPT_CHARS * math.log2(len(codes.ALPHABET)) >= 80


def test_codes_are_grouped_in_threes_of_six_and_differ() -> None:
    sample = [codes.new_code() for _ in range(200)]
    assert all(CODE_RE.match(c) for c in sample), sample[:3]
    assert len(set(sample)) == len(sample)
    assert all(codes.normalise_code(c) == c for c in sample)


def test_receipts_look_like_the_issue_example() -> None:
    sample = [codes.new_receipt() for _ in range(200)]
    assert all(RECEIPT_RE.match(r) for r in sample), sample[:3]
    assert len(set(sample)) == len(sample)
    receipt = sample[0]
    assert codes.normalise_receipt(receipt.lower().replace("-", " ")) == receipt
    with pytest.raises(codes.CodeFormatError):
        codes.normalise_receipt(receipt[:-1])
    with pytest.raises(codes.CodeFormatError):
        codes.normalise_receipt("0" + receipt[1:])


def _sample_codes(n: int = 300) -> list[str]:
    return [codes.new_code().replace("-", "") for _ in range(n)]


def test_check_character_catches_every_single_substitution() -> None:
    missed = []
    for compact in _sample_codes(60):
        for i, original in enumerate(compact):
            for ch in codes.ALPHABET:
                if ch == original:
                    continue
                typo = compact[:i] + ch + compact[i + 1 :]
                try:
                    codes.normalise_code(typo)
                except codes.CodeFormatError:
                    continue
                missed.append(typo)
    assert missed == []


def test_check_character_catches_every_adjacent_transposition() -> None:
    rng = random.Random(7)
    sample = _sample_codes()
    # Every pair of symbols, including the alphabet's first and last ("2" and "Z"), which is
    # exactly the pair Luhn mod 32 cannot tell apart when swapped.
    for a in codes.ALPHABET:
        for b in codes.ALPHABET:
            data = [rng.choice(codes.ALPHABET) for _ in range(codes.CODE_DATA_CHARS)]
            at = rng.randrange(codes.CODE_DATA_CHARS - 1)
            data[at], data[at + 1] = a, b
            text = "".join(data)
            sample.append(text + codes._check_char(text))
    missed = []
    for compact in sample:
        for i in range(len(compact) - 1):
            if compact[i] == compact[i + 1]:
                continue
            swapped = compact[:i] + compact[i + 1] + compact[i] + compact[i + 2 :]
            try:
                codes.normalise_code(swapped)
            except codes.CodeFormatError:
                continue
            missed.append((compact, i))
    assert missed == []


def test_normalisation_ignores_case_spaces_and_hyphens() -> None:
    code = codes.new_code()
    compact = code.replace("-", "")
    for typed in [
        code.lower(),
        compact,
        " ".join(compact[i : i + 3] for i in range(0, len(compact), 3)),
        f"  {code.lower().replace('-', ' - ')}\n",
    ]:
        assert codes.normalise_code(typed) == code


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("ABC", "has 18 letters"),
        ("", "you entered 0"),
        ("O" * 18, "never use 0, 1, O or I"),
    ],
)
def test_malformed_codes_are_explained(typed: str, message: str) -> None:
    with pytest.raises(codes.CodeFormatError, match=message):
        codes.normalise_code(typed)


def test_a_typo_is_reported_as_a_typo() -> None:
    compact = codes.new_code().replace("-", "")
    wrong = "3" if compact[0] != "3" else "4"
    with pytest.raises(codes.CodeFormatError, match="typing mistake"):
        codes.normalise_code(wrong + compact[1:])


def _every_stored_text() -> str:
    """Every text column of every ballots/audit table, as one string."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if not table.startswith(("ballots_", "audit_")):
                continue
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_codes_are_stored_only_as_hmac(voting_round: Round, ids: list[int]) -> None:
    issued = services.issue_codes(voting_round, 5)
    services.cast_ballot(voting_round, [ids[0]], code=issued[0].lower(), declaration=DECLARED)
    stored = _every_stored_text()
    for code in issued:
        assert code not in stored
        assert code.replace("-", "") not in stored
        assert VotingCode.objects.filter(code_hash=codes.hash_code(voting_round, code)).exists()
    assert VotingCode.objects.filter(round=voting_round).count() == 5
    assert all(len(h) == 64 for h in VotingCode.objects.values_list("code_hash", flat=True))
    # The register row is keyed, never the code or the person.
    voter = Voter.objects.get()
    assert voter.key == codes.voter_key_for_code(voting_round, issued[0])
    assert Ballot.objects.get().voter == voter


def test_hashes_depend_on_the_key_kept_outside_the_database(
    voting_round: Round, settings: Any
) -> None:
    code = codes.new_code()
    before = codes.hash_code(voting_round, code)
    key_id = voting_round.code_key_id
    settings.VOTING_CODE_KEYS = {key_id: b"another key entirely, also 32+ characters long"}
    assert codes.hash_code(voting_round, code) != before
