"""The discussion's rules (budgets.services.discussion) and moderation's (services.moderation):
who may post, edit, delete, report and hide; what is stored; what the ledger keeps."""

from __future__ import annotations

import datetime
import json
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import Event
from budgets import services
from budgets.models import Comment, Phase, Proposal, ProposalHiding, Report, Round
from budgets.models_discussion import MAX_COMMENT
from tests.budgets.conftest import make_proposal, make_round
from tests.conftest import make_user
from wards import ratelimit
from wards.models import Membership, Role, Ward

pytestmark = pytest.mark.django_db


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


def post(
    proposal: Proposal, user: Any, body: str = "I would use this every day.", **kw: Any
) -> Comment:
    return services.post_comment(proposal, by=user, body=body, **kw)


# --- who may post -----------------------------------------------------------------------------


def test_residents_and_councillors_of_the_ward_comment(
    proposal: Proposal, resident_alice: Any, councillor_sam: Any
) -> None:
    mine = post(proposal, resident_alice)
    reply = post(proposal, councillor_sam, "Highways have costed it.", parent=mine.pk)
    assert (mine.author_role, reply.author_role) == ("resident", "councillor")
    assert reply.parent_id == mine.pk
    # Posting a comment is not a ledger event: the ledger cannot forget a resident's words.
    assert not Event.objects.filter(kind__startswith="comment").exists()


@pytest.mark.parametrize(
    "persona", ["resident_rhys", "clerk_cleo", "councillor_bob", "staff_dave", "auditor_carol"]
)
def test_others_may_read_but_not_comment(
    request: pytest.FixtureRequest, proposal: Proposal, persona: str
) -> None:
    """The discussion is about this ward's money: its residents and councillors take part."""
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        post(proposal, user)
    assert not services.can_comment(user, proposal)


def test_anonymous_cannot_comment(proposal: Proposal) -> None:
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied, match="sign in"):
        post(proposal, AnonymousUser())


@pytest.mark.parametrize(
    ("phase", "open_"),
    [(Phase.PROPOSALS, True), (Phase.REVIEW, True), (Phase.VOTING, True),
     (Phase.CLOSED, False), (Phase.PUBLISHED, False)],
)  # fmt: skip
def test_the_discussion_is_read_only_after_voting_closes(
    sparkbrook: Ward, resident_alice: Any, phase: str, open_: bool
) -> None:
    proposal = make_proposal(make_round(sparkbrook, phase), resident_alice)
    if open_:
        assert post(proposal, resident_alice).pk
    else:
        with pytest.raises(ValidationError, match="read-only"):
            post(proposal, resident_alice)


# --- what is stored ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("Good\r\nidea\rreally\u2028yes\u2029ok\x85\x0bnow\x0cfine",
         "Good\nidea\nreally\nyes\nok\n\nnow\nfine"),
        ("a\x00b\x07c\x1bd", "a b c d"),
        ("\u202eevil\u202c \u200bzero\ufeff\u2066x\u2069", "evil zerox"),
        ("one\n\n\n\n\n\ntwo", "one\n\ntwo"),
        ("  trailing   \n  ", "trailing"),
        ("e\u0301", "\u00e9"),
    ],
)  # fmt: skip
def test_text_is_stored_clean(
    proposal: Proposal, resident_alice: Any, typed: str, stored: str
) -> None:
    assert post(proposal, resident_alice, typed).body == stored


@pytest.mark.parametrize("body", ["", "   \n\t ", "\u200b\u202e", "\x00\x01"])
def test_an_empty_comment_is_refused(proposal: Proposal, resident_alice: Any, body: str) -> None:
    with pytest.raises(ValidationError, match="Write your comment"):
        post(proposal, resident_alice, body)


def test_a_long_comment_is_refused_with_its_length(proposal: Proposal, resident_alice: Any) -> None:
    assert post(proposal, resident_alice, "x" * MAX_COMMENT).body
    with pytest.raises(ValidationError, match="2,000 characters or fewer"):
        post(proposal, resident_alice, "x" * (MAX_COMMENT + 1))
    assert Comment.objects.count() == 1


def test_replies_are_one_level_deep_and_on_the_same_proposal(
    proposal: Proposal, resident_alice: Any, councillor_sam: Any, sparkbrook: Ward
) -> None:
    top = post(proposal, resident_alice)
    reply = post(proposal, councillor_sam, "Thanks", parent=top.pk)
    with pytest.raises(ValidationError, match="started the conversation"):
        post(proposal, resident_alice, parent=reply.pk)
    other = make_proposal(proposal.round, resident_alice, title="Other")
    with pytest.raises(ValidationError, match="no such comment"):
        post(other, resident_alice, parent=top.pk)
    for bad in (0, -1, 2**70, 999_999):
        with pytest.raises(ValidationError, match="no such comment"):
            post(proposal, resident_alice, parent=bad)


