"""Shared fixtures: the named personas every view test uses.

- resident_alice: a resident of Sparkbrook
- councillor_bob: a councillor for Aston (another ward than Alice's)
- councillor_sam: a councillor for Sparkbrook
- auditor_carol: an auditor for every ward
- staff_dave: staff
- anonymous visitors use the plain `client` fixture.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ballots.services import Declaration
from wards.models import Membership, Neighbourhood, Role, Ward

# The eligibility declaration every online ballot carries (page, API and service alike).
DECLARED = Declaration(basis="live", age_confirmed=True)

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _plain_http(settings: Any) -> None:
    # Production redirects to HTTPS; the test client speaks plain HTTP.
    settings.SECURE_SSL_REDIRECT = False
    # Fast hashing keeps persona creation cheap.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    # Uploaded photos (delivery updates, the demo's) go to a temporary directory, never var/.
    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture(autouse=True)
def _english_outside_requests() -> None:
    # LocaleMiddleware leaves the last request's language active in the thread: code a test
    # calls directly (services, emails, letters) starts in British English, as a command does.
    from django.utils import translation

    translation.activate("en-gb")


@pytest.fixture(autouse=True)
def _postgres_only(request: pytest.FixtureRequest) -> None:
    """Tests marked `postgres` (races, row locks, physical order) skip on SQLite, saying why."""
    from django.db import connection

    if request.node.get_closest_marker("postgres") and connection.vendor != "postgresql":
        pytest.skip("concurrency is tested on PostgreSQL (set DATABASE_URL); SQLite serialises")


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    from django.core.cache import cache

    cache.clear()


def make_user(username: str, **extra: Any) -> Any:
    return get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


@pytest.fixture
def sparkbrook(db: None) -> Ward:
    ward = Ward.objects.create(name="Sparkbrook", slug="sparkbrook", chest_pence=10_000_000)
    Neighbourhood.objects.create(ward=ward, name="Balsall Heath", slug="balsall-heath")
    return ward


@pytest.fixture
def aston(db: None) -> Ward:
    return Ward.objects.create(name="Aston", slug="aston", chest_pence=10_000_000)


@pytest.fixture
def resident_alice(sparkbrook: Ward) -> Any:
    user = make_user("alice", first_name="Alice", last_name="Ahmed")
    Membership.objects.create(user=user, ward=sparkbrook, role=Role.RESIDENT)
    return user


@pytest.fixture
def councillor_bob(aston: Ward) -> Any:
    user = make_user("bob", first_name="Bob", last_name="Begum")
    Membership.objects.create(user=user, ward=aston, role=Role.COUNCILLOR)
    return user


@pytest.fixture
def councillor_sam(sparkbrook: Ward) -> Any:
    user = make_user("sam", first_name="Sam", last_name="Singh")
    Membership.objects.create(user=user, ward=sparkbrook, role=Role.COUNCILLOR)
    return user


@pytest.fixture
def auditor_carol(db: None) -> Any:
    user = make_user("carol", first_name="Carol", last_name="Campbell")
    Membership.objects.create(user=user, ward=None, role=Role.AUDITOR)
    return user


@pytest.fixture
def staff_dave(db: None) -> Any:
    return make_user("dave", is_staff=True)
