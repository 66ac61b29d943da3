"""The access matrix's machinery: list the URL patterns Django serves, fill their arguments from
the world, ask as a persona (each request rolled back, so one caller's write never changes what
the next one sees) and judge the answer."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve

from tests.conftest import login
from tests.matrix.conftest import World
from tests.matrix.table import EXCLUDED_PREFIXES, TABLE

TRACKED_APPS = {"auth", "wards", "budgets", "ballots", "audit", "delivery"}
# 401 is DRF's answer to an anonymous caller when a scheme asks for credentials.
REFUSED = {401, 403, 404, 405}


def _walk(resolver: URLResolver, prefix: str = "") -> Iterator[str]:
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern, route)
        else:
            assert isinstance(pattern, URLPattern)
            yield route


def served_routes() -> list[str]:
    """Every URL pattern the app answers, as the resolver spells it, less the excluded ones."""
    return [
        route
        for route in dict.fromkeys(_walk(get_resolver()))
        if route in TABLE or not any(route.startswith(p) for p in EXCLUDED_PREFIXES)
    ]


def url_for(route: str, world: World, round_key: str, proposal_key: str) -> str:
    """The route with its arguments filled from ward A's objects."""
    values = {
        "slug": world.ward.slug,
        "ward_slug": world.ward.slug,
        "round_id": str(world.rounds[round_key].pk),
        "proposal_id": str(world.proposals[proposal_key].pk),
        "comment_id": str(world.comment.pk),
        "place_id": str(world.place.pk),
        "batch_id": str(world.batch.pk),
        "code": world.receipt,
        "username": world.users["clerk_cleo"].username,
        "token": "not-a-real-token",
        "uidb64": "MQ",
        "format": ".json" if "<drf_format_suffix:format>" in route else "json",
    }
    # DRF's router patterns are regular expressions; the rest are path() routes.
    url = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: values[m.group(1)], route)
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values[m.group(1)], url)
    url = "/" + url.replace("^", "").replace("$", "").replace("/?", "").replace("\\.", ".")
    assert resolve(url).route == route.replace("/^", "/"), (url, resolve(url).route)
    return url


def fingerprint() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the app's tables (and users): what a refused write must leave unchanged.
    Raw SQL: through the ORM it would triple the matrix's run time."""
    tables = sorted(
        {
            model._meta.db_table
            for model in apps.get_models(include_auto_created=True)
            if model._meta.app_label in TRACKED_APPS
        }
    )
    rows = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
            rows[table] = cursor.fetchall()
    return rows


def filled(data: dict[str, Any], world: World) -> dict[str, Any]:
    """The entry's form or JSON data with "<code>" and "<project>" taken from the world, and
    "<postcodes.csv>" a fresh upload (a file is read once)."""
    values = {"<code>": world.code, "<project>": world.proposals["on_ballot"].pk}

    def fill(value: Any) -> Any:
        if isinstance(value, list):
            return [fill(v) for v in value]
        if value == "<postcodes.csv>":
            return SimpleUploadedFile("postcodes.csv", b"postcode\nB11 1AA\n", "text/csv")
        return values.get(value, value) if isinstance(value, str) else value

    return {key: fill(value) for key, value in data.items()}


@dataclass
class Answer:
    where: str
    status: int
    to_sign_in: bool
    changed: list[str]  # tables a watched request changed
    error: Any


class Asker:
    """One client for many requests: each new Client loads the middleware (whitenoise scans
    the static files), which would cost more than the requests themselves."""

    def __init__(self, world: World) -> None:
        self.client = Client(raise_request_exception=False)
        # Sign each persona in once (outside the requests' savepoints, so a request that signs
        # out or rotates the session is rolled back with everything else).
        self.sessions: dict[str, str] = {}
        for who, user in world.users.items():
            login(self.client, user)
            self.sessions[who] = self.client.cookies[settings.SESSION_COOKIE_NAME].value
            self.client.cookies.clear()
        # Every request is rolled back, so the database is the same before each one: one
        # snapshot serves them all.
        self.before: dict[str, list[tuple[Any, ...]]] | None = None

    def ask(self, who: str, method: str, url: str, data: dict[str, Any], *, watch: bool) -> Answer:
        with transaction.atomic():
            cache.clear()  # rate limits start afresh for every request
            self.client.cookies.clear()
            if who != "anonymous":
                self.client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[who]
            if watch and self.before is None:
                self.before = fingerprint()
            if method in ("GET", "OPTIONS"):
                response = self.client.generic(method, url)
            elif url.startswith("/api/"):
                response = self.client.generic(
                    method, url, json.dumps(data), content_type="application/json"
                )
            else:
                response = self.client.post(url, data)
            after = fingerprint() if watch else {}
            transaction.set_rollback(True)
        before = self.before or {}
        status = response.status_code
        return Answer(
            where=f"{method} {url} as {who}: {status}",
            status=status,
            to_sign_in=status == 302 and response["Location"].startswith("/accounts/login/"),
            changed=[table for table in after if after[table] != before[table]],
            error=getattr(response, "exc_info", None),
        )


def judge(answer: Answer, allowed: bool, refused: set[int] = REFUSED) -> list[str]:
    """What is wrong with an answer: a server error; an allowed caller refused; a refused
    caller let through, or a refused caller's request that changed the database."""
    problems = []
    if answer.status >= 500:
        problems.append(f"{answer.where} (server error: {answer.error!r})")
    elif allowed and (answer.status in (401, 403) or answer.to_sign_in):
        problems.append(f"{answer.where} refused, but the table allows it")
    elif not allowed and not (answer.status in refused or answer.to_sign_in):
        problems.append(f"{answer.where} not refused, but the table refuses it")
    if answer.changed:
        problems.append(f"{answer.where} refused caller changed {answer.changed}")
    return problems
