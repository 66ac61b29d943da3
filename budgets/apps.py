from collections.abc import Callable

from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = "Budget rounds and proposals"

    def seed_demo(self, say: Callable[[str], None]) -> None:
        """Demo rounds in every phase (see budgets/demo.py for which ward has which)."""
        from budgets.demo import seed

        seed(say)
