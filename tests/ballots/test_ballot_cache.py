"""The ballot each app server keeps in memory stays right when another server changes the round.

Two processes are simulated: this test's process has read (and cached) the ballot; the "other
server" changes the round either through the ORM (as the admin or a service would, which moves
the ballot version in the shared cache) or straight through SQL (which moves nothing but the
rows, as any save of a round moves its `updated_at`). The next request here must see the change.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.utils import timezone

from ballots import services
from budgets.models import Proposal, ProposalStatus, Round
from wards.models import Ward

from .conftest import make_voting_round

pytestmark = pytest.mark.django_db


def _fresh(round: Round) -> Round:
    """The round as the next request loads it."""
    return Round.objects.get(pk=round.pk)


def _titles(round: Round) -> list[str]:
    return [p.title for p in services.ballot_projects(_fresh(round))]


def test_the_ballot_is_read_once_per_worker_while_voting(
    sparkbrook: Ward, django_assert_num_queries: Any
) -> None:
    round = make_voting_round(sparkbrook)
    _titles(round)
    fresh = _fresh(round)
    with django_assert_num_queries(0):
        services.ballot_projects(fresh)


def test_a_project_saved_by_another_server_is_seen_by_the_next_request(
    sparkbrook: Ward, client: Client, django_capture_on_commit_callbacks: Any
) -> None:
    round = make_voting_round(sparkbrook)
    page = client.get(f"/rounds/{round.pk}/vote/").content.decode()
    assert "D Dog park" in page  # now in this worker's memory
    with django_capture_on_commit_callbacks(execute=True):
        dog_park = Proposal.objects.get(round=round, title="D Dog park")
        dog_park.status = ProposalStatus.NOT_FEASIBLE
        dog_park.save()
    assert "D Dog park" not in _titles(round)
    assert "D Dog park" not in client.get(f"/rounds/{round.pk}/vote/").content.decode()


def test_a_round_changed_straight_in_the_database_is_seen_by_the_next_request(
    sparkbrook: Ward,
) -> None:
    round = make_voting_round(sparkbrook)
    assert "E Lights" in _titles(round)
    later = timezone.now() + timedelta(seconds=1)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE budgets_proposal SET status = %s WHERE round_id = %s AND title = %s",
            [ProposalStatus.NOT_FEASIBLE, round.pk, "E Lights"],
        )
        cursor.execute("UPDATE budgets_round SET updated_at = %s WHERE id = %s", [later, round.pk])
    assert "E Lights" not in _titles(round)


def test_a_cast_refuses_a_project_another_server_took_off_the_ballot(
    sparkbrook: Ward, django_capture_on_commit_callbacks: Any
) -> None:
    round = make_voting_round(sparkbrook)
    codes = services.issue_codes(round, 2)
    lights = Proposal.objects.get(round=round, title="E Lights")
    assert lights in services.ballot_projects(_fresh(round))
    with django_capture_on_commit_callbacks(execute=True):
        lights.status = ProposalStatus.NOT_FEASIBLE
        lights.save()
    with pytest.raises(ValidationError):
        services.cast_ballot(_fresh(round), [lights.pk], declaration=None, code=codes[0])


def test_without_the_shared_cache_the_ballot_is_read_from_the_database(
    sparkbrook: Ward, settings: Any
) -> None:
    round = make_voting_round(sparkbrook)
    assert "E Lights" in _titles(round)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    Proposal.objects.filter(round=round, title="E Lights").update(
        status=ProposalStatus.NOT_FEASIBLE
    )
    assert "E Lights" not in _titles(round)
