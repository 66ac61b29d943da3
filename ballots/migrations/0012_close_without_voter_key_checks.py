"""Closing a round of 100,000 ballots with less work in the database (issue 17).

- Ballot.voter loses its database foreign key (db_constraint=False): closing deletes and writes
  again the whole register, and the key's check ran one query per deleted register row. Why the
  link cannot dangle is written on the field; tests/ballots/test_no_dangling_voter.py checks it.
- Voter.voting_code is unique only where set (uq_voter_voting_code, partial): after close every
  register row holds NULL, 100,000 entries a plain unique index would still store.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("ballots", "0011_ballot_voter_indexes_only_while_linked"),
        ("budgets", "0011_proposal_language"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ballot",
            name="voter",
            field=models.ForeignKey(
                blank=True,
                db_constraint=False,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="ballots",
                to="ballots.voter",
            ),
        ),
        migrations.AlterField(
            model_name="voter",
            name="voting_code",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="voters",
                to="ballots.votingcode",
            ),
        ),
        migrations.AddConstraint(
            model_name="voter",
            constraint=models.UniqueConstraint(
                condition=models.Q(("voting_code__isnull", False)),
                fields=("voting_code",),
                name="uq_voter_voting_code",
            ),
        ),
    ]
