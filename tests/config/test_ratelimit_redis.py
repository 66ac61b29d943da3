"""On Redis (production's shared cache) the counts are shared by every worker and atomic."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import caches
from django.test import Client

from tests.conftest import PASSWORD
from wards import ratelimit

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.skipif(
    REDIS_SERVER is None, reason="redis-server is not installed (apt-get install redis-server)"
)


@pytest.fixture
def redis_cache(tmp_path: Path, settings: Any) -> Iterator[None]:
    socket = tmp_path / "redis.sock"
    server = subprocess.Popen(
        [str(REDIS_SERVER), "--port", "0", "--unixsocket", str(socket), "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(200):
            if socket.exists():
                break
            time.sleep(0.05)
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"unix://{socket}",
            }
        }
        yield
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_counts_are_atomic_and_expire(redis_cache: None) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        counts = list(pool.map(lambda _: ratelimit.record_failure("t", "x", window=60), range(50)))
    assert sorted(counts) == list(range(1, 51))
    assert ratelimit.failures("t", "x", window=60) == 50
    backend: Any = caches["default"]
    key = backend.make_and_validate_key(ratelimit._key("t", "x", 60))
    assert 0 < backend._cache.get_client(key).ttl(key) <= 61


@pytest.mark.django_db
def test_two_workers_share_the_sign_in_limit(redis_cache: None, resident_alice: Any) -> None:
    worker_1, worker_2 = Client(), Client()
    for i in range(ratelimit.SIGN_IN_LIMIT_PER_PAIR):
        worker = worker_1 if i % 2 else worker_2
        worker.post("/accounts/login/", {"username": "alice", "password": "wrong"})
    answer = worker_1.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert answer.status_code == 429