def test_display_names_are_usernames_never_addresses(resident_alice: Any) -> None:
    assert services.display_name(resident_alice) == "alice"
    resident_alice.username = "alice@example.org"
    assert services.display_name(resident_alice) == "A resident"
    assert services.display_name(None) == "A former resident"


# --- edit and delete ----------------------------------------------------------------------------


def test_the_author_edits_within_the_window_only(proposal: Proposal, resident_alice: Any) -> None:
    comment = post(proposal, resident_alice)
    edited = services.edit_comment(comment, by=resident_alice, body="Changed\r\nmy mind")
    assert edited.body == "Changed\nmy mind" and edited.edited_at is not None
    later = timezone.now() + services.EDIT_WINDOW + datetime.timedelta(seconds=1)
    with (
        mock.patch("django.utils.timezone.now", return_value=later),
        pytest.raises(ValidationError, match="first 15 minutes"),
    ):
        services.edit_comment(comment, by=resident_alice, body="Too late")
    comment.refresh_from_db()
    assert comment.body == "Changed\nmy mind"


def test_nobody_else_edits_or_deletes(
    proposal: Proposal, resident_alice: Any, councillor_sam: Any, staff_dave: Any
) -> None:
    comment = post(proposal, resident_alice)
    for other in (councillor_sam, staff_dave):
        with pytest.raises(PermissionDenied, match="Only the person who wrote"):
            services.edit_comment(comment, by=other, body="Mine now")
        with pytest.raises(PermissionDenied, match="Only the person who wrote"):
            services.delete_comment(comment, by=other)
    assert Comment.objects.get().body == comment.body


def test_delete_leaves_a_placeholder_only_when_there_are_replies(
    proposal: Proposal, resident_alice: Any, councillor_sam: Any
) -> None:
    lonely = post(proposal, resident_alice, "Nobody answers this")
    assert services.delete_comment(lonely, by=resident_alice) is False
    assert not Comment.objects.filter(pk=lonely.pk).exists()

    top = post(proposal, resident_alice, "Asked a question")
    reply = post(proposal, councillor_sam, "An answer", parent=top.pk)
    assert services.delete_comment(top, by=resident_alice) is True
    top.refresh_from_db()
    assert top.is_deleted and top.body == ""
    rows = services.thread_rows(proposal, list(services.threads(proposal)), None)
    assert rows[0].state == "deleted" and rows[0].text is None and rows[0].author == ""
    assert rows[0].notice == "Deleted by its author."
    assert rows[0].replies[0].text == "An answer"
    # The reply goes too: the placeholder has nothing left to hold together, so it goes.
    services.delete_comment(reply, by=councillor_sam)
    assert not Comment.objects.exists()


def test_the_discussion_closes_but_authors_may_still_delete(
    proposal: Proposal, resident_alice: Any
) -> None:
    comment = post(proposal, resident_alice)
    Round.objects.filter(pk=proposal.round_id).update(phase=Phase.CLOSED)
    with pytest.raises(ValidationError, match="read-only"):
        services.edit_comment(comment, by=resident_alice, body="Edited after close")
    services.delete_comment(comment, by=resident_alice)
    assert not Comment.objects.exists()


# --- rate limits --------------------------------------------------------------------------------


def test_posting_is_rate_limited_per_account_and_per_client(
    proposal: Proposal, resident_alice: Any, councillor_sam: Any
) -> None:
    for n in range(ratelimit.COMMENT_LIMIT_PER_USER):
        post(proposal, resident_alice, f"Comment {n}", client="192.0.2.1")
    with pytest.raises(services.TooManyPosts):
        post(proposal, resident_alice, "One more", client="192.0.2.99")
    # Another account from another client is not held back by Alice's flood...
    post(proposal, councillor_sam, "Fine", client="192.0.2.2")
    # ...but many accounts behind one client are.
    for n in range(ratelimit.COMMENT_LIMIT_PER_CLIENT - ratelimit.COMMENT_LIMIT_PER_USER):
        zoe = make_user(f"zoe{n}")
        Membership.objects.create(user=zoe, ward=proposal.round.ward, role=Role.RESIDENT)
        post(proposal, zoe, f"More {n}", client="192.0.2.1")
    with pytest.raises(services.TooManyPosts):
        post(proposal, councillor_sam, "Same client, too many", client="192.0.2.1")


# --- reports and moderation ---------------------------------------------------------------------


