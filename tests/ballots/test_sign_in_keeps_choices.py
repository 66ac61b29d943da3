"""A resident's choices survive the sign-in redirect (a peer platform lost them there)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from budgets.models import Round
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_choices_made_before_signing_in_are_still_ticked_afterwards(
    client: Client, voting_round: Round, ids: list[int], resident_alice: Any
) -> None:
    url = f"/rounds/{voting_round.pk}/vote/"
    response = client.post(url, {"projects": [ids[0], ids[1]], "sign_in": "1", "step": "review"})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"

    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    page = client.get(url).content.decode()
    assert f'value="{ids[0]}" id="project-{ids[0]}" checked' in page
    assert f'value="{ids[1]}" id="project-{ids[1]}" checked' in page
    assert f'value="{ids[2]}" id="project-{ids[2]}" checked' not in page
    assert "£62,500 of £100,000 chosen" in page
    # Signed in as a resident, no code is asked for.
    assert 'name="code"' not in page


def test_a_visitor_without_saved_choices_starts_with_an_empty_ballot(
    client: Client, voting_round: Round
) -> None:
    page = client.get(f"/rounds/{voting_round.pk}/vote/").content.decode()
    assert " checked" not in page
    assert "£0 of £100,000 chosen" in page
