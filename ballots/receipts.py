"""What anyone may learn about the ballots cast without learning who cast what: a receipt's
state, and turnout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from ballots import codes
from ballots.models import (
    Ballot,
    BallotStatus,
    Channel,
    Voter,
)
from budgets.models import Phase, Round


class ReceiptState(models.TextChoices):
    """What a receipt says about its ballot (the API's `status`)."""

    COUNTED = "counted", _("Counted")  # included in the count: the round has closed
    REPLACED = "replaced", _("Replaced")  # a later ballot from the same voter replaced it
    PENDING = "pending", _("Pending")  # stored, to be counted when voting closes
    NOT_COUNTED = "not_counted", _("Not counted")  # the round was cancelled: nothing is counted


@dataclass(frozen=True)
class ReceiptStatus:
    receipt: str
    round: Round
    status: ReceiptState
    selection: Any | None  # the ballot as published, once the round is published

    @property
    def counted(self) -> bool:
        return self.status == ReceiptState.COUNTED

    @property
    def replaced(self) -> bool:
        return self.status == ReceiptState.REPLACED

    @property
    def not_counted(self) -> bool:
        return self.status == ReceiptState.NOT_COUNTED


def receipt_status(raw: str) -> ReceiptStatus | None:
    """What happened to the ballot behind a receipt; None if no such receipt exists."""
    try:
        receipt = codes.normalise_receipt(raw)
    except codes.CodeFormatError:
        return None
    ballot = Ballot.objects.select_related("round", "round__ward").filter(receipt=receipt).first()
    if ballot is None:
        return None
    round = ballot.round
    if ballot.status == BallotStatus.REPLACED:
        status = ReceiptState.REPLACED
    elif round.phase == Phase.CANCELLED:
        status = ReceiptState.NOT_COUNTED
    elif round.phase in (Phase.CLOSED, Phase.PUBLISHED):
        status = ReceiptState.COUNTED
    else:
        status = ReceiptState.PENDING
    counted = status == ReceiptState.COUNTED
    shown = ballot.selection if round.phase == Phase.PUBLISHED and counted else None
    return ReceiptStatus(receipt, round, status, shown)


def turnout(round: Round) -> dict[str, int]:
    """Distinct voters by channel: every register row has exactly one counted ballot, so a
    replaced ballot never counts twice."""
    counts = dict(Voter.objects.filter(round=round).values_list("channel").annotate(n=Count("id")))
    online, paper = int(counts.get(Channel.ONLINE, 0)), int(counts.get(Channel.PAPER, 0))
    return {"online": online, "paper": paper, "total": online + paper}


def assisted_count(round: Round) -> int:
    """Counted ballots cast with help at a desk (how many, never which)."""
    return Ballot.objects.filter(round=round, status=BallotStatus.LIVE, assisted=True).count()
