"""Discussion on proposals and its moderation: comments, reports, and hidden proposals.

Imported by budgets.models, so Django finds these models as the budgets app's; kept apart so the
proposal aggregate's module stays readable. The rules (who may post, edit, report, hide) are in
budgets/services/discussion.py and budgets/services/moderation.py.

Nothing here is in the ledger as text: a comment is a resident's own words, which they may delete,
and an append-only public ledger cannot forget. The ledger records only the councillors'
decisions (hiding, dismissing reports), with a salted SHA-256 of what was hidden.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wards.models import Ward

# The longest comment, in characters after cleaning (wards.text.multi_line).
MAX_COMMENT = 2000
# The longest public reason for hiding: short enough that "Hidden by the ward's councillors:
# <reason>" fits where a proposal's 300-character summary is shown (lists, the ballot).
MAX_HIDE_REASON = 250
# The longest optional detail a report may carry.
MAX_REPORT_DETAIL = 500
# How hidings before 2026-12 began the summary they stored; a hidden proposal's summary is now
# stored empty and the notice written when a page is drawn (hidden_notice).
HIDDEN_PREFIX = "Hidden by the ward's councillors"


def hidden_notice(reason: str) -> str:
    """What stands in hidden words' place, in the reader's language; the reason as typed."""
    return gettext("Hidden by the ward's councillors: %(reason)s") % {"reason": reason}


class ReportReason(models.TextChoices):
    ABUSIVE = "abusive", _("Abusive, hateful or threatening")
    PERSONAL = "personal", _("It shares someone's personal information")
    SPAM = "spam", _("Spam or advertising")
    OFF_TOPIC = "off_topic", _("Not about this proposal")
    OTHER = "other", _("Something else")


class Resolution(models.TextChoices):
    OPEN = "", "Waiting for the councillors"
    HIDDEN = "hidden", "Hidden"
    DISMISSED = "dismissed", "Dismissed"


class CommentQuerySet(models.QuerySet["Comment"]):
    def top_level(self) -> CommentQuerySet:
        return self.filter(parent__isnull=True)

    def for_ward(self, ward: Ward) -> CommentQuerySet:
        return self.filter(proposal__round__ward=ward)


class Comment(models.Model):
    """A resident's (or a councillor's) comment on a proposal, or a reply to one (one level).

    Deleted by its author: the row goes, unless it has replies, when it stays with an empty body
    and deleted_at set, so the replies keep their context ("deleted by its author"). Hidden by
    the councillors: the body stays in the database (the ledger's hash refers to it) but is never
    shown; the page shows the public reason instead.
    """

    proposal = models.ForeignKey(
        "budgets.Proposal", on_delete=models.PROTECT, related_name="comments"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="proposal_comments",
    )
    # The role the author spoke in ("resident" or "councillor"), shown beside their name.
    author_role = models.CharField(max_length=20, default="resident")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replies"
    )
    body = models.TextField(max_length=MAX_COMMENT, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_reason = models.CharField(max_length=MAX_HIDE_REASON, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The random salt of the hash the ledger holds (see services.moderation.text_sha256).
    hidden_salt = models.CharField(max_length=64, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=False) | ~Q(body=""),
                name="ck_comment_body_unless_deleted",
            ),
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True) | ~Q(hidden_reason=""),
                name="ck_comment_hidden_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(author_role__in=["resident", "councillor"]),
                name="ck_comment_author_role_valid",
            ),
        ]
        indexes = [models.Index(fields=["proposal", "created_at"], name="ix_comment_proposal")]

    def __str__(self) -> str:
        return f"Comment {self.pk} on proposal {self.proposal_id}"

    def get_absolute_url(self) -> str:
        return reverse("budgets:proposal", kwargs={"proposal_id": self.proposal_id}) + (
            f"#comment-{self.pk}"
        )

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ProposalHiding(models.Model):
    """The councillors hid a proposal's text: its summary, description, place and partner.

    Hiding never touches the ballot: the title, cost, status and review stay, because the title
    is already in the ledger and on the ballot, and whether a proposal stands is the review's
    decision, with its own public reason. The hidden text moves here (kept for the record and
    for an appeal; the ledger's hash refers to it) and the proposal's own summary and
    description are emptied. Every page, list, ballot and API response shows
    Proposal.shown_summary/shown_description: "Hidden by the ward's councillors: <reason>" in
    the reader's language, with the reason as the councillor typed it.
    """

    proposal = models.OneToOneField(
        "budgets.Proposal", on_delete=models.PROTECT, related_name="hiding"
    )
    reason = models.CharField(max_length=MAX_HIDE_REASON)
    hidden_at = models.DateTimeField(default=timezone.now, editable=False)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    hidden_text = models.JSONField(default=dict)
    salt = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="ck_proposalhiding_reason"),
        ]

    def __str__(self) -> str:
        return f"Proposal {self.proposal_id} hidden"


class ReportQuerySet(models.QuerySet["Report"]):
    def open(self) -> ReportQuerySet:
        return self.filter(resolution=Resolution.OPEN)

    def for_ward(self, ward: Ward) -> ReportQuerySet:
        return self.filter(proposal__round__ward=ward)

    def about_proposal_itself(self) -> ReportQuerySet:
        return self.filter(comment__isnull=True)


class Report(models.Model):
    """Someone asks the ward's councillors to look at a comment or a proposal.

    `proposal` is always set (the proposal reported, or the one the comment is on) so a ward's
    queue is one filter; `comment` is set when a comment is reported. The reporter is kept only
    to stop one person reporting the same thing twice; it is shown to nobody, the councillors
    included. Anonymous reports (reporter empty) are allowed, with a tighter rate limit.
    """

    proposal = models.ForeignKey(
        "budgets.Proposal", on_delete=models.PROTECT, related_name="reports"
    )
    comment = models.ForeignKey(
        Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="reports"
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reason = models.CharField(max_length=20, choices=ReportReason.choices)
    detail = models.TextField(max_length=MAX_REPORT_DETAIL, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    resolution = models.CharField(
        max_length=20, choices=Resolution.choices, default=Resolution.OPEN, blank=True
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = ReportQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=ReportReason.values), name="ck_report_reason_valid"
            ),
            models.CheckConstraint(
                condition=Q(resolution__in=Resolution.values), name="ck_report_resolution_valid"
            ),
            models.CheckConstraint(
                condition=(Q(resolution="") & Q(resolved_at__isnull=True))
                | (~Q(resolution="") & Q(resolved_at__isnull=False)),
                name="ck_report_resolved_has_time",
            ),
            # One open report per person per item (anonymous reports have no reporter).
            models.UniqueConstraint(
                fields=["reporter", "comment"],
                condition=Q(resolution="", comment__isnull=False),
                name="uq_report_open_per_person_comment",
            ),
            models.UniqueConstraint(
                fields=["reporter", "proposal"],
                condition=Q(resolution="", comment__isnull=True),
                name="uq_report_open_per_person_proposal",
            ),
        ]
        indexes = [models.Index(fields=["proposal", "resolution"], name="ix_report_open")]

    def __str__(self) -> str:
        what = f"comment {self.comment_id}" if self.comment_id else f"proposal {self.proposal_id}"
        return f"Report on {what}"
