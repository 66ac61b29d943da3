"""Moderation: the ward's councillors (and staff) hide a reported comment or proposal with a
public reason, or dismiss the reports (reporting itself is budgets.services.reports).

- Hiding is never silent: the item's place says "Hidden by the ward's councillors: <reason>"
  (in the reader's language; the reason as typed).
  The ledger records the decision (`comment.hidden`, `proposal.hidden`) with the public reason
  and `text_sha256`, a salted SHA-256 of the hidden text (never the text: see text_sha256), and
  `reports.dismissed` when the councillors looked and left the item as it was. None of these
  events names the reporters or the author.
- Hiding a proposal hides its words, not its place on the ballot: see ProposalHiding.
- A hidden item stays hidden; there is no "unhide" (a mistake is put right by staff in the
  database, and would deserve its own ledger event if it became common).
- Moderation works in every public phase, closed and published rounds included: abuse does not
  stop being abuse when voting ends.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
from collections import Counter
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

import audit
from audit import kinds
from budgets.models import Proposal, UserLike
from budgets.models_discussion import (
    MAX_HIDE_REASON,
    Comment,
    ProposalHiding,
    Report,
    ReportReason,
    Resolution,
)
from budgets.services._common import _actor
from wards import access
from wards.access import Action
from wards.models import Role, Ward
from wards.text import single_line

# The proposal fields hiding a proposal takes off display (its title stays: see ProposalHiding).
HIDDEN_PROPOSAL_FIELDS = ("summary", "description", "location", "delivery_partner")


class Decision:
    HIDE = "hide"
    DISMISS = "dismiss"
    CHOICES = [
        (HIDE, gettext_lazy("Hide it, with a public reason")),
        (DISMISS, gettext_lazy("Leave it as it is and dismiss the reports")),
    ]


def text_sha256(salt: str, text: str) -> str:
    """The hash the ledger keeps of hidden text: hex SHA-256 of the UTF-8 bytes of the salt (32
    random hex digits, kept in the database beside the text), a newline, then the text.

    The salt stops anyone confirming a guess of a short hidden comment ("is it 'X lives at 4 Y
    Road'?") from the public ledger alone; with the salt and the text the council can prove to
    an ombudsman or a court exactly what was hidden."""
    return hashlib.sha256(f"{salt}\n{text}".encode()).hexdigest()


def proposal_text(fields: dict[str, str]) -> str:
    """A hidden proposal's text for hashing: its hidden fields as JSON, keys sorted, no spaces."""
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def proposal_hiding(proposal: Proposal) -> ProposalHiding | None:
    return ProposalHiding.objects.filter(proposal=proposal).first()


# --- deciding ----------------------------------------------------------------------------------


def can_moderate(user: UserLike, ward: Ward) -> bool:
    return access.can(user, Action.MODERATE, ward)


def require_can_moderate(user: UserLike, ward: Ward) -> None:
    access.require(user, Action.MODERATE, ward)


def _clean_hide_reason(reason: str) -> str:
    text = single_line(reason)
    if not text:
        raise ValidationError({"reason": "Give the reason for hiding it; it is shown publicly."})
    if len(text) > MAX_HIDE_REASON:
        raise ValidationError(
            {
                "reason": gettext("Keep the reason to %(most)s characters or fewer.")
                % {"most": MAX_HIDE_REASON}
            }
        )
    return text


def _resolve(reports: list[Report], resolution: str, by: UserLike, now: datetime.datetime) -> int:
    ids = [r.pk for r in reports]
    return Report.objects.filter(pk__in=ids).update(
        resolution=resolution, resolved_at=now, resolved_by=by
    )


def _reason_counts(reports: list[Report]) -> dict[str, int]:
    return dict(sorted(Counter(r.reason for r in reports).items()))


@transaction.atomic
def hide_comment(comment: Comment, *, by: UserLike, reason: str) -> Comment:
    """The ward's councillors (or staff) hide a comment with a public reason."""
    try:
        comment = (
            Comment.objects.select_for_update()
            .select_related("proposal__round__ward")
            .get(pk=comment.pk)
        )
    except Comment.DoesNotExist:
        raise ValidationError(gettext("That comment has been deleted.")) from None
    ward = comment.proposal.round.ward
    require_can_moderate(by, ward)
    if comment.is_hidden:
        raise ValidationError(gettext("This comment is already hidden."))
    if comment.is_deleted:
        raise ValidationError(
            gettext("Its author has deleted this comment; there is nothing to hide.")
        )
    reason = _clean_hide_reason(reason)
    now = timezone.now()
    comment.hidden_at = now
    comment.hidden_reason = reason
    comment.hidden_by = by
    comment.hidden_salt = secrets.token_hex(16)
    comment.save(update_fields=["hidden_at", "hidden_reason", "hidden_by", "hidden_salt"])
    reports = list(comment.reports.open())
    _resolve(reports, Resolution.HIDDEN, by, now)
    audit.record(
        kinds.COMMENT_HIDDEN,
        ward=ward,
        round=comment.proposal.round,
        actor=_actor(by, ward, Role.COUNCILLOR),
        payload={
            "proposal": comment.proposal_id,
            "comment": comment.pk,
            "reason": reason,
            "text_sha256": text_sha256(comment.hidden_salt, comment.body),
            "reports": len(reports),
            "report_reasons": _reason_counts(reports),
        },
    )
    return comment


@transaction.atomic
def hide_proposal(proposal: Proposal, *, by: UserLike, reason: str) -> ProposalHiding:
    """The ward's councillors (or staff) hide a proposal's text with a public reason."""
    proposal = (
        Proposal.objects.select_for_update().select_related("round__ward").get(pk=proposal.pk)
    )
    ward = proposal.round.ward
    require_can_moderate(by, ward)
    if proposal_hiding(proposal) is not None:
        raise ValidationError(gettext("This proposal's text is already hidden."))
    reason = _clean_hide_reason(reason)
    hidden = {name: getattr(proposal, name) for name in HIDDEN_PROPOSAL_FIELDS}
    hiding = ProposalHiding.objects.create(
        proposal=proposal,
        reason=reason,
        hidden_by=by,
        hidden_text=hidden,
        salt=secrets.token_hex(16),
    )
    # Emptied, not replaced by a notice: pages write the notice in the reader's language
    # (Proposal.shown_summary), so nothing stored is in one language for everyone.
    proposal.summary = ""
    proposal.description = ""
    proposal.location = ""
    proposal.delivery_partner = ""
    proposal.save(update_fields=[*HIDDEN_PROPOSAL_FIELDS, "updated_at"])
    reports = list(proposal.reports.open().about_proposal_itself())
    _resolve(reports, Resolution.HIDDEN, by, hiding.hidden_at)
    audit.record(
        kinds.PROPOSAL_HIDDEN,
        ward=ward,
        round=proposal.round,
        actor=_actor(by, ward, Role.COUNCILLOR),
        payload={
            "proposal": proposal.pk,
            "title": proposal.title,
            "reason": reason,
            "hidden_fields": list(HIDDEN_PROPOSAL_FIELDS),
            "text_sha256": text_sha256(hiding.salt, proposal_text(hidden)),
            "reports": len(reports),
            "report_reasons": _reason_counts(reports),
        },
    )
    return hiding


@transaction.atomic
def dismiss_reports(proposal: Proposal, *, comment: Comment | None = None, by: UserLike) -> int:
    """The councillors looked and leave the item as it is: its open reports are dismissed."""
    proposal = Proposal.objects.select_related("round__ward").get(pk=proposal.pk)
    ward = proposal.round.ward
    require_can_moderate(by, ward)
    open_reports = Report.objects.select_for_update().open().filter(proposal=proposal)
    if comment is not None:
        open_reports = open_reports.filter(comment=comment)
    else:
        open_reports = open_reports.about_proposal_itself()
    reports = list(open_reports)
    if not reports:
        raise ValidationError(gettext("There are no reports waiting about this."))
    _resolve(reports, Resolution.DISMISSED, by, timezone.now())
    audit.record(
        kinds.REPORTS_DISMISSED,
        ward=ward,
        round=proposal.round,
        actor=_actor(by, ward, Role.COUNCILLOR),
        payload={
            "proposal": proposal.pk,
            "comment": comment.pk if comment is not None else None,
            "reports": len(reports),
            "report_reasons": _reason_counts(reports),
        },
    )
    return len(reports)


def moderate(
    proposal: Proposal,
    *,
    comment: Comment | None = None,
    by: UserLike,
    decision: str,
    reason: str = "",
) -> str:
    """The one entry point of the moderation page: hide (with a reason) or dismiss the reports.
    Returns what happened, in words for the next page."""
    if decision == Decision.HIDE:
        if comment is not None:
            hide_comment(comment, by=by, reason=reason)
            return gettext("The comment is hidden; its place shows your reason.")
        hide_proposal(proposal, by=by, reason=reason)
        return gettext("The proposal's text is hidden; its page shows your reason.")
    if decision == Decision.DISMISS:
        n = dismiss_reports(proposal, comment=comment, by=by)
        return ngettext(
            "%(count)s report dismissed; nothing was hidden.",
            "%(count)s reports dismissed; nothing was hidden.",
            n,
        ) % {"count": n}
    raise ValidationError({"decision": gettext("Choose to hide it or to dismiss the reports.")})


# --- the queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    """One reported item waiting for the councillors: what it is, and why people reported it."""

    proposal: Proposal
    comment: Comment | None
    text: str
    reports: int
    reasons: list[tuple[str, int]]
    details: list[str]
    first_reported: datetime.datetime

    @property
    def moderate_url(self) -> str:
        if self.comment is not None:
            return reverse("budgets:comment_moderate", kwargs={"comment_id": self.comment.pk})
        return reverse("budgets:proposal_moderate", kwargs={"proposal_id": self.proposal.pk})


def open_reports_about(proposal: Proposal, comment: Comment | None) -> list[Report]:
    reports = Report.objects.open().filter(proposal=proposal)
    if comment is not None:
        return list(reports.filter(comment=comment))
    return list(reports.about_proposal_itself())


def _item(proposal: Proposal, comment: Comment | None, reports: list[Report]) -> QueueItem:
    counts = Counter(str(ReportReason(r.reason).label) for r in reports)
    text = (
        comment.body
        if comment is not None
        else f"{proposal.shown_summary}\n\n{proposal.shown_description}"
    )
    return QueueItem(
        proposal=proposal,
        comment=comment,
        text=text,
        reports=len(reports),
        reasons=counts.most_common(),
        details=[r.detail for r in reports if r.detail],
        first_reported=min(r.created_at for r in reports),
    )


def queue_item(proposal: Proposal, comment: Comment | None) -> QueueItem | None:
    """The item's waiting reports, or None when none wait."""
    reports = open_reports_about(proposal, comment)
    return _item(proposal, comment, reports) if reports else None


def moderation_queue(ward: Ward) -> list[QueueItem]:
    """Every item in the ward's rounds with reports waiting, the longest-waiting first."""
    reports = (
        Report.objects.open()
        .for_ward(ward)
        .select_related("proposal__round", "comment")
        .order_by("created_at", "id")
    )
    by_key: dict[tuple[int, int | None], list[Report]] = {}
    for report in reports:  # oldest first, so each item lands where its first report puts it
        by_key.setdefault((report.proposal_id, report.comment_id), []).append(report)
    return [_item(group[0].proposal, group[0].comment, group) for group in by_key.values()]


def waiting_count(ward: Ward) -> int:
    return Report.objects.open().for_ward(ward).values("proposal", "comment").distinct().count()
