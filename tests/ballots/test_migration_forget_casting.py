"""Rounds closed before close rewrote its ballots lose their links when the app is upgraded."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("ballots", "0006_result_space_reclaimed"),
    ("budgets", "0003_seal_batch_size_range"),
    ("wards", "0003_resident_neighbourhood"),
]
AFTER = [("ballots", "0007_forget_casting_of_closed_rounds")]


@pytest.mark.django_db(transaction=True)
def test_the_migration_cuts_links_left_by_earlier_closes() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE).apps
    Ward = apps.get_model("wards", "Ward")
    Round = apps.get_model("budgets", "Round")
    Voter = apps.get_model("ballots", "Voter")
    Ballot = apps.get_model("ballots", "Ballot")
    VotingCode = apps.get_model("ballots", "VotingCode")
    ward = Ward.objects.create(name="Aston", slug="aston", chest_pence=100)
    rounds = {
        phase: Round.objects.create(ward=ward, title=phase, budget_pence=100, phase=phase)
        for phase in ("closed", "voting")
    }
    for phase, round in rounds.items():
        for i in range(30):
            code = VotingCode.objects.create(round=round, code_hash=f"{phase}{i}")
            voter = Voter.objects.create(
                round=round, key=f"{phase}-{i}", channel="online", voting_code=code
            )
            Ballot.objects.create(
                round=round,
                # As the old close left them: ids equal, the code still in the register.
                voter=None if phase == "closed" else voter,
                receipt=f"{phase}-{i}",
                channel="online",
                selection=["1"],
                commitment="0" * 64,
            )
    closed, voting = rounds["closed"].pk, rounds["voting"].pk
    old_ballots = set(Ballot.objects.filter(round_id=closed).values_list("pk", flat=True))
    old_voters = set(Voter.objects.filter(round_id=closed).values_list("pk", flat=True))
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    Voter = apps.get_model("ballots", "Voter")
    Ballot = apps.get_model("ballots", "Ballot")
    assert Ballot.objects.filter(round_id=closed).count() == 30
    assert not Voter.objects.filter(round_id=closed, voting_code__isnull=False).exists()
    assert not old_ballots & set(
        Ballot.objects.filter(round_id=closed).values_list("pk", flat=True)
    )
    assert not old_voters & set(Voter.objects.filter(round_id=closed).values_list("pk", flat=True))
    # A round still in voting keeps its links: voters may still replace their ballots.
    assert Ballot.objects.filter(round_id=voting, voter__isnull=False).count() == 30
    # Leave the database fully migrated for the tests that follow.
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
