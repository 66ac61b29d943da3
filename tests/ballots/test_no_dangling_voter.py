"""A ballot's link to the register never points at a missing row.

The database does not check Ballot.voter (db_constraint=False: closing rewrites the whole
register, and the check cost one query per row), so these tests do: after every path that writes
the link or removes register rows (casting with a code, replacing, voting signed in, paper
entry, close, cancel), each ballot's voter is NULL or an existing register row of its round.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection

from ballots import services
from ballots.models import Ballot, Voter
from budgets import services as rounds
from budgets.models import Round
from tests.ballots.conftest import project_ids
from tests.conftest import DECLARED

pytestmark = pytest.mark.django_db


def dangling_ballots() -> list[int]:
    """Ids of ballots whose voter is missing from the register, or is another round's voter."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT b.id FROM ballots_ballot b LEFT JOIN ballots_voter v ON v.id = b.voter_id "
            "WHERE b.voter_id IS NOT NULL AND (v.id IS NULL OR v.round_id <> b.round_id)"
        )
        return [int(row[0]) for row in cursor.fetchall()]


def _vote_every_way(round: Round, resident: Any, entered_by: tuple[Any, Any]) -> None:
    ids = project_ids(round)
    codes = services.issue_codes(round, 4)
    services.cast_ballot(round, [ids[0]], code=codes[0], declaration=DECLARED)
    assert dangling_ballots() == []
    services.cast_ballot(round, [ids[1]], code=codes[0], declaration=DECLARED)  # replaces
    # Signed in with a code, then with the account alone: one register row, replaced again.
    services.cast_ballot(round, [ids[2]], user=resident, code=codes[1], declaration=DECLARED)
    services.cast_ballot(round, [ids[3]], user=resident, declaration=DECLARED)
    assert dangling_ballots() == []
    paper = [{"code": codes[2], "projects": [ids[0]]}, {"code": codes[3], "projects": [ids[4]]}]
    for clerk in entered_by:
        services.enter_paper_batch(
            round,
            polling_place="Library",
            by=clerk,
            account=services.PaperAccount(4, 1, 1, 2),
            ballots=paper,
        )
    assert Ballot.objects.filter(round=round, voter__isnull=False).count() == 6
    assert dangling_ballots() == []


def test_casting_replacing_paper_and_close_leave_no_ballot_without_its_voter(
    small_round: Round, resident_alice: Any, councillor_sam: Any, councillor_sia: Any
) -> None:
    _vote_every_way(small_round, resident_alice, (councillor_sam, councillor_sia))
    voters = Voter.objects.filter(round=small_round).count()
    services.close_round(small_round)
    assert Voter.objects.filter(round=small_round).count() == voters
    assert not Ballot.objects.filter(round=small_round, voter__isnull=False).exists()
    assert dangling_ballots() == []


def test_cancelling_leaves_no_ballot_without_its_voter(
    small_round: Round, resident_alice: Any, councillor_sam: Any, councillor_sia: Any
) -> None:
    _vote_every_way(small_round, resident_alice, (councillor_sam, councillor_sia))
    rounds.request_cancel(small_round, by=councillor_sam, reason="The ward boundary changed.")
    rounds.cancel_round(small_round, by=councillor_sia)
    assert not Ballot.objects.filter(round=small_round, voter__isnull=False).exists()
    assert dangling_ballots() == []


def test_the_check_finds_a_ballot_whose_voter_is_gone(small_round: Round) -> None:
    # The database does not refuse such a row any more: the check above is what would notice.
    ids = project_ids(small_round)
    (code,) = services.issue_codes(small_round, 1)
    receipt = services.cast_ballot(small_round, [ids[0]], code=code, declaration=DECLARED).receipt
    ballot = Ballot.objects.get(receipt=receipt)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ballots_voter WHERE id = %s", [ballot.voter_id])
    assert dangling_ballots() == [ballot.pk]
