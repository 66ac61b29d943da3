"""A reply whose `reply_to` is not a comment of this proposal that takes replies: the form again,
with the reason in its error summary and status 400 (as every refused form post), and no comment."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from budgets import services
from budgets.models import Comment, Round
from tests.budgets.conftest import make_proposal
from tests.conftest import login

pytestmark = pytest.mark.django_db


def test_a_reply_to_a_comment_that_is_not_on_this_proposal_is_400(
    client: Client, comment: Comment, round_in_voting: Round, councillor_sam: Any
) -> None:
    elsewhere = make_proposal(round_in_voting, title="Bins on Stoney Lane")
    reply = services.post_comment(comment.proposal, by=councillor_sam, body="Yes.", parent=comment)
    before = Comment.objects.count()
    login(client, councillor_sam)
    for reply_to, reason in [
        (comment.pk, "There is no such comment on this proposal."),  # on another proposal
        (comment.pk + 1000, "There is no such comment on this proposal."),  # none at all
        (reply.pk, "Reply to the comment that started the conversation."),
    ]:
        response = client.post(
            f"/proposals/{elsewhere.pk if reply_to == comment.pk else comment.proposal_id}"
            "/comments/new/",
            {"body": "We will ask highways.", "reply_to": reply_to},
        )
        page = response.content.decode()
        assert response.status_code == 400, reply_to
        assert "There is a problem" in page and reason in page
        assert "We will ask highways." in page  # the words typed are kept
    assert Comment.objects.count() == before


def test_a_reply_to_a_deleted_comment_is_400(
    client: Client, comment: Comment, resident_alice: Any, councillor_sam: Any
) -> None:
    url = f"/proposals/{comment.proposal_id}/comments/new/"
    services.post_comment(comment.proposal, by=councillor_sam, body="Yes.", parent=comment)
    services.delete_comment(comment, by=resident_alice)
    response = login(client, councillor_sam).post(url, {"body": "Still?", "reply_to": comment.pk})
    assert response.status_code == 400
    assert "That comment is no longer shown, so it takes no replies." in response.content.decode()
