from __future__ import annotations

from django.core.management.base import CommandError

from budgets.models import Round


def get_round(round_id: int) -> Round:
    try:
        return Round.objects.select_related("ward").get(pk=round_id)
    except Round.DoesNotExist:
        raise CommandError(f"There is no round with id {round_id}.") from None
