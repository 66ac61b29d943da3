"""A councillor's or clerk's double click reaching two workers at once, on real PostgreSQL:
the same councillor's publication request counts once (two councillors are needed), the same
person's paper entry is one entry, and one early-close request stands."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import Event
from ballots import services
from ballots.models import PaperBatch, Result
from budgets.models import Round
from tests.ballots.conftest import close, make_voting_round, project_ids
from tests.conftest import make_user
from tests.threads import same_at_once
from wards.models import Membership, Role, Ward

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def ward() -> Ward:
    return Ward.objects.create(name="Sparkbrook", slug="sparkbrook", chest_pence=10_000_000)


@pytest.fixture
def sam(ward: Ward) -> Any:
    user = make_user("sam")
    Membership.objects.create(user=user, ward=ward, role=Role.COUNCILLOR)
    return user


def _refusals(results: list[Any]) -> list[Any]:
    unexpected = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(r, ValidationError) for r in unexpected), unexpected
    return unexpected


def test_one_councillor_publishing_twice_at_once_is_one_request_not_two_approvals(
    ward: Ward, sam: Any
) -> None:
    round = make_voting_round(ward)
    close(round)
    results = same_at_once(
        lambda: services.publish_round(Round.objects.get(pk=round.pk), by=sam), times=4
    )
    _refusals(results)
    assert Result.objects.get(round=round).published_at is None
    assert Round.objects.get(pk=round.pk).phase == "closed"
    assert Event.objects.filter(kind="result.publication_requested").count() == 1
    assert not Event.objects.filter(kind="result.published").exists()


def test_one_person_keying_a_paper_batch_twice_at_once_is_one_entry(ward: Ward, sam: Any) -> None:
    round = make_voting_round(ward)
    (code,) = services.issue_codes(round, 1)
    ids = project_ids(round)
    results = same_at_once(
        lambda: services.enter_paper_batch(
            Round.objects.get(pk=round.pk),
            polling_place="Library",
            by=sam,
            account=services.PaperAccount(3, 1, 1, 1),
            ballots=[{"code": code, "projects": [ids[0]]}],
        ),
        times=4,
    )
    _refusals(results)
    (batch,) = PaperBatch.objects.all()
    assert batch.entries.count() == 1
    assert batch.status != PaperBatch.Status.ACCEPTED


def test_one_councillor_asking_to_close_early_twice_at_once_is_one_request(
    ward: Ward, sam: Any
) -> None:
    round = make_voting_round(ward, voting_end=timezone.now() + datetime.timedelta(days=3))
    results = same_at_once(
        lambda: services.request_early_close(
            Round.objects.get(pk=round.pk), by=sam, reason="Everyone has voted."
        ),
        times=4,
    )
    assert len(_refusals(results)) == 3
    assert Round.objects.get(pk=round.pk).phase == "voting"
