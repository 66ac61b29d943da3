"""A double click on "Issue the codes" reaching two or more workers at once, on real PostgreSQL:
one batch, one ledger event, and every worker answers the same codes."""

from __future__ import annotations

from typing import Any

import pytest

from audit import kinds
from audit.models import Event
from ballots import services
from ballots.models import CodeBatch, VotingCode
from budgets.models import Round
from tests.ballots.conftest import make_voting_round
from tests.conftest import make_user
from tests.threads import same_at_once
from wards.models import Membership, Role, Ward

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_four_workers_issuing_the_same_form_at_once_make_one_batch() -> None:
    ward = Ward.objects.create(name="Sparkbrook", slug="sparkbrook", chest_pence=10_000_000)
    sam = make_user("sam")
    Membership.objects.create(user=sam, ward=ward, role=Role.COUNCILLOR)
    round = make_voting_round(ward)
    secret = services.new_batch_secret()

    def issue() -> bytes:
        return services.issue_code_letters(
            Round.objects.get(pk=round.pk),
            25,
            by=sam,
            base_url="https://chest.example",
            batch_secret=secret,
        )

    results: list[Any] = same_at_once(issue, times=4)
    assert all(isinstance(r, bytes) for r in results), results
    assert len(set(results)) == 1
    assert CodeBatch.objects.filter(round=round).count() == 1
    assert VotingCode.objects.filter(round=round).count() == 25
    assert Event.objects.filter(kind=kinds.CODES_ISSUED, round_id=round.pk).count() == 1
