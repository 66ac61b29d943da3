"""Rounds closed before close rewrote its ballots (issue 11): cut their links now.

Each closed or published round's ballots and register rows are written again as new rows in an
order drawn from the operating system's random source, without voter or code links and with the
day of this migration as their only date, as `ballots.services.forget_casting` does at close.
Their results are left marked as not reclaimed, so `advance_rounds` (or `manage.py reclaim_space`)
then rewrites the code rows and VACUUMs on PostgreSQL.
"""

import secrets

from django.db import migrations
from django.utils import timezone


def _rewrite(model, rows, **overrides):
    rows = list(rows)
    if not rows:
        return
    secrets.SystemRandom().shuffle(rows)
    model.objects.filter(pk__in=[row["id"] for row in rows]).delete()
    fresh = []
    for row in rows:
        row.pop("id")
        row.update(overrides)
        fresh.append(model(**row))
    model.objects.bulk_create(fresh, batch_size=2000)


def forget_casting(apps, schema_editor):
    Round = apps.get_model("budgets", "Round")
    Ballot = apps.get_model("ballots", "Ballot")
    Voter = apps.get_model("ballots", "Voter")
    today = timezone.localdate()
    for round_id in Round.objects.filter(phase__in=["closed", "published"]).values_list(
        "pk", flat=True
    ):
        _rewrite(
            Ballot,
            Ballot.objects.filter(round_id=round_id).values(),
            voter_id=None,
            cast_on=today,
        )
        _rewrite(
            Voter,
            Voter.objects.filter(round_id=round_id).values(),
            voting_code_id=None,
            created_on=today,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("ballots", "0006_result_space_reclaimed"),
        ("budgets", "0001_initial"),
    ]

    operations = [migrations.RunPython(forget_casting, migrations.RunPython.noop)]
