"""A fixed-window failure counter in the shared cache.

Used for failed sign-ins and failed voting-code attempts. The cache is shared (Redis in
production), so the limit holds across every worker. Only failures count, so a resident who types
their code right first time is never slowed down. Keys are hashed so that no username, address or
code ever sits in the cache in clear.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def _key(scope: str, subject: str, window: int) -> str:
    bucket = int(time.time()) // window
    digest = hashlib.sha256(f"{scope}\x00{subject}".encode()).hexdigest()[:32]
    return f"rl:{scope}:{digest}:{bucket}"


def failures(scope: str, subject: str, *, window: int) -> int:
    return int(cache.get(_key(scope, subject, window), 0))


def is_limited(scope: str, subject: str, *, limit: int, window: int) -> bool:
    return failures(scope, subject, window=window) >= limit


def record_failure(scope: str, subject: str, *, window: int) -> int:
    key = _key(scope, subject, window)
    cache.add(key, 0, timeout=window + 1)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window + 1)
        return 1


def client_ip(request: object) -> str:
    meta = getattr(request, "META", {})
    return str(meta.get("REMOTE_ADDR", "unknown"))
