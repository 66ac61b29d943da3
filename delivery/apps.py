from collections.abc import Callable

from django.apps import AppConfig


class DeliveryConfig(AppConfig):
    name = "delivery"
    verbose_name = "Delivery of funded projects"

    def ready(self) -> None:
        from ballots.hooks import register_delivery_counter, register_result_section
        from delivery.sections import result_section, ward_counts, ward_section
        from wards.hooks import register_ward_section

        # The ward page (wards), the results page and the city dashboard (ballots) show what
        # became of the money through these hooks: neither app imports this one.
        register_ward_section(ward_section)
        register_result_section(result_section)
        register_delivery_counter(ward_counts)

    def seed_demo(self, say: Callable[[str], None]) -> None:
        """Delivery records, pledges and photos for the demo's published round."""
        from delivery.demo import seed_delivery

        seed_delivery(say)
