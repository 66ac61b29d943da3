"""Discussion on proposals: post, reply, edit and delete comments; the thread as pages show it.

The rules, decided once here for the page and the API:
- Who: residents and councillors of the round's ward (wards.access Action.COMMENT; why there).
  Anyone who may see the round reads the discussion, signed in or not.
- When: while the round takes proposals, is in review or in voting; once voting has closed the
  discussion is read-only (its author may still delete a comment: their words are theirs).
- What: plain text of at most MAX_COMMENT characters, cleaned by wards.text.multi_line (control,
  zero-width and bidi characters go, every kind of line break becomes "\\n"), with runs of blank
  lines squeezed to one. One level of replies: a reply answers a top-level comment.
- Edit: the author, within EDIT_WINDOW of posting, while the discussion is open.
- Delete: the author. A comment with replies stays as "Deleted by its author" so the replies keep
  their context; one without replies disappears (and takes a deleted parent left with no
  replies with it). A hidden comment cannot be deleted: the councillors' decision and the hash
  in the ledger refer to it.
- Names: a person shows as their username (the handle they chose at sign-up), with "Councillor"
  for a councillor; never an email address, a real name or anything else about them. A
  username that looks like an email address shows as "A resident".
- Rate limits (wards.ratelimit): comments per account and per client; a 429 when exceeded.
- Nothing here is a ledger event (see budgets/models_discussion.py for why); hiding is.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from budgets.models import Phase, Proposal, Round, UserLike
from budgets.models_discussion import (
    MAX_COMMENT,
    Comment,
    CommentQuerySet,
    hidden_notice,
)
from wards import access, ratelimit
from wards.access import Action
from wards.models import Role
from wards.numbers import display_number
from wards.text import multi_line

# How long after posting its author may still change a comment.
EDIT_WINDOW = datetime.timedelta(minutes=15)
# The phases in which people may post and edit comments.
DISCUSSION_PHASES: frozenset[str] = frozenset(
    {Phase.PROPOSALS, Phase.REVIEW, Phase.SUPPORT, Phase.VOTING}
)
DELETED_NOTICE = _("Deleted by its author.")
FORMER_ACCOUNT = _("A former resident")
_BLANK_LINES = re.compile(r"\n{3,}")


class TooManyPosts(PermissionDenied):
    """Refused by a discussion rate limit; the API answers 429, the page says so."""

    status_code = 429


def display_name(user: UserLike) -> str:
    """How the discussion names a person (see the module's notes)."""
    if user is None:
        return str(FORMER_ACCOUNT)
    name = str(user.get_username())
    return gettext("A resident") if "@" in name else name


def shown_hidden_notice(reason: str) -> str:
    """The notice in a hidden comment's place, in the reader's language (as a proposal's)."""
    return hidden_notice(reason)


def discussion_open(round: Round) -> bool:
    return round.phase in DISCUSSION_PHASES


def _require_open(round: Round) -> None:
    if round.phase in DISCUSSION_PHASES:
        return
    if round.phase == Phase.DRAFT:
        raise ValidationError(
            gettext("The discussion opens when the round starts taking proposals.")
        )
    raise ValidationError(gettext("Voting has closed, so this discussion is now read-only."))


def require_can_comment(user: UserLike, proposal: Proposal) -> None:
    """Raise unless the user may post on this proposal now (pages check before a form)."""
    access.require(user, Action.COMMENT, proposal.round.ward)
    _require_open(proposal.round)


def can_comment(user: UserLike, proposal: Proposal) -> bool:
    try:
        require_can_comment(user, proposal)
    except (PermissionDenied, ValidationError):
        return False
    return True


def clean_body(body: str | None) -> str:
    """The comment as stored, or a ValidationError saying what to fix."""
    text = _BLANK_LINES.sub("\n\n", multi_line(body))
    if not text:
        raise ValidationError({"body": gettext("Write your comment.")})
    if len(text) > MAX_COMMENT:
        raise ValidationError(
            {
                "body": gettext(
                    "Keep your comment to %(max)s characters or fewer (it has %(length)s)."
                )
                % {"max": display_number(MAX_COMMENT), "length": display_number(len(text))}
            }
        )
    return text


def _role_for(user: UserLike, proposal: Proposal) -> str:
    roles = access.roles_in(user, proposal.round.ward)
    return Role.COUNCILLOR.value if Role.COUNCILLOR in roles else Role.RESIDENT.value


# Ids beyond this are no comment's (and SQLite cannot even compare them).
_MAX_ID = 2**63 - 1


def comment_id(value: object) -> int | None:
    """A comment id as typed in a form or a URL's query, or None if it cannot be one."""
    text = str(value or "").strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 0 < number <= _MAX_ID else None


def _parent(proposal: Proposal, parent: Comment | int | None) -> Comment | None:
    if parent is None:
        return None
    parent_id = parent.pk if isinstance(parent, Comment) else comment_id(parent)
    found = (
        Comment.objects.select_for_update().filter(pk=parent_id, proposal=proposal).first()
        if parent_id is not None
        else None
    )
    if found is None:
        raise ValidationError({"reply_to": gettext("There is no such comment on this proposal.")})
    if found.parent_id is not None:
        raise ValidationError(
            {"reply_to": gettext("Reply to the comment that started the conversation.")}
        )
    if found.is_deleted or found.is_hidden:
        raise ValidationError(
            {"parent": gettext("That comment is no longer shown, so it takes no replies.")}
        )
    return found


@transaction.atomic
def post_comment(
    proposal: Proposal,
    *,
    by: UserLike,
    body: str,
    parent: Comment | int | None = None,
    client: str = ratelimit.UNKNOWN_CLIENT,
) -> Comment:
    """A resident or councillor of the ward comments on a proposal, or replies to a comment."""
    proposal = Proposal.objects.select_related("round__ward").get(pk=proposal.pk)
    require_can_comment(by, proposal)
    # The author's row orders two sends of the same form (a double click; see _resent). Taken
    # first, and no other lock in the app takes a user's row with others: it cannot deadlock.
    get_user_model().objects.select_for_update().values_list("pk").get(pk=by.pk)
    text = clean_body(body)
    reply_to = _parent(proposal, parent)
    if (same := _resent(proposal, reply_to, by, text)) is not None:
        return same
    if ratelimit.comment_blocked(by.pk, client):
        raise TooManyPosts(
            gettext("You have posted a lot of comments in a short time. Please wait a few minutes.")
        )
    comment = Comment(
        proposal=proposal,
        author=by,
        author_role=_role_for(by, proposal),
        parent=reply_to,
        body=text,
    )
    comment.full_clean(validate_unique=False)
    comment.save()
    ratelimit.comment_posted(by.pk, client)
    return comment


def _resent(
    proposal: Proposal, reply_to: Comment | None, by: UserLike, text: str
) -> Comment | None:
    """The thread's latest comment if it is `by`'s with these very words (a double click or a
    back-and-resubmit); the same words after someone else has spoken are a new comment."""
    latest = Comment.objects.filter(proposal=proposal, parent=reply_to).order_by("-pk").first()
    if latest and latest.author_id == by.pk and latest.body == text and not latest.deleted_at:
        return latest if not latest.is_hidden else None
    return None


def _locked(comment: Comment) -> Comment:
    try:
        return (
            Comment.objects.select_for_update()
            .select_related("proposal__round__ward")
            .get(pk=comment.pk)
        )
    except Comment.DoesNotExist:
        raise ValidationError(gettext("That comment has been deleted.")) from None


def _require_author(user: UserLike, comment: Comment, verb: str) -> None:
    if user is None or not user.is_authenticated:
        raise PermissionDenied(gettext("Please sign in first."))
    if comment.author_id != user.pk:
        raise PermissionDenied(
            gettext("Only the person who wrote this comment can change it.")
            if verb == "change"
            else gettext("Only the person who wrote this comment can delete it.")
        )
    if comment.is_deleted:
        raise ValidationError(gettext("You have deleted this comment."))
    if comment.is_hidden:
        raise ValidationError(
            gettext("The ward's councillors hid this comment, so it cannot be changed any more.")
            if verb == "change"
            else gettext(
                "The ward's councillors hid this comment, so it cannot be deleted any more."
            )
        )


def _require_edit_window(user: UserLike, comment: Comment, now: datetime.datetime) -> None:
    _require_author(user, comment, "change")
    if now - comment.created_at > EDIT_WINDOW:
        minutes = int(EDIT_WINDOW.total_seconds() // 60)
        raise ValidationError(
            gettext("A comment can be changed only in the first %(minutes)s minutes after posting.")
            % {"minutes": minutes}
        )
    access.require(user, Action.COMMENT, comment.proposal.round.ward)
    _require_open(comment.proposal.round)


def require_can_edit(user: UserLike, comment: Comment) -> None:
    """Raise unless the user may change the comment now (pages check before a form)."""
    _require_edit_window(user, comment, timezone.now())


def require_can_delete(user: UserLike, comment: Comment) -> None:
    _require_author(user, comment, "delete")


@transaction.atomic
def edit_comment(comment: Comment, *, by: UserLike, body: str) -> Comment:
    """The author changes their comment, within EDIT_WINDOW of posting."""
    comment = _locked(comment)
    _require_edit_window(by, comment, timezone.now())
    text = clean_body(body)
    if text == comment.body:
        return comment
    comment.body = text
    comment.edited_at = timezone.now()
    comment.full_clean(validate_unique=False)
    comment.save(update_fields=["body", "edited_at"])
    return comment


@transaction.atomic
def delete_comment(comment: Comment, *, by: UserLike) -> bool:
    """The author deletes their comment. Returns True if it left a "deleted" placeholder (it has
    replies), False if it disappeared."""
    comment = _locked(comment)
    _require_author(by, comment, "delete")
    if comment.replies.exists():
        comment.body = ""
        comment.deleted_at = timezone.now()
        comment.save(update_fields=["body", "deleted_at"])
        comment.reports.open().delete()  # nothing is left to look at
        return True
    parent = comment.parent
    comment.delete()
    if parent is not None and parent.is_deleted and not parent.replies.exists():
        parent.delete()
    return False


# --- the thread as pages and the API show it ---------------------------------------------------


@dataclass
class CommentRow:
    """One comment as everyone sees it; `text` is None when it is hidden or deleted, and
    `notice` then says why. The can_* flags are for the person looking."""

    id: int
    parent: int | None
    author: str
    author_role: str
    state: str  # "shown", "hidden" or "deleted"
    text: str | None
    notice: str
    hidden_reason: str
    created_at: datetime.datetime
    edited: bool
    by_councillor: bool = False
    can_edit: bool = False
    can_delete: bool = False
    can_reply: bool = False
    can_report: bool = False
    can_moderate: bool = False
    replies: list[CommentRow] = field(default_factory=list)

    @property
    def report_url(self) -> str:
        return reverse("budgets:comment_report", kwargs={"comment_id": self.id})


def threads(proposal: Proposal) -> CommentQuerySet:
    """The proposal's top-level comments, oldest first, with their replies and authors."""
    replies = Comment.objects.select_related("author").order_by("created_at", "id")
    return (
        proposal.comments.top_level()
        .select_related("author")
        .prefetch_related(Prefetch("replies", queryset=replies))
        .order_by("created_at", "id")
    )


def _row(
    comment: Comment, user: UserLike, *, may_post: bool, may_moderate: bool, now: datetime.datetime
) -> CommentRow:
    if comment.is_hidden:
        state, text, notice = "hidden", None, shown_hidden_notice(comment.hidden_reason)
    elif comment.is_deleted:
        state, text, notice = "deleted", None, str(DELETED_NOTICE)
    else:
        state, text, notice = "shown", comment.body, ""
    mine = (
        state == "shown"
        and user is not None
        and user.is_authenticated
        and comment.author_id == user.pk
    )
    return CommentRow(
        id=comment.pk,
        parent=comment.parent_id,
        author=display_name(comment.author) if state != "deleted" else "",
        author_role=Role(comment.author_role).label,
        state=state,
        text=text,
        notice=notice,
        hidden_reason=comment.hidden_reason,
        created_at=comment.created_at,
        edited=comment.edited_at is not None,
        by_councillor=state != "deleted" and comment.author_role == Role.COUNCILLOR,
        can_edit=mine and may_post and now - comment.created_at <= EDIT_WINDOW,
        can_delete=mine,
        can_reply=may_post and state == "shown" and comment.parent_id is None,
        can_report=state == "shown",
        can_moderate=may_moderate and state == "shown",
    )


def thread_rows(proposal: Proposal, comments: list[Comment], user: UserLike) -> list[CommentRow]:
    """Top-level comments (from `threads`, perhaps one page of them) as rows with replies."""
    now = timezone.now()
    may_post = can_comment(user, proposal)
    may_moderate = access.can(user, Action.MODERATE, proposal.round.ward)
    rows = []
    for comment in comments:
        row = _row(comment, user, may_post=may_post, may_moderate=may_moderate, now=now)
        row.replies = [
            _row(reply, user, may_post=may_post, may_moderate=may_moderate, now=now)
            for reply in comment.replies.all()
        ]
        rows.append(row)
    return rows


def comment_count(proposal: Proposal) -> int:
    """Comments shown or hidden on the proposal (placeholders of deleted ones not counted)."""
    return proposal.comments.filter(deleted_at__isnull=True).count()
