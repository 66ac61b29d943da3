"""Reports: anyone who can see a round asks its ward's councillors to look at a comment or a
proposal, with a reason (one of ReportReason) and optional details.

Open to everyone, signed in or not: a resident who meets abuse should not need an account to say
so. Abuse of reporting is held back by rate limits (wards.ratelimit: per account and per client,
and a lower limit for anonymous visitors) and by one open report per person per item. Reports
are never public and never name the reporter, not even to the councillors; they are not ledger
events (the councillors' decisions on them are: see budgets.services.moderation).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from budgets.access import can_see_round
from budgets.models import Proposal, UserLike
from budgets.models_discussion import (
    MAX_REPORT_DETAIL,
    Comment,
    ProposalHiding,
    Report,
    ReportReason,
)
from budgets.services.discussion import TooManyPosts
from wards import ratelimit
from wards.numbers import display_number
from wards.text import multi_line


def _clean_report(reason: str, detail: str) -> tuple[str, str]:
    if reason not in ReportReason.values:
        raise ValidationError({"reason": gettext("Choose why you are reporting it.")})
    text = multi_line(detail)
    if len(text) > MAX_REPORT_DETAIL:
        raise ValidationError(
            {
                "detail": gettext("Keep the details to %(max)s characters or fewer.")
                % {"max": display_number(MAX_REPORT_DETAIL)}
            }
        )
    return reason, text


def _signed_in(user: UserLike) -> bool:
    return user is not None and user.is_authenticated and user.is_active


def _file_report(
    proposal: Proposal,
    comment: Comment | None,
    *,
    by: UserLike,
    reason: str,
    detail: str,
    client: str,
) -> Report:
    if not can_see_round(by, proposal.round):
        raise PermissionDenied(gettext("There is nothing to report here."))
    reason, detail = _clean_report(reason, detail)
    reporter = by if _signed_in(by) else None
    reporter_id = reporter.pk if reporter is not None else None
    if reporter is not None:
        already = Report.objects.open().filter(reporter=reporter, proposal=proposal)
        already = already.filter(comment=comment) if comment else already.filter(comment=None)
        if already.exists():
            raise ValidationError(
                gettext("You have already reported this. The ward's councillors will look at it.")
            )
    if ratelimit.report_blocked(reporter_id, client):
        raise TooManyPosts(
            gettext("You have sent a lot of reports in a short time. Please wait a while.")
        )
    try:
        with transaction.atomic():
            report = Report.objects.create(
                proposal=proposal, comment=comment, reporter=reporter, reason=reason, detail=detail
            )
    except IntegrityError:  # the same person, twice at once
        raise ValidationError(
            "You have already reported this. The ward's councillors will look at it."
        ) from None
    ratelimit.report_made(reporter_id, client)
    return report


@transaction.atomic
def report_comment(
    comment: Comment,
    *,
    by: UserLike,
    reason: str,
    detail: str = "",
    client: str = ratelimit.UNKNOWN_CLIENT,
) -> Report:
    """Ask the ward's councillors to look at a comment (anyone may; see the module's notes)."""
    try:
        comment = Comment.objects.select_related("proposal__round__ward").get(pk=comment.pk)
    except Comment.DoesNotExist:
        raise ValidationError("That comment has been deleted.") from None
    if comment.is_deleted:
        raise ValidationError("That comment has been deleted.")
    if comment.is_hidden:
        raise ValidationError("The ward's councillors have already hidden that comment.")
    return _file_report(
        comment.proposal, comment, by=by, reason=reason, detail=detail, client=client
    )


@transaction.atomic
def report_proposal(
    proposal: Proposal,
    *,
    by: UserLike,
    reason: str,
    detail: str = "",
    client: str = ratelimit.UNKNOWN_CLIENT,
) -> Report:
    """Ask the ward's councillors to look at a proposal's text (anyone may)."""
    proposal = Proposal.objects.select_related("round__ward").get(pk=proposal.pk)
    if ProposalHiding.objects.filter(proposal=proposal).exists():
        raise ValidationError("The ward's councillors have already hidden that proposal's text.")
    return _file_report(proposal, None, by=by, reason=reason, detail=detail, client=client)
