"""The ward's team: the clerk role, and councillors adding and removing clerks from the ward
pages (issue 13)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.test import Client
from django.urls import reverse

from audit.models import Event
from ballots import services
from budgets.models import Round
from tests.ballots.conftest import make_voting_round, project_ids
from tests.conftest import login, make_user
from wards.access import Action, can
from wards.models import Membership, Role, Ward


@pytest.fixture
def clerk_cleo(sparkbrook: Ward) -> Any:
    user = make_user("cleo", first_name="Cleo", last_name="Clarke")
    Membership.objects.create(user=user, ward=sparkbrook, role=Role.CLERK)
    return user


@pytest.fixture
def voting_round(sparkbrook: Ward) -> Round:
    return make_voting_round(sparkbrook, scale=1000)


# The clerk role ------------------------------------------------------------------------------


def test_a_clerk_may_enter_paper_and_nothing_else(sparkbrook: Ward, clerk_cleo: Any) -> None:
    assert can(clerk_cleo, Action.ENTER_PAPER, sparkbrook)
    for action in (Action.MANAGE_ROUND, Action.REVIEW, Action.AUDIT, Action.VOTE):
        assert not can(clerk_cleo, action, sparkbrook), action


def test_a_clerk_of_one_ward_enters_no_paper_in_another(aston: Ward, clerk_cleo: Any) -> None:
    assert not can(clerk_cleo, Action.ENTER_PAPER, aston)


def test_a_clerk_enters_a_paper_batch_but_cannot_close_the_round(
    voting_round: Round, clerk_cleo: Any
) -> None:
    ids = project_ids(voting_round)
    code = services.issue_codes(voting_round, 1)[0]
    batch = services.enter_paper_batch(
        voting_round,
        polling_place="Library",
        by=clerk_cleo,
        account=services.PaperAccount(2, 0, 1, 1),
        ballots=[{"code": code, "projects": [ids[0]]}],
    )
    assert batch.entries.count() == 1
    event = Event.objects.get(kind="paper_batch.entered")
    assert event.actor_role == "clerk"
    with pytest.raises(PermissionDenied):
        services.close_round(voting_round, by=clerk_cleo)
    with pytest.raises(PermissionDenied):
        services.publish_round(voting_round, by=clerk_cleo)


def test_a_clerk_reaches_paper_entry_from_the_round_page_but_not_the_desk(
    client: Client, voting_round: Round, clerk_cleo: Any
) -> None:
    login(client, clerk_cleo)
    page = client.get(voting_round.get_absolute_url())
    paper_url = reverse("ballots:paper", args=[voting_round.pk])
    desk_url = reverse("ballots:voting_desk", args=[voting_round.pk])
    assert paper_url in page.content.decode()
    assert desk_url not in page.content.decode()
    assert client.get(paper_url).status_code == 200
    assert client.get(desk_url).status_code == 403
    assert client.post(reverse("ballots:close", args=[voting_round.pk])).status_code == 403
