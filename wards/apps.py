from django.apps import AppConfig


class WardsConfig(AppConfig):
    name = "wards"
    verbose_name = "Wards, people and roles"

    def ready(self) -> None:
        from audit.hooks import register_ward_names
        from wards.models import Ward

        def ward_name(slug: str) -> str | None:
            return Ward.objects.filter(slug=slug).values_list("name", flat=True).first()

        # The ledger's ward pages name the ward without audit importing this app.
        register_ward_names(ward_name)
