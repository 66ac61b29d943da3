from collections.abc import Callable
from typing import Any

from django.apps import AppConfig


class BallotsConfig(AppConfig):
    name = "ballots"
    verbose_name = "Ballots, results and receipts"

    def ready(self) -> None:
        from ballots.cancelling import discard_casting
        from ballots.services import close_round, turnout
        from ballots.test_count import ensure_test_count, test_count_problem
        from budgets.hooks import (
            register_closer,
            register_discarder,
            register_test_count,
            register_turnout,
        )

        # advance_rounds (budgets) closes rounds whose voting has ended through this hook, and
        # the round page shows how many have voted through the other; budgets imports neither.
        register_closer(close_round)
        register_turnout(lambda round: turnout(round)["total"])
        # Cancelling a round whose voting opened (budgets) forgets who cast what through this.
        register_discarder(discard_casting)
        # Voting opens only after a test deck is counted right (budgets asks through this).
        register_test_count(check=test_count_problem, runner=ensure_test_count)
        _watch_ballots()

    def seed_demo(self, say: Callable[[str], None]) -> None:
        from ballots.demo import seed_ballots

        seed_ballots(say)


def _project_changed(sender: type, instance: Any, **kwargs: Any) -> None:
    from ballots.selection import ballot_changed

    ballot_changed(instance.round_id)


def _watch_ballots() -> None:
    """Any save or delete of a project moves its round's ballot version, so the ballot every app
    server keeps in memory (ballots/selection.py) is read again on the next ballot."""
    from django.db.models.signals import post_delete, post_save

    from budgets.models import Proposal

    post_save.connect(_project_changed, sender=Proposal, dispatch_uid="ballots.project_saved")
    post_delete.connect(_project_changed, sender=Proposal, dispatch_uid="ballots.project_deleted")
