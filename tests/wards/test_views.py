"""Home and ward pages, for each persona, and the wrong-method and unknown-ward cases."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import login
from wards.models import Ward

pytestmark = pytest.mark.django_db


def test_home_lists_wards_with_their_chest(client: Client, sparkbrook: Ward, aston: Ward) -> None:
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Sparkbrook" in body and "Aston" in body
    assert "£100,000" in body
    assert "2 wards share £200,000" in body


def test_home_with_no_wards_explains_how_to_add_them(client: Client) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert "No wards have been set up yet" in response.content.decode()


def test_home_shows_a_residents_own_ward(client: Client, resident_alice: Any) -> None:
    body = login(client, resident_alice).get("/").content.decode()
    assert "Your wards" in body
    assert "(resident)" in body


def test_home_refuses_post(client: Client) -> None:
    assert client.post("/").status_code == 405


def test_ward_page_for_anonymous_visitor(client: Client, sparkbrook: Ward) -> None:
    response = client.get("/wards/sparkbrook/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<h1>Sparkbrook</h1>" in body
    assert "Balsall Heath" in body
    assert "There is no budget round in Sparkbrook yet" in body


def test_ward_page_tells_a_resident_their_role(client: Client, resident_alice: Any) -> None:
    body = login(client, resident_alice).get("/wards/sparkbrook/").content.decode()
    assert "You are a resident here" in body


def test_ward_page_for_a_councillor_of_another_ward(
    client: Client, councillor_bob: Any, sparkbrook: Ward
) -> None:
    body = login(client, councillor_bob).get("/wards/sparkbrook/").content.decode()
    assert "You are" not in body


def test_unknown_ward_is_404_with_a_helpful_page(client: Client) -> None:
    response = client.get("/wards/atlantis/")
    assert response.status_code == 404


def test_ward_page_refuses_post(client: Client, sparkbrook: Ward) -> None:
    assert client.post("/wards/sparkbrook/").status_code == 405


def test_pages_carry_a_strict_content_security_policy(client: Client, sparkbrook: Ward) -> None:
    response = client.get("/wards/sparkbrook/")
    policy = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
