"""Demonstration data: Birmingham's 40 wards as they stood in 2011, and demo people.

Idempotent: running it again changes nothing that already exists.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.text import slugify

from wards import notices
from wards.models import Membership, Neighbourhood, Role, Ward, WardSubscription

BIRMINGHAM_WARDS_2011 = [
    "Acocks Green", "Aston", "Bartley Green", "Billesley", "Bordesley Green", "Bournville",
    "Brandwood", "Edgbaston", "Erdington", "Hall Green", "Handsworth Wood", "Harborne",
    "Hodge Hill", "Kings Norton", "Kingstanding", "Ladywood", "Longbridge",
    "Lozells and East Handsworth", "Moseley and Kings Heath", "Nechells", "Northfield", "Oscott",
    "Perry Barr", "Quinton", "Selly Oak", "Shard End", "Sheldon", "Soho", "South Yardley",
    "Sparkbrook", "Springfield", "Stechford and Yardley North", "Stockland Green",
    "Sutton Four Oaks", "Sutton New Hall", "Sutton Trinity", "Sutton Vesey", "Tyburn",
    "Washwood Heath", "Weoley",
]  # fmt: skip
CHEST_PENCE = 100_000 * 100
NEIGHBOURHOODS = {"Sparkbrook": ["Balsall Heath"]}

FIRST_NAMES = [
    "Aisha", "Ben", "Chloe", "Daniel", "Fatima", "Gurpreet", "Hannah", "Imran", "Jade", "Kwame",
    "Laura", "Mohammed", "Niamh", "Olu", "Priya", "Rhys", "Sadia", "Tom", "Uzma", "Winston",
]  # fmt: skip
LAST_NAMES = [
    "Ahmed", "Begum", "Campbell", "Davies", "Evans", "Hussain", "Jones", "Kaur", "Khan", "Patel",
    "Roberts", "Singh", "Smith", "Taylor", "Walker", "Williams", "Wilson", "Wright",
]  # fmt: skip

DEMO_RESIDENT_WARDS = ["Sparkbrook", "Acocks Green", "Aston", "Moseley and Kings Heath"]
# A resident who asked for emails about two wards and confirmed, so the demo rounds' phase changes
# queue notices for them (make demo sends them as files under var/mail/).
DEMO_SUBSCRIBER = "subscriber@example.org"
DEMO_SUBSCRIBED_WARDS = ["Sparkbrook", "Edgbaston"]


def demo_password() -> str:
    return str(settings.DEMO_PASSWORD)


def _person(username: str, first: str, last: str, *, staff: bool = False) -> tuple[object, bool]:
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": first, "last_name": last, "is_staff": staff, "is_superuser": staff},
    )
    if created:
        # One hash for every demo account: hashing 130 passwords one by one takes half a minute.
        user.password = _demo_password_hash()
        user.save(update_fields=["password"])
    return user, created


@functools.cache
def _demo_password_hash() -> str:
    from django.contrib.auth.hashers import make_password

    return make_password(demo_password())


@transaction.atomic
def seed_wards_and_people(say: Callable[[str], None]) -> None:
    rng = random.Random(2011)
    created_wards = 0
    for name in BIRMINGHAM_WARDS_2011:
        ward, created = Ward.objects.get_or_create(
            slug=slugify(name), defaults={"name": name, "chest_pence": CHEST_PENCE}
        )
        created_wards += created
        for hood in NEIGHBOURHOODS.get(name, []):
            Neighbourhood.objects.get_or_create(
                ward=ward, slug=slugify(hood), defaults={"name": hood}
            )
        for n in range(1, 4):
            user, _ = _person(
                f"cllr-{ward.slug}-{n}", rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            )
            Membership.objects.get_or_create(user=user, ward=ward, role=Role.COUNCILLOR)
    say(f"Wards: {Ward.objects.count()} ({created_wards} new), each with a £100,000 chest.")

    auditor, _ = _person("auditor", "Carol", "Auditor")
    Membership.objects.get_or_create(user=auditor, ward=None, role=Role.AUDITOR)
    _person("admin", "Site", "Admin", staff=True)
    for ward_name in DEMO_RESIDENT_WARDS:
        ward = Ward.objects.get(name=ward_name)
        for n in range(1, 4):
            user, _ = _person(
                f"resident-{ward.slug}-{n}", rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            )
            Membership.objects.get_or_create(user=user, ward=ward, role=Role.RESIDENT)
    _seed_clerk(rng)
    _seed_subscriptions()


def _seed_clerk(rng: random.Random) -> None:
    """Sparkbrook's clerk, added by a councillor through the team service (a real ledger event),
    and a spare account a councillor can add from /wards/sparkbrook/team/."""
    from wards.services import grant_role

    ward = Ward.objects.get(slug="sparkbrook")
    clerk: Any = _person("clerk-sparkbrook", rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))[0]
    _person("helper-sparkbrook", rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES))
    if not Membership.objects.filter(user=clerk, ward=ward, role=Role.CLERK).exists():
        councillor = Membership.objects.get(user__username="cllr-sparkbrook-1", ward=ward).user
        grant_role(ward, clerk.get_username(), Role.CLERK, by=councillor)


def _seed_subscriptions() -> None:
    """The demo subscriber, subscribed and confirmed through the same services as the pages."""
    for name in DEMO_SUBSCRIBED_WARDS:
        ward = Ward.objects.get(name=name)
        if WardSubscription.objects.filter(ward=ward, email=DEMO_SUBSCRIBER).exists():
            continue
        notices.subscribe(ward, DEMO_SUBSCRIBER)
        subscription = WardSubscription.objects.get(ward=ward, email=DEMO_SUBSCRIBER)
        notices.confirm(notices.confirm_token(subscription))


def sign_in_help() -> list[str]:
    pw = demo_password()
    return [
        f"Sign in at /accounts/login/ with password '{pw}' as any of:",
        "  admin                       staff: the Django admin at /admin/ and every ward",
        "  auditor                     auditor for all wards",
        "  cllr-<ward-slug>-1|2|3      a councillor, e.g. cllr-sparkbrook-1 (three per ward)",
        "  clerk-sparkbrook            Sparkbrook's clerk: paper batches and the help desk",
        "  helper-sparkbrook           an account to add as a clerk: /wards/sparkbrook/team/",
        "  resident-<ward-slug>-1|2|3  a resident, e.g. resident-sparkbrook-1 (wards: "
        + ", ".join(DEMO_RESIDENT_WARDS)
        + ")",
    ]
