from collections.abc import Callable

from django.apps import AppConfig


class BallotsConfig(AppConfig):
    name = "ballots"
    verbose_name = "Ballots, results and receipts"

    def ready(self) -> None:
        from ballots.cancelling import discard_casting
        from ballots.services import close_round, turnout
        from budgets.hooks import register_closer, register_discarder, register_turnout

        # advance_rounds (budgets) closes rounds whose voting has ended through this hook, and
        # the round page shows how many have voted through the other; budgets imports neither.
        register_closer(close_round)
        register_turnout(lambda round: turnout(round)["total"])
        # Cancelling a round whose voting opened (budgets) forgets who cast what through this.
        register_discarder(discard_casting)

    def seed_demo(self, say: Callable[[str], None]) -> None:
        from ballots.demo import seed_ballots

        seed_ballots(say)