def test_anyone_reports_once_and_anonymous_reports_are_limited(
    proposal: Proposal, resident_alice: Any, resident_rhys: Any
) -> None:
    from django.contrib.auth.models import AnonymousUser

    comment = post(proposal, resident_alice)
    services.report_comment(comment, by=resident_rhys, reason="abusive", detail="Rude\x00!")
    with pytest.raises(ValidationError, match="already reported"):
        services.report_comment(comment, by=resident_rhys, reason="spam")
    with pytest.raises(ValidationError, match="Choose why"):
        services.report_comment(comment, by=resident_alice, reason="because")
    with pytest.raises(ValidationError, match="500 characters"):
        services.report_comment(comment, by=resident_alice, reason="other", detail="x" * 501)
    for _ in range(ratelimit.REPORT_LIMIT_ANONYMOUS_CLIENT):
        services.report_proposal(proposal, by=AnonymousUser(), reason="spam", client="198.51.100.7")
    with pytest.raises(services.TooManyPosts):
        services.report_proposal(proposal, by=AnonymousUser(), reason="spam", client="198.51.100.7")
    assert Report.objects.filter(reporter=None).count() == ratelimit.REPORT_LIMIT_ANONYMOUS_CLIENT
    assert Report.objects.get(reporter=resident_rhys).detail == "Rude !"


def test_a_draft_rounds_proposals_cannot_be_reported(
    draft_round: Round, resident_alice: Any
) -> None:
    proposal = make_proposal(draft_round, resident_alice)
    with pytest.raises(PermissionDenied):
        services.report_proposal(proposal, by=resident_alice, reason="spam")


@pytest.mark.parametrize("persona", ["councillor_sam", "staff_dave"])
def test_hiding_a_comment_keeps_its_place_and_the_ledger_keeps_a_hash(
    request: pytest.FixtureRequest, proposal: Proposal, resident_alice: Any, resident_rhys: Any,
    persona: str,
) -> None:  # fmt: skip
    moderator = request.getfixturevalue(persona)
    text = "Alice's neighbour at 4 Example Road is a thief"
    comment = post(proposal, resident_alice, text)
    services.report_comment(comment, by=resident_rhys, reason="personal")
    services.hide_comment(comment, by=moderator, reason="It named a private person.")
    comment.refresh_from_db()
    assert comment.is_hidden and comment.body == text  # kept for the record, never shown
    rows = services.thread_rows(proposal, list(services.threads(proposal)), None)
    assert rows[0].text is None and rows[0].state == "hidden"
    assert rows[0].notice == "Hidden by the ward's councillors: It named a private person."
    assert Report.objects.get().resolution == "hidden"
    event = Event.objects.get(kind="comment.hidden")
    assert event.payload["reason"] == "It named a private person."
    assert event.payload["text_sha256"] == services.text_sha256(comment.hidden_salt, text)
    assert event.payload["reports"] == 1 and event.payload["report_reasons"] == {"personal": 1}
    assert event.actor_role == ("councillor" if persona == "councillor_sam" else "staff")
    for secret in ("Example Road", "thief", "alice", "rhys", "Alice", "Rhys"):
        assert secret not in event.body  # the hashed bytes: the text, author and reporter absent
    # Hidden is final for its author too: no edits, no deletion of what the hash refers to.
    with pytest.raises(ValidationError, match="hid this comment"):
        services.delete_comment(comment, by=resident_alice)
    with pytest.raises(ValidationError, match="already hidden"):
        services.hide_comment(comment, by=moderator, reason="Again")
    with pytest.raises(ValidationError, match="already hidden"):
        services.report_comment(comment, by=resident_alice, reason="spam")


@pytest.mark.parametrize(
    "persona", ["resident_alice", "resident_rhys", "clerk_cleo", "councillor_bob", "auditor_carol"]
)
def test_only_the_wards_councillors_and_staff_moderate(
    request: pytest.FixtureRequest, proposal: Proposal, resident_alice: Any, persona: str
) -> None:
    comment = post(proposal, resident_alice)
    services.report_comment(comment, by=resident_alice, reason="spam")
    user = request.getfixturevalue(persona)
    with pytest.raises(PermissionDenied):
        services.hide_comment(comment, by=user, reason="No")
    with pytest.raises(PermissionDenied):
        services.hide_proposal(proposal, by=user, reason="No")
    with pytest.raises(PermissionDenied):
        services.dismiss_reports(proposal, comment=comment, by=user)
    assert not Event.objects.filter(kind__in=["comment.hidden", "reports.dismissed"]).exists()


def test_a_hide_reason_is_required_and_short(
    proposal: Proposal, resident_alice: Any, councillor_sam: Any
) -> None:
    comment = post(proposal, resident_alice)
    for reason, message in [("  \u200b ", "Give the reason"), ("x" * 251, "250 characters")]:
        with pytest.raises(ValidationError, match=message):
            services.hide_comment(comment, by=councillor_sam, reason=reason)
    comment.refresh_from_db()
    assert not comment.is_hidden


