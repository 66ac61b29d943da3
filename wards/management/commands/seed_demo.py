"""Create demonstration data for every app, idempotently.

Each app contributes through an optional `seed_demo(say)` method on its AppConfig, called in
INSTALLED_APPS order, so wards need not know about the apps built on top of them.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand

from wards.demo import seed_wards_and_people, sign_in_help


class Command(BaseCommand):
    help = "Create Birmingham's 40 wards, demo people and demo rounds. Safe to run again."

    def handle(self, *args: Any, **options: Any) -> None:
        def say(line: str) -> None:
            self.stdout.write(line)

        seed_wards_and_people(say)
        for config in apps.get_app_configs():
            seeder = getattr(config, "seed_demo", None)
            if callable(seeder):
                seeder(say)
        self.stdout.write(self.style.SUCCESS("Demo data ready."))
        for line in sign_in_help():
            self.stdout.write(line)
