"""Cancelling a round, with a public reason.

Before voting opens (draft, proposals, review) one councillor of the ward cancels it alone. Once
voting has opened, one councillor asks with the reason and a second councillor of the ward
approves (the two-councillor rule, budgets.services.two_person); the one who asked may withdraw.
The ballots cast are then never counted, and the ballots app forgets who cast them (the
discarder in budgets.hooks) inside the same transaction.

A closed round is not cancelled: its votes are counted and the result bound in the ledger, and
letting councillors who have seen an unpublished result discard it would defeat the count.

Cancelled is terminal: the scheduler skips it, and no service takes proposals, reviews, ballots,
paper batches or codes in it. Every step is a ledger event with pseudonymous actors.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

import audit
from audit import kinds
from budgets.hooks import get_discarder
from budgets.models import CANCELLABLE_PHASES, CancelRequest, Phase, Round, UserLike
from budgets.services import two_person
from budgets.services._common import _actor
from budgets.services.notices import queue_phase_notice
from wards import access
from wards.access import Action
from wards.models import Role

NO_REASON = gettext_noop("Give the public reason for cancelling the round.")


def needs_second_councillor(round: Round) -> bool:
    """Voting has opened: cancelling needs a request and a second councillor's approval."""
    return round.phase == Phase.VOTING


def cancel_refusal(round: Round) -> str | None:
    """Why this round cannot be cancelled at all, or None."""
    if round.phase in CANCELLABLE_PHASES:
        return None
    if round.phase == Phase.CANCELLED:
        return gettext("This round is already cancelled.")
    if round.phase == Phase.PUBLISHED:
        return gettext("This round's result is published, so it cannot be cancelled.")
    return gettext(
        "Voting in this round has closed and the votes are counted, so it cannot be "
        "cancelled: its result goes on to publication."
    )


@dataclass(frozen=True)
class CancelOptions:
    """What the cancel page offers this person now; the services refuse anything else."""

    refusal: str | None  # why the round cannot be cancelled, or None
    needs_second: bool  # voting has opened: a request, then a second councillor
    request: CancelRequest | None  # a pending request to cancel
    can_cancel_now: bool  # alone (before voting) or approving a colleague's request
    can_ask: bool
    asked_by_you: bool  # and so may withdraw it


def cancel_options(user: UserLike, round: Round) -> CancelOptions:
    refusal = cancel_refusal(round)
    manages = access.can(user, Action.MANAGE_ROUND, round.ward) and refusal is None
    second = needs_second_councillor(round)
    request = two_person.pending(CancelRequest, round) if second else None
    mine = two_person.asked_by(request, user)
    return CancelOptions(
        refusal=refusal,
        needs_second=second,
        request=request,
        can_cancel_now=manages and (not second or (request is not None and not mine)),
        can_ask=manages and second and request is None,
        asked_by_you=manages and mine,
    )


def _lock(round: Round) -> Round:
    locked = Round.objects.select_for_update().select_related("ward").get(pk=round.pk)
    if refusal := cancel_refusal(locked):
        raise ValidationError(refusal)
    return locked


def request_cancel(round: Round, *, by: UserLike, reason: str) -> CancelRequest:
    """Ask to cancel a round whose voting has opened, with a public reason."""
    access.require(by, Action.MANAGE_ROUND, round.ward)
    reason = two_person.public_reason(reason, missing=gettext(NO_REASON))
    with transaction.atomic():
        locked = _lock(round)
        if not needs_second_councillor(locked):
            raise ValidationError(
                gettext(
                    "Voting has not opened in this round, so one councillor cancels it alone: "
                    "no request is needed."
                )
            )
        request = two_person.ask(
            CancelRequest,
            locked,
            by=by,
            reason=reason,
            already=gettext("Cancelling this round has already been asked for."),
        )
        audit.record(
            kinds.ROUND_CANCEL_REQUESTED,
            ward=locked.ward,
            round=locked,
            actor=_actor(by, locked.ward, Role.COUNCILLOR),
            payload={"reason": reason},
        )
    return request


def withdraw_cancel_request(round: Round, *, by: UserLike) -> None:
    """The councillor who asked to cancel the round takes the request back."""
    access.require(by, Action.MANAGE_ROUND, round.ward)
    with transaction.atomic():
        locked = _lock(round)
        request = two_person.withdraw(
            two_person.pending(CancelRequest, locked),
            by=by,
            missing=gettext("Nobody has asked to cancel this round."),
            not_yours=gettext(
                "Only the councillor who asked to cancel the round can withdraw the request."
            ),
        )
        audit.record(
            kinds.ROUND_CANCEL_WITHDRAWN,
            ward=locked.ward,
            round=locked,
            actor=_actor(by, locked.ward, Role.COUNCILLOR),
            payload={"reason": request.reason},
        )


def cancel_round(round: Round, *, by: UserLike, reason: str = "") -> Round:
    """Cancel the round for good, with a public reason: `reason` before voting opens; once it
    has, the reason of a colleague's request, which `by` approves. One transaction: a cancelled
    round's ballots are forgotten (never counted) in it, and the ledger head is then signed."""
    access.require(by, Action.MANAGE_ROUND, round.ward)
    with transaction.atomic():
        locked = _lock(round)
        previous = locked.phase
        payload: dict[str, object] = {"from": previous}
        if needs_second_councillor(locked):
            request = two_person.approve(
                two_person.pending(CancelRequest, locked),
                by=by,
                missing=gettext(
                    "Voting has opened in this round. To cancel it, ask with a public "
                    "reason; a second councillor of the ward then approves."
                ),
                yours=gettext(
                    "A second councillor must approve cancelling the round: you asked for it "
                    "already."
                ),
            )
            reason = request.reason
            discarder = get_discarder()
            # The ballots cast so far are not counted: how many there were is public, as
            # turnout was during voting; who cast which is forgotten here.
            payload["turnout"] = dict(discarder(locked)) if discarder else {}
            payload["second_councillor"] = True
        else:
            reason = two_person.public_reason(reason, missing=gettext(NO_REASON))
        payload["reason"] = reason
        locked.phase = Phase.CANCELLED
        locked.cancelled_from = previous
        locked.cancelled_at = timezone.now()
        locked.cancel_reason = reason
        locked.save(
            update_fields=["phase", "cancelled_from", "cancelled_at", "cancel_reason", "updated_at"]
        )
        audit.record(
            kinds.ROUND_CANCELLED,
            ward=locked.ward,
            round=locked,
            actor=_actor(by, locked.ward, Role.COUNCILLOR),
            payload=payload,
        )
        if previous != Phase.DRAFT:  # a draft was never public, so nobody is told
            queue_phase_notice(locked)
        if previous == Phase.VOTING:
            _checkpoint(locked)
    round.phase = locked.phase
    round.cancelled_from = locked.cancelled_from
    round.cancelled_at = locked.cancelled_at
    round.cancel_reason = locked.cancel_reason
    return locked


def _checkpoint(round: Round) -> None:
    """Sign the ledger head inside the transaction, as closing does: if the server cannot sign,
    the round is not cancelled either, and the councillor is told why."""
    from audit.signing import SigningKeyMissing

    try:
        audit.sign_checkpoint("round cancelled", ward=round.ward, round=round)
    except SigningKeyMissing as exc:
        raise ValidationError(
            f"The audit ledger cannot be signed, so nothing was changed. {exc}"
        ) from None
