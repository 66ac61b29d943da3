from django.apps import AppConfig


class ProjectConfig(AppConfig):
    """The project itself as an app: registers its deployment checks (config/checks.py)."""

    name = "config"
    verbose_name = "Community Chest"

    def ready(self) -> None:
        from config import checks  # noqa: F401  (registers the checks)
