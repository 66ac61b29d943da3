from __future__ import annotations

from django.core.management.base import CommandError

from budgets.models import Round

# Appended to each round command's help (`manage.py COMMAND --help`).
EXIT_STATUS = (
    " Exit status 0 when done; 1 when refused (an unknown round, the wrong phase, a file that "
    "cannot be written), with one line saying why; 2 for malformed arguments."
)


def get_round(round_id: int) -> Round:
    try:
        return Round.objects.select_related("ward").get(pk=round_id)
    except Round.DoesNotExist:
        raise CommandError(f"There is no round with id {round_id}.") from None
