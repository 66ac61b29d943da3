from django.apps import AppConfig


class WardsConfig(AppConfig):
    name = "wards"
    verbose_name = "Wards, people and roles"

    def ready(self) -> None:
        # Project-wide deployment checks (REDIS_URL, voting-code and ledger-signing keys).
        import config.checks  # noqa: F401
