"""The same delivery update sent twice (a double click, back-and-resubmit) is one update: its
volunteer hours must not be added twice, nor the ledger get a second event."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from delivery.models import Delivery, Update

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
