from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.conftest import login
from wards.models import Ward

pytestmark = pytest.mark.django_db


def test_ward_list_is_public_with_slug_name_and_chest(
    client: Client, sparkbrook: Ward, aston: Ward
) -> None:
    response = client.get("/api/v1/wards/")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 2
    first = data["results"][0]
    assert first["slug"] == "aston"
    assert first["name"] == "Aston"
    assert first["chest_pence"] == 10_000_000


def test_ward_detail_by_slug_lists_neighbourhoods(client: Client, sparkbrook: Ward) -> None:
    data = client.get("/api/v1/wards/sparkbrook/").json()
    assert data["neighbourhoods"] == [{"slug": "balsall-heath", "name": "Balsall Heath"}]


def test_unknown_ward_is_a_json_404_with_a_reason(client: Client) -> None:
    response = client.get("/api/v1/wards/atlantis/")
    assert response.status_code == 404
    assert "reason" in response.json()


def test_wards_are_read_only_even_for_councillors(
    client: Client, councillor_bob: Any, aston: Ward
) -> None:
    login(client, councillor_bob)
    response = client.post("/api/v1/wards/", {"slug": "new", "name": "New", "chest_pence": 1})
    assert response.status_code in {403, 405}
    assert client.delete("/api/v1/wards/aston/").status_code in {403, 405}
    assert Ward.objects.filter(slug="aston").exists()


def test_openapi_schema_and_docs_are_served(client: Client) -> None:
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert b"/api/v1/wards/" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
