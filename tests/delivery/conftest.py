"""Delivery fixtures: Sparkbrook's round voted on and published (A and B funded: they fit the
£100,000 budget together and most ballots chose them), a clerk for Sparkbrook, a resident of
Aston, and photos made on the spot with Pillow.

Personas for the permission matrix: anonymous, resident_alice (Sparkbrook), resident_rhys
(Aston), clerk_cleo (Sparkbrook), councillor_sam (Sparkbrook), councillor_bob (Aston),
staff_dave.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from ballots import services
from budgets.models import Round
from delivery.services import funded_ids, published_result
from tests.ballots.conftest import make_voting_round, project_ids
from tests.conftest import DECLARED, login, make_user
from wards.models import Membership, Role, Ward

PERSONAS = [
    "anonymous",
    "resident_alice",
    "resident_rhys",
    "clerk_cleo",
    "councillor_sam",
    "councillor_bob",
    "staff_dave",
]
# Who may post delivery updates on a Sparkbrook project (and record its milestones).
REPORTERS = {"clerk_cleo", "councillor_sam", "staff_dave"}
# Who may record what became of a round's unspent money.
MANAGERS = {"councillor_sam", "staff_dave"}


def as_persona(client: Client, who: str, request: pytest.FixtureRequest) -> Client:
    if who != "anonymous":
        login(client, request.getfixturevalue(who))
    return client


def publish_with_ballots(round: Round, choices: list[list[int]]) -> Round:
    codes = services.issue_codes(round, len(choices))
    for code, chosen in zip(codes, choices, strict=True):
        services.cast_ballot(round, chosen, code=code, declaration=DECLARED)
    services.close_round(round)
    services.publish_round(round)
    round.refresh_from_db()
    return round


@pytest.fixture
def published_round(sparkbrook: Ward) -> Round:
    round = make_voting_round(sparkbrook)
    ids = project_ids(round)
    return publish_with_ballots(round, [[ids[0], ids[1]], [ids[0], ids[1]], [ids[4]]])


@pytest.fixture
def funded(published_round: Round) -> list[int]:
    result = published_result(published_round)
    assert result is not None
    return sorted(funded_ids(result))


@pytest.fixture
def unfunded(published_round: Round, funded: list[int]) -> int:
    return next(pid for pid in project_ids(published_round) if pid not in funded)


@pytest.fixture
def clerk_cleo(sparkbrook: Ward) -> Any:
    user = make_user("cleo", first_name="Cleo", last_name="Clarke")
    Membership.objects.create(user=user, ward=sparkbrook, role=Role.CLERK)
    return user


@pytest.fixture
def resident_rhys(aston: Ward) -> Any:
    user = make_user("rhys", first_name="Rhys", last_name="Rahman")
    Membership.objects.create(user=user, ward=aston, role=Role.RESIDENT)
    return user


def image_bytes(
    fmt: str = "JPEG", size: tuple[int, int] = (64, 48), mode: str = "RGB", **save: Any
) -> bytes:
    image = Image.new(mode, size, (200, 30, 30) if mode == "RGB" else (200, 30, 30, 128))
    out = io.BytesIO()
    image.save(out, format=fmt, **save)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.jpg", content_type: str = "image/jpeg") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)
