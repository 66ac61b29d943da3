"""The same delivery update sent twice (a double click, back-and-resubmit) is one update: its
volunteer hours must not be added twice, nor the ledger get a second event. The same goes for
the record of a round's unspent money."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from budgets.models import Round
from delivery.models import Delivery, Unspent, Update

# A resend comes within seconds; the same words and numbers a week later are a new report.
RESENT_WITHIN = datetime.timedelta(minutes=10)


def resent_update(delivery: Delivery, by: Any, sent: tuple[Any, ...]) -> Update | None:
    """The project's latest update if `by` posted it in the last few minutes and it says
    exactly `sent` (text, status, spent, final cost, hours, photo hash, photo description)."""
    latest = delivery.updates.order_by("-created_at", "-pk").first()
    if latest is None or latest.posted_by_id != by.pk:
        return None
    if latest.created_at < timezone.now() - RESENT_WITHIN:
        return None
    said: tuple[Any, ...] = (latest.text, latest.status, latest.spent_pence)
    said += (latest.final_cost_pence, latest.hours_delivered, latest.photo_sha256, latest.photo_alt)
    return latest if said == sent else None


def resent_unspent(round: Round, sent: tuple[Any, ...]) -> Unspent | None:
    """The round's unspent-money record if it already says exactly `sent` (decision, amount in
    pence, note): recording it again would add a version identical to the last."""
    kept = Unspent.objects.filter(round=round).first()
    if kept is not None and (kept.decision, kept.amount_pence, kept.note) == sent:
        return kept
    return None
