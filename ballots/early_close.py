"""Closing voting before its end date: a councillor asks with a public reason, and a second
councillor of the ward approves (the close itself). Both steps are ledger events. The
two-councillor rule itself is budgets.services.two_person's, shared with cancelling a round.

Closing on or after `voting_end` needs one councillor (or the scheduler); closing early from the
command line (`manage.py close_round`, staff at a terminal) is not held to the two-person rule.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

import audit
from audit import kinds
from ballots.actors import ledger_actor
from ballots.models import EarlyCloseRequest
from budgets.models import MAX_PUBLIC_REASON, Phase, Round
from budgets.services import two_person, when
from wards.access import Action, can, require

MAX_REASON = MAX_PUBLIC_REASON


def closes_early(round: Round, now: datetime.datetime | None = None) -> bool:
    """Voting is set to run on: closing now needs a reason and a second councillor."""
    return round.voting_end is not None and (now or timezone.now()) < round.voting_end


@dataclass(frozen=True)
class CloseOptions:
    """What the close page offers this person now; close_round refuses anything else."""

    early: bool  # voting is set to run on past now
    voting_end: datetime.datetime | None
    request: EarlyCloseRequest | None  # a pending request to close early
    can_close_now: bool  # one click (after confirming) closes voting
    can_ask_to_close_early: bool
    asked_by_you: bool


def close_options(user: Any, round: Round) -> CloseOptions:
    manages = can(user, Action.MANAGE_ROUND, round.ward) and round.phase == Phase.VOTING
    early = closes_early(round)
    request = two_person.pending(EarlyCloseRequest, round) if early else None
    mine = two_person.asked_by(request, user)
    return CloseOptions(
        early=early,
        voting_end=round.voting_end,
        request=request,
        can_close_now=manages and (not early or (request is not None and not mine)),
        can_ask_to_close_early=manages and early and request is None,
        asked_by_you=manages and mine,
    )


def request_early_close(round: Round, *, by: Any, reason: str) -> EarlyCloseRequest:
    """Ask to close voting before its end date, with a public reason."""
    require(by, Action.MANAGE_ROUND, round.ward)
    reason = two_person.public_reason(
        reason, missing=gettext("Give the public reason for closing voting early.")
    )
    with transaction.atomic():
        locked = Round.objects.select_for_update().select_related("ward").get(pk=round.pk)
        if locked.phase != Phase.VOTING:
            raise ValidationError(gettext("Only a round in voting can be closed."))
        if not closes_early(locked):
            raise ValidationError(
                gettext("Voting has reached its end date: close it without a request.")
            )
        request = two_person.ask(
            EarlyCloseRequest,
            locked,
            by=by,
            reason=reason,
            already=gettext("Closing early has already been asked for in this round."),
        )
        audit.record(
            kinds.ROUND_EARLY_CLOSE_REQUESTED,
            ward=locked.ward,
            round=locked,
            actor=ledger_actor(by, locked.ward),
            payload={"reason": reason, "voting_end": locked.voting_end.isoformat()}
            if locked.voting_end
            else {"reason": reason},
        )
    return request


def approve_early_close(locked: Round, by: Any) -> dict[str, Any] | None:
    """Inside close_round, after the round lock: None when closing is not early; else the
    approved request as it goes into round.closed's payload. Refuses what the rule forbids."""
    if by is None or not closes_early(locked):
        return None
    end = when(locked.voting_end) if locked.voting_end else ""
    request = two_person.approve(
        two_person.pending(EarlyCloseRequest, locked),
        by=by,
        missing=gettext(
            "Voting is set to run until %(end)s. To close it early, ask with a public reason; "
            "a second councillor of the ward then approves."
        )
        % {"end": end},
        yours=gettext("A second councillor must approve closing early: you asked for it already."),
    )
    return {"reason": request.reason}
