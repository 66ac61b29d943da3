"""/healthz: what the proxy and the monitoring ask; 200 when the database and the shared cache
answer, 503 naming the one that failed."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.db import OperationalError
from django.test import Client

from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def redis_down(settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }


@pytest.fixture
def database_down(monkeypatch: pytest.MonkeyPatch) -> None:
    from config import views

    def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OperationalError("connection refused")

    monkeypatch.setattr(views.connection, "cursor", refuse)


def test_healthy(client: Client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
    assert "no-cache" in response["Cache-Control"]


def test_redis_down_says_so(client: Client, redis_down: None) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "failed",
        "checks": {"database": "ok", "cache": "failed"},
        "failed": ["cache"],
    }


def test_database_down_says_so(client: Client, database_down: None) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["failed"] == ["database"]
    assert body["checks"] == {"database": "failed", "cache": "ok"}


def test_both_down(client: Client, database_down: None, redis_down: None) -> None:
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["failed"] == ["cache", "database"]


def test_head_is_allowed_and_post_is_not(client: Client) -> None:
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_signed_in_people_get_the_same_answer(client: Client) -> None:
    client.force_login(make_user("hattie"))
    assert client.get("/healthz").json()["status"] == "ok"
