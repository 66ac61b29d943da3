from collections.abc import Callable

from django.apps import AppConfig


class BudgetsConfig(AppConfig):
    name = "budgets"
    verbose_name = "Budget rounds and proposals"

    def ready(self) -> None:
        from budgets.services import ward_round_cards
        from budgets.services.happening import home_section
        from wards.hooks import register_home_section, register_round_lister

        # The ward page (wards) lists rounds through this hook: wards never imports budgets.
        register_round_lister(ward_round_cards)
        # The home page leads with the rounds residents can take part in now.
        register_home_section(home_section)

    def seed_demo(self, say: Callable[[str], None]) -> None:
        """Demo rounds in every phase (see budgets/demo.py for which ward has which)."""
        from budgets.demo import seed
        from budgets.demo_discussion import seed as seed_discussion

        seed(say)
        seed_discussion(say)
