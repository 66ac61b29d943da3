"""Double clicks and back-and-resubmit on the budgets forms: the same POST twice (same data,
same session) leaves one record and one ledger event, and the second answer is a normal page."""

from __future__ import annotations

from typing import Any

from django.test import Client
from django.urls import reverse

from audit.models import Event
from budgets.models import Proposal, Review, Round
from budgets.models_discussion import Comment
from tests.budgets.test_places import LIBRARY
from tests.budgets.test_views import ROUND_POST
from tests.conftest import login


def _twice(client: Client, url: str, data: dict[str, Any]) -> tuple[Any, Any]:
    return client.post(url, data), client.post(url, data)


def test_proposing_twice_with_the_same_form_keeps_one_proposal(
    client: Client, proposals_round: Any, resident_alice: Any
) -> None:
    login(client, resident_alice)
    url = reverse("budgets:proposal_new", args=[proposals_round.pk])
    data = {
        "title": "Bench by the library",
        "summary": "A bench",
        "description": "A bench where people wait for the bus.",
        "cost": "1200",
        "category": "Parks",
    }
    first, second = _twice(client, url, data)
    (proposal,) = Proposal.objects.all()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == proposal.get_absolute_url()
    assert Event.objects.filter(kind="proposal.submitted").count() == 1


def test_a_different_proposal_from_the_same_person_is_still_taken(
    client: Client, proposals_round: Any, resident_alice: Any
) -> None:
    login(client, resident_alice)
    url = reverse("budgets:proposal_new", args=[proposals_round.pk])
    data = {
        "title": "Bench",
        "summary": "A bench",
        "description": "d",
        "cost": "1200",
        "category": "Parks",
    }
    client.post(url, data)
    client.post(url, {**data, "title": "Second bench"})
    assert Proposal.objects.count() == 2


def test_commenting_twice_with_the_same_form_keeps_one_comment(
    client: Client, alices_proposal: Any, resident_alice: Any
) -> None:
    login(client, resident_alice)
    url = reverse("budgets:comment_new", args=[alices_proposal.pk])
    first, second = _twice(client, url, {"body": "Good idea, the road is dark."})
    assert first.status_code == second.status_code == 302
    (comment,) = Comment.objects.all()
    replied = _twice(client, url, {"body": "Agreed.", "reply_to": comment.pk})
    assert [r.status_code for r in replied] == [302, 302]
    assert Comment.objects.filter(parent=comment).count() == 1


def test_the_same_words_again_later_in_another_thread_are_a_new_comment(
    client: Client, alices_proposal: Any, resident_alice: Any
) -> None:
    login(client, resident_alice)
    url = reverse("budgets:comment_new", args=[alices_proposal.pk])
    client.post(url, {"body": "Yes."})
    (top,) = Comment.objects.all()
    client.post(url, {"body": "Yes.", "reply_to": top.pk})
    assert Comment.objects.count() == 2


def test_a_review_decision_sent_twice_is_recorded_once(
    client: Client, submitted_in_review: Any, councillor_sam: Any
) -> None:
    login(client, councillor_sam)
    url = reverse("budgets:proposal_review", args=[submitted_in_review.pk])
    data = {"decision": "feasible", "reason": "Highways can do this."}
    first, second = _twice(client, url, data)
    assert first.status_code == second.status_code == 302
    assert Review.objects.count() == 1
    assert Event.objects.filter(kind="proposal.reviewed").count() == 1


def test_a_pledge_sent_twice_is_one_pledge_and_one_ledger_event(
    client: Client, alices_proposal: Any, resident_alice: Any
) -> None:
    login(client, resident_alice)
    url = reverse("budgets:pledge", args=[alices_proposal.pk])
    first, second = _twice(client, url, {"hours": "4", "in_kind": "A ladder"})
    assert first.status_code == second.status_code == 302
    assert alices_proposal.pledges.get().hours == 4
    assert Event.objects.filter(kind="pledge.made").count() == 1
    client.post(url, {"hours": "6", "in_kind": "A ladder"})
    assert alices_proposal.pledges.get().hours == 6
    assert Event.objects.filter(kind="pledge.made").count() == 2


def test_a_new_round_sent_twice_is_one_draft(
    client: Client, councillor_sam: Any, sparkbrook: Any
) -> None:
    login(client, councillor_sam)
    first = client.post("/rounds/new/sparkbrook/", ROUND_POST)
    second = client.post("/rounds/new/sparkbrook/", ROUND_POST)
    (round,) = Round.objects.all()
    assert first.status_code == second.status_code == 302
    assert first.url == second.url == round.get_absolute_url()
    assert Event.objects.filter(kind="round.created").count() == 1
    client.post("/rounds/new/sparkbrook/", {**ROUND_POST, "budget": "30,000"})
    assert Round.objects.count() == 2


def test_a_polling_place_sent_twice_is_one_place(
    client: Client, councillor_sam: Any, proposals_round: Any
) -> None:
    login(client, councillor_sam)
    url = reverse("budgets:round_places", args=[proposals_round.pk])
    first, second = _twice(client, url, {"action": "add", **LIBRARY})
    assert first.status_code == second.status_code == 302
    assert proposals_round.polling_places.count() == 1
    assert Event.objects.filter(kind="round.polling_places_updated").count() == 1
