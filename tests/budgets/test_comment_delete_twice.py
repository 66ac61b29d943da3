"""Deleting a comment twice (a double click, or Back to the confirmation and Delete again).

The first request removes the row; the second must bring its author back to the proposal with a
plain message, and must not tell anyone else whether that comment id ever existed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from budgets import services
from budgets.models import Comment
from tests.conftest import login, make_user
from wards.models import Membership, Role, Ward

pytestmark = pytest.mark.django_db

ALREADY = "Your comment was already deleted."


def page_after(client: Client, response: Any) -> str:
    assert response.status_code == 302, response.status_code
    return client.get(response["Location"]).content.decode()


def test_deleting_twice_brings_the_author_back_to_the_proposal(
    client: Client, comment: Comment, resident_alice: Any
) -> None:
    login(client, resident_alice)
    url = f"/comments/{comment.pk}/delete/"
    first, second = client.post(url), client.post(url)
    proposal_page = f"/proposals/{comment.proposal_id}/#discussion"
    assert first["Location"] == second["Location"] == proposal_page
    assert not Comment.objects.exists()
    assert ALREADY in page_after(client, second)
    # Back to the confirmation page after the comment has gone: the same, not a 404.
    assert ALREADY in page_after(client, client.get(url))


def test_a_deleted_comment_with_replies_deleted_again_says_so(
    client: Client, comment: Comment, resident_alice: Any, councillor_sam: Any
) -> None:
    services.post_comment(comment.proposal, by=councillor_sam, body="Noted.", parent=comment)
    login(client, resident_alice)
    url = f"/comments/{comment.pk}/delete/"
    client.post(url)
    assert "You have deleted this comment." in page_after(client, client.post(url))


def test_a_deleted_comment_stays_404_for_everyone_else(
    client: Client, comment: Comment, resident_alice: Any, sparkbrook: Ward
) -> None:
    """Only the browser that deleted it learns it was there: to anyone else (a neighbour, the
    author in another browser, a visitor) a gone comment is a 404 like an id that never was."""
    url = f"/comments/{comment.pk}/delete/"
    login(Client(), resident_alice).post(url)
    assert not Comment.objects.exists()
    never = f"/comments/{comment.pk + 1000}/delete/"
    neighbour = make_user("nia")
    Membership.objects.create(user=neighbour, ward=sparkbrook, role=Role.RESIDENT)
    for other in (login(Client(), neighbour), login(Client(), resident_alice), client):
        for path in (url, never):
            assert other.post(path).status_code == 404, path
            assert other.get(path).status_code == 404, path


def test_after_signing_out_and_in_as_someone_else_it_is_404(
    client: Client, comment: Comment, resident_alice: Any, sparkbrook: Ward
) -> None:
    url = f"/comments/{comment.pk}/delete/"
    login(client, resident_alice).post(url)
    neighbour = make_user("nia")
    Membership.objects.create(user=neighbour, ward=sparkbrook, role=Role.RESIDENT)
    client.force_login(neighbour)
    assert client.post(url).status_code == 404
