"""The one place that answers "may this user see or manage this round or proposal?".

Pages, the API (and the ballots app) fetch rounds and proposals only through these helpers, so
they cannot disagree about drafts. Each takes a user and an id and returns the object, or raises
Http404 (the object does not exist, or this user may not know it does) or PermissionDenied (the
user may see it but not do this), healthchecks-style. Who may act in a ward is wards.access's.

The draft rule: a draft round is visible only to those who may manage it (the ward's councillors
and active staff); every other phase is public. RoundQuerySet.visible_to(user) is the same rule
as a filter.
"""

from __future__ import annotations

from django.http import Http404

from budgets.models import Comment, Proposal, Round, UserLike
from wards import access
from wards.access import Action


def can_manage(user: UserLike, round: Round) -> bool:
    return access.can(user, Action.MANAGE_ROUND, round.ward)


def can_review(user: UserLike, round: Round) -> bool:
    return access.can(user, Action.REVIEW, round.ward)


def can_see_round(user: UserLike, round: Round) -> bool:
    """Draft rounds (and drafts cancelled as such) are seen only by those who manage them;
    every other round is public."""
    return not round.private or can_manage(user, round)


def _round(round_id: int | str) -> Round:
    try:
        return Round.objects.select_related("ward", "neighbourhood").get(pk=int(round_id))
    except (Round.DoesNotExist, TypeError, ValueError):
        raise Http404("No such round.") from None


def get_round_for(user: UserLike, round_id: int | str) -> Round:
    """The round, or Http404 unless this user may see it (a draft is a 404 to non-managers)."""
    round = _round(round_id)
    if not can_see_round(user, round):
        raise Http404("No such round.")
    return round


def get_round_to_manage(user: UserLike, round_id: int | str) -> Round:
    """The round for one who manages its ward: Http404 if they may not see it, else
    PermissionDenied with the reason unless they manage it."""
    round = get_round_for(user, round_id)
    access.require(user, Action.MANAGE_ROUND, round.ward)
    return round


def get_proposal_for(user: UserLike, proposal_id: int | str) -> Proposal:
    """The proposal, or Http404 unless this user may see its round."""
    try:
        proposal = Proposal.objects.select_related(
            "round__ward", "round__neighbourhood", "merged_into"
        ).get(pk=int(proposal_id))
    except (Proposal.DoesNotExist, TypeError, ValueError):
        raise Http404("No such proposal.") from None
    if not can_see_round(user, proposal.round):
        raise Http404("No such proposal.")
    return proposal


def get_proposal_to_review(user: UserLike, proposal_id: int | str) -> Proposal:
    """The proposal for a reviewer of its ward: Http404 if they may not see it, else
    PermissionDenied with the reason unless they may review in its ward."""
    proposal = get_proposal_for(user, proposal_id)
    access.require(user, Action.REVIEW, proposal.round.ward)
    return proposal


def get_comment_for(user: UserLike, comment_id: int | str) -> Comment:
    """The comment, or Http404 unless it exists and this user may see its round."""
    try:
        comment = Comment.objects.select_related(
            "proposal__round__ward", "proposal__round__neighbourhood", "author"
        ).get(pk=int(comment_id))
    except (Comment.DoesNotExist, TypeError, ValueError):
        raise Http404("No such comment.") from None
    if not can_see_round(user, comment.proposal.round):
        raise Http404("No such comment.")
    return comment
