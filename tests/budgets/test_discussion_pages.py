"""The discussion's pages and API for every persona: anonymous, a resident of the ward, a resident
of another ward, a clerk, the ward's councillor, another ward's councillor and staff; wrong
methods; bad input; and what a reader sees of hidden and deleted comments."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from audit.models import Event
from budgets import services
from budgets.models import Comment, Phase, Proposal, Report, Round
from tests.budgets.conftest import make_proposal, make_round
from tests.conftest import login, make_user
from wards.models import Membership, Role, Ward

pytestmark = pytest.mark.django_db

PERSONAS = [
    "anonymous", "resident_alice", "resident_rhys", "clerk_cleo", "councillor_sam",
    "councillor_bob", "staff_dave",
]  # fmt: skip
# Who may post: residents and councillors of the ward (anonymous visitors are sent to sign in).
POSTERS = {"resident_alice", "councillor_sam"}
MODERATORS = {"councillor_sam", "staff_dave"}


@pytest.fixture
def resident_rhys(aston: Ward) -> Any:
    user = make_user("rhys", first_name="Rhys", last_name="Rahman")
    Membership.objects.create(user=user, ward=aston, role=Role.RESIDENT)
    return user


@pytest.fixture
def clerk_cleo(sparkbrook: Ward) -> Any:
    user = make_user("cleo", first_name="Cleo", last_name="Clarke")
    Membership.objects.create(user=user, ward=sparkbrook, role=Role.CLERK)
    return user


@pytest.fixture
def as_persona(request: pytest.FixtureRequest, client: Client) -> Any:
    def make(name: str) -> Client:
        if name == "anonymous":
            return client
        return login(client, request.getfixturevalue(name))

    return make


def text(response: Any) -> str:
    return response.content.decode()


def expected(persona: str, allowed: set[str]) -> int:
    if persona == "anonymous":
        return 302
    return 200 if persona in allowed else 403


# --- reading ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_everyone_reads_the_discussion_but_only_the_ward_posts(
    as_persona: Any, persona: str, comment: Comment
) -> None:
    page = as_persona(persona).get(f"/proposals/{comment.proposal_id}/")
    assert page.status_code == 200
    body = text(page)
    discussion = body[body.index('id="discussion"') :]
    assert "Please light the alley too." in discussion and "alice" in discussion
    assert "Alice" not in discussion and "Ahmed" not in discussion  # a username, not a name
    assert ("Post your comment" in body) == (persona in POSTERS)
    assert ("Change</a>" in body) == (persona == "resident_alice")
    assert (f"/comments/{comment.pk}/moderate/" in body) == (persona in MODERATORS)
    assert f"/comments/{comment.pk}/report/" in body


def test_a_closed_round_says_its_discussion_is_read_only(
    client: Client, sparkbrook: Ward, resident_alice: Any
) -> None:
    proposal = make_proposal(make_round(sparkbrook, Phase.CLOSED), resident_alice)
    body = text(login(client, resident_alice).get(f"/proposals/{proposal.pk}/"))
    assert "read-only" in body and "Post your comment" not in body
    response = client.post(f"/proposals/{proposal.pk}/comments/new/", {"body": "Late"})
    assert response.status_code == 302 and not Comment.objects.exists()
    assert "read-only" in text(client.get(response["Location"]))


def test_hidden_and_deleted_comments_keep_their_place(
    client: Client, comment: Comment, councillor_sam: Any, resident_alice: Any
) -> None:
    services.post_comment(comment.proposal, by=councillor_sam, body="Noted.", parent=comment.pk)
    second = services.post_comment(comment.proposal, by=resident_alice, body="Rude words here")
    services.hide_comment(second, by=councillor_sam, reason="Abusive language.")
    services.delete_comment(comment, by=resident_alice)
    body = text(client.get(f"/proposals/{comment.proposal_id}/"))
    assert "Hidden by the ward&#x27;s councillors: Abusive language." in body
    assert "Rude words here" not in body
    assert "Deleted by its author." in body and "Please light the alley" not in body
    assert "Noted." in body


# --- posting ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_post_a_comment(as_persona: Any, persona: str, proposal: Proposal) -> None:
    url = f"/proposals/{proposal.pk}/comments/new/"
    client = as_persona(persona)
    assert client.get(url).status_code == expected(persona, POSTERS)
    response = client.post(url, {"body": "Count me in"})
    assert response.status_code == (302 if persona in POSTERS | {"anonymous"} else 403)
    assert Comment.objects.count() == (1 if persona in POSTERS else 0)
    if persona in POSTERS:
        assert response["Location"].endswith(f"#comment-{Comment.objects.get().pk}")
    elif persona == "anonymous":
        assert "/accounts/login/" in response["Location"]


def test_a_reply_from_the_page(client: Client, comment: Comment, councillor_sam: Any) -> None:
    login(client, councillor_sam)
    url = f"/proposals/{comment.proposal_id}/comments/new/"
    form = client.get(f"{url}?reply_to={comment.pk}")
    assert "Reply to a comment" in text(form) and "Please light the alley" in text(form)
    client.post(url, {"body": "We will ask highways.", "reply_to": comment.pk})
    reply = Comment.objects.get(parent=comment)
    assert reply.author_role == "councillor"
    assert "Councillor</span>" in text(client.get(f"/proposals/{comment.proposal_id}/"))
    # Junk in the reply's id never gets as far as the database.
    for junk in ("abc", "99999999999999999999999", "-1", "1e3"):
        assert client.get(f"{url}?reply_to={junk}").status_code == 200
        response = client.post(url, {"body": "x", "reply_to": junk})
        assert response.status_code == 400 and "problem" in text(response)


@pytest.mark.parametrize(
    ("body", "error"),
    [("", "This field is required."), ("\u200b\u202e \r\n", "This field is required."),
     ("x" * 2001, "at most 2000 characters")],
)  # fmt: skip
def test_bad_comments_are_refused_on_the_form(
    client: Client, proposal: Proposal, resident_alice: Any, body: str, error: str
) -> None:
    response = login(client, resident_alice).post(
        f"/proposals/{proposal.pk}/comments/new/", {"body": body}
    )
    assert response.status_code == 400 and error in text(response)
    assert not Comment.objects.exists()


def test_control_and_invisible_characters_are_cleaned_on_the_page(
    client: Client, proposal: Proposal, resident_alice: Any
) -> None:
    login(client, resident_alice).post(
        f"/proposals/{proposal.pk}/comments/new/",
        {"body": "Yes\r\nplease\u2028\u202e now\x00\x1b!\u200b"},
    )
    assert Comment.objects.get().body == "Yes\nplease\n now  !"


def test_posting_too_fast_is_a_429_with_the_reason(
    client: Client, proposal: Proposal, resident_alice: Any
) -> None:
    login(client, resident_alice)
    url = f"/proposals/{proposal.pk}/comments/new/"
    for n in range(10):
        assert client.post(url, {"body": f"Comment {n}"}).status_code == 302
    response = client.post(url, {"body": "One too many"})
    assert response.status_code == 429 and "wait a few minutes" in text(response)
    assert Comment.objects.count() == 10


# --- editing and deleting -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("action", ["edit", "delete"])
def test_only_the_author_edits_or_deletes(
    as_persona: Any, persona: str, action: str, comment: Comment
) -> None:
    url = f"/comments/{comment.pk}/{action}/"
    client = as_persona(persona)
    assert client.get(url).status_code == expected(persona, {"resident_alice"})
    response = client.post(url, {"body": "Changed"})
    assert response.status_code == (403 if persona not in {"anonymous", "resident_alice"} else 302)
    if persona == "resident_alice":
        if action == "edit":
            assert Comment.objects.get().body == "Changed"
        else:
            assert not Comment.objects.exists()
    else:
        assert Comment.objects.get().body == "Please light the alley too."


def test_editing_after_the_window_is_refused(
    client: Client, comment: Comment, resident_alice: Any
) -> None:
    Comment.objects.filter(pk=comment.pk).update(
        created_at=comment.created_at - services.EDIT_WINDOW
    )
    login(client, resident_alice)
    response = client.post(f"/comments/{comment.pk}/edit/", {"body": "Too late"})
    assert response.status_code == 302
    assert "first 15 minutes" in text(client.get(response["Location"]))
    assert Comment.objects.get().body == "Please light the alley too."
    assert "Change</a>" not in text(client.get(f"/proposals/{comment.proposal_id}/"))


def test_missing_and_draft_comments_are_404(
    client: Client, draft_round: Round, resident_alice: Any, councillor_sam: Any
) -> None:
    login(client, resident_alice)
    for url in (
        "/comments/999999/edit/",
        "/comments/999999/report/",
        "/comments/99999999999999999999999/delete/",
        "/proposals/999999/comments/new/",
    ):
        assert client.get(url).status_code == 404, url
    draft = make_proposal(draft_round, resident_alice)
    hidden_from_public = Comment.objects.create(proposal=draft, author=councillor_sam, body="x")
    assert client.get(f"/comments/{hidden_from_public.pk}/report/").status_code == 404
    assert client.get(f"/api/v1/proposals/{draft.pk}/comments/").status_code == 404


# --- reporting ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_anyone_reports_a_comment_or_a_proposal(
    as_persona: Any, persona: str, comment: Comment
) -> None:
    client = as_persona(persona)
    for url in (f"/comments/{comment.pk}/report/", f"/proposals/{comment.proposal_id}/report/"):
        assert client.get(url).status_code == 200
        response = client.post(url, {"reason": "spam", "detail": "Selling things\r\n\x00"})
        assert response.status_code == 302
        assert "the ward&#x27;s councillors will look" in text(client.get(response["Location"]))
    assert Report.objects.count() == 2
    assert set(Report.objects.values_list("detail", flat=True)) == {"Selling things"}


def test_a_report_needs_a_reason_and_a_short_detail(client: Client, comment: Comment) -> None:
    url = f"/comments/{comment.pk}/report/"
    assert "Select a valid choice" in text(client.post(url, {"reason": "vibes"}))
    assert "This field is required" in text(client.post(url, {}))
    assert "at most 500 characters" in text(
        client.post(url, {"reason": "other", "detail": "x" * 501})
    )
    assert not Report.objects.exists()


def test_anonymous_reports_are_rate_limited(client: Client, comment: Comment) -> None:
    url = f"/comments/{comment.pk}/report/"
    for _ in range(5):
        assert client.post(url, {"reason": "spam"}).status_code == 302
    response = client.post(url, {"reason": "spam"})
    assert response.status_code == 429 and "wait a while" in text(response)


# --- moderation ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_moderation_queue_is_the_wards_councillors_and_staffs(
    as_persona: Any, persona: str, comment: Comment, resident_rhys: Any
) -> None:
    services.report_comment(comment, by=resident_rhys, reason="abusive", detail="Very rude")
    response = as_persona(persona).get("/wards/sparkbrook/moderation/")
    assert response.status_code == expected(persona, MODERATORS)
    if persona in MODERATORS:
        body = text(response)
        assert "Please light the alley too." in body and "Very rude" in body
        assert "rhys" not in body  # reporters are never named
        assert as_persona(persona).post("/wards/sparkbrook/moderation/").status_code == 405


def test_an_empty_queue_and_an_unknown_ward(client: Client, councillor_sam: Any) -> None:
    login(client, councillor_sam)
    assert "Nothing is waiting" in text(client.get("/wards/sparkbrook/moderation/"))
    assert client.get("/wards/nowhere/moderation/").status_code == 404


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_hide_a_comment(as_persona: Any, persona: str, comment: Comment) -> None:
    url = f"/comments/{comment.pk}/moderate/"
    client = as_persona(persona)
    assert client.get(url).status_code == expected(persona, MODERATORS)
    response = client.post(url, {"decision": "hide", "reason": "Off topic."})
    assert response.status_code == (302 if persona in MODERATORS | {"anonymous"} else 403)
    comment.refresh_from_db()
    assert comment.is_hidden == (persona in MODERATORS)
    assert Event.objects.filter(kind="comment.hidden").count() == (persona in MODERATORS)


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_may_hide_a_proposal(as_persona: Any, persona: str, proposal: Proposal) -> None:
    url = f"/proposals/{proposal.pk}/moderate/"
    client = as_persona(persona)
    assert client.get(url).status_code == expected(persona, MODERATORS)
    client.post(url, {"decision": "hide", "reason": "Insulting words."})
    assert Event.objects.filter(kind="proposal.hidden").count() == (persona in MODERATORS)
    if persona in MODERATORS:
        page = text(client.get(f"/proposals/{proposal.pk}/"))
        assert "Hidden by the ward's councillors: Insulting words." in page
        assert "Six LED lamps" not in page and proposal.title in page
        listing = text(client.get(f"/rounds/{proposal.round_id}/proposals/"))
        assert "Brighter street lights" not in listing and "Insulting words." in listing
        api = client.get(f"/api/v1/proposals/{proposal.pk}/").json()
        assert "Six LED lamps" not in str(api) and api["title"] == proposal.title


def test_hiding_needs_a_reason_and_dismissing_needs_reports(
    client: Client, comment: Comment, councillor_sam: Any
) -> None:
    login(client, councillor_sam)
    url = f"/comments/{comment.pk}/moderate/"
    assert "Give the reason" in text(client.post(url, {"decision": "hide", "reason": " "}))
    assert "no reports waiting" in text(client.post(url, {"decision": "dismiss"}))
    assert "Select a valid choice" in text(client.post(url, {"decision": "delete"}))
    too_long = client.post(url, {"decision": "hide", "reason": "x" * 251})
    assert "at most 250 characters" in text(too_long)
    comment.refresh_from_db()
    assert not comment.is_hidden and not Event.objects.filter(kind="comment.hidden").exists()


def test_dismissing_from_the_queue(
    client: Client, comment: Comment, councillor_sam: Any, resident_rhys: Any
) -> None:
    services.report_comment(comment, by=resident_rhys, reason="spam")
    login(client, councillor_sam)
    response = client.post(
        f"/comments/{comment.pk}/moderate/", {"decision": "dismiss"}, follow=True
    )
    assert "1 report dismissed" in text(response) and "Nothing is waiting" in text(response)
    assert Event.objects.filter(kind="reports.dismissed").count() == 1


@pytest.mark.parametrize(
    "url",
    ["/proposals/{p}/comments/new/", "/comments/{c}/edit/", "/comments/{c}/delete/",
     "/comments/{c}/report/", "/proposals/{p}/report/", "/comments/{c}/moderate/",
     "/proposals/{p}/moderate/", "/wards/sparkbrook/moderation/",
     "/api/v1/proposals/{p}/comments/"],
)  # fmt: skip
def test_wrong_methods(client: Client, comment: Comment, councillor_sam: Any, url: str) -> None:
    login(client, councillor_sam)
    url = url.format(p=comment.proposal_id, c=comment.pk)
    assert client.put(url).status_code == 405
    assert client.delete(url).status_code == 405
    assert client.patch(url).status_code == 405


# --- the API ------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_lists_the_discussion_for_everyone(
    as_persona: Any, persona: str, comment: Comment, councillor_sam: Any
) -> None:
    services.post_comment(comment.proposal, by=councillor_sam, body="Noted.", parent=comment.pk)
    hidden = services.post_comment(comment.proposal, by=councillor_sam, body="Oops, rude")
    services.hide_comment(hidden, by=councillor_sam, reason="Not kind.")
    data = as_persona(persona).get(f"/api/v1/proposals/{comment.proposal_id}/comments/").json()
    assert data["count"] == 2
    first, second = data["results"]
    assert first["text"] == "Please light the alley too." and first["author"] == "alice"
    assert first["replies"][0]["author_role"] == "Councillor"
    assert second == {
        **second, "state": "hidden", "text": None, "hidden_reason": "Not kind.",
        "notice": "Hidden by the ward's councillors: Not kind.",
    }  # fmt: skip
    assert "Oops" not in str(data) and "@" not in str(data)


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_posting(as_persona: Any, persona: str, proposal: Proposal) -> None:
    response = as_persona(persona).post(
        f"/api/v1/proposals/{proposal.pk}/comments/",
        {"body": "Yes\r\nplease\u202e"},
        content_type="application/json",
    )
    if persona in POSTERS:
        assert response.status_code == 201
        assert response.json()["text"] == "Yes\nplease"
    else:
        assert response.status_code == 403 and response.json()["reason"]
        assert not Comment.objects.exists()


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "body"), ({"body": ""}, "body"), ({"body": "x" * 2001}, "body"),
     ({"body": ["a"]}, "body"), ({"body": "ok", "reply_to": "x"}, "reply_to"),
     ({"body": "ok", "reply_to": 2**70}, "reply_to"),
     ({"body": "ok", "reply_to": 999}, "reply_to")],
)  # fmt: skip
def test_api_refuses_bad_input_with_a_reason(
    client: Client, proposal: Proposal, resident_alice: Any, payload: dict, field: str
) -> None:
    response = login(client, resident_alice).post(
        f"/api/v1/proposals/{proposal.pk}/comments/", payload, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()["reason"] or field in response.json().get("errors", {})
    assert not Comment.objects.exists()


def test_api_rate_limit_is_429(client: Client, proposal: Proposal, resident_alice: Any) -> None:
    login(client, resident_alice)
    url = f"/api/v1/proposals/{proposal.pk}/comments/"
    for n in range(10):
        client.post(url, {"body": f"c{n}"}, content_type="application/json")
    response = client.post(url, {"body": "more"}, content_type="application/json")
    assert response.status_code == 429 and "wait" in response.json()["reason"]


def test_the_comments_endpoint_is_in_the_openapi_schema(client: Client) -> None:
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").content.decode()
    assert "/api/v1/proposals/{proposal_id}/comments/" in schema