def test_dismissing_reports_is_recorded_without_names(
    proposal: Proposal, resident_alice: Any, resident_rhys: Any, councillor_sam: Any
) -> None:
    comment = post(proposal, resident_alice)
    services.report_comment(comment, by=resident_rhys, reason="off_topic", detail="Not about it")
    assert len(services.moderation_queue(proposal.round.ward)) == 1
    assert services.dismiss_reports(proposal, comment=comment, by=councillor_sam) == 1
    assert services.moderation_queue(proposal.round.ward) == []
    event = Event.objects.get(kind="reports.dismissed")
    assert event.payload == {
        "proposal": proposal.pk, "comment": comment.pk, "reports": 1,
        "report_reasons": {"off_topic": 1},
    }  # fmt: skip
    with pytest.raises(ValidationError, match="no reports waiting"):
        services.dismiss_reports(proposal, comment=comment, by=councillor_sam)
    # Once dismissed, the same person may report it again (something new may have happened).
    services.report_comment(comment, by=resident_rhys, reason="abusive")


def test_hiding_a_proposal_hides_its_words_not_its_ballot_place(
    proposal: Proposal, resident_rhys: Any, councillor_sam: Any
) -> None:
    original = {
        "summary": proposal.summary, "description": proposal.description,
        "location": proposal.location, "delivery_partner": proposal.delivery_partner,
    }  # fmt: skip
    services.report_proposal(proposal, by=resident_rhys, reason="abusive")
    hiding = services.hide_proposal(proposal, by=councillor_sam, reason="Insulting words.")
    proposal.refresh_from_db()
    # Nothing in one language is stored: the notice is written in the reader's language.
    assert proposal.summary == "" and proposal.description == ""
    notice = "Hidden by the ward's councillors: Insulting words."
    assert proposal.shown_summary == notice and proposal.shown_description == notice
    assert proposal.location == "" and proposal.delivery_partner == ""
    assert proposal.title == "Lights on Ladypool Road" and proposal.status == "submitted"
    assert hiding.hidden_text == original
    event = Event.objects.get(kind="proposal.hidden")
    assert event.payload["text_sha256"] == services.text_sha256(
        hiding.salt, json.dumps(original, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    )
    assert "Brighter street lights" not in json.dumps(event.payload)
    assert ProposalHiding.objects.count() == 1
    with pytest.raises(ValidationError, match="already hidden"):
        services.hide_proposal(proposal, by=councillor_sam, reason="Again")
    with pytest.raises(ValidationError, match="already hidden"):
        services.report_proposal(proposal, by=resident_rhys, reason="spam")


def test_a_hidden_proposal_cannot_be_edited_by_its_proposer(
    alices_proposal: Proposal, resident_alice: Any, councillor_sam: Any
) -> None:
    services.hide_proposal(alices_proposal, by=councillor_sam, reason="Insulting words.")
    with pytest.raises(ValidationError, match="hid this proposal's text"):
        services.edit_proposal(alices_proposal, by=resident_alice, summary="Sneaky")
    # Withdrawing is still the proposer's right.
    services.withdraw_proposal(alices_proposal, by=resident_alice)


def test_moderation_continues_after_the_round_is_published(
    sparkbrook: Ward, resident_alice: Any, councillor_sam: Any
) -> None:
    proposal = make_proposal(make_round(sparkbrook, Phase.VOTING), resident_alice)
    comment = post(proposal, resident_alice)
    Round.objects.filter(pk=proposal.round_id).update(phase=Phase.PUBLISHED)
    services.hide_comment(comment, by=councillor_sam, reason="Abuse.")
    assert Event.objects.filter(kind="comment.hidden").count() == 1


def test_the_audit_pages_say_what_was_hidden_in_plain_words() -> None:
    from audit.describe import describe

    hidden = {"proposal": 7, "comment": 31, "reason": "Abuse.", "text_sha256": "ab" * 32}
    assert describe("comment.hidden", hidden, "councillor", "3f2a9c") == (
        "Councillor 3f2a… hid comment #31 on proposal #7: “Abuse.”"
    )
    proposal = {"proposal": 7, "title": "Lights", "reason": "Insults."}
    assert describe("proposal.hidden", proposal, "staff", "9d0e1f") == (
        "Staff 9d0e… hid the text of proposal #7 “Lights”: “Insults.”"
    )
    dismissed = {"proposal": 7, "comment": None, "reports": 2}
    assert describe("reports.dismissed", dismissed, "councillor", "3f2a9c") == (
        "Councillor 3f2a… dismissed 2 reports about proposal #7 and left it as it was"
    )
