"""Drive schemathesis against the WSGI app in-process, one API operation at a time.

Each generated request runs inside a savepoint that is rolled back afterwards, with the cache
cleared first, so every example starts from the same world: the run is deterministic for a
fixed seed on SQLite and PostgreSQL alike, and one example cannot make the next one's answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from typing import Any

import schemathesis
from django.apps import apps
from django.core.cache import cache as django_cache
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.config.api_world import CSRF_TOKEN, World, session_cookies

POSITIVE_CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
NEGATIVE_CHECKS = [*POSITIVE_CHECKS, negative_data_rejection]
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
MISSING_ID = 2**31 - 1

# The tables a refused request must leave as they were (the ledger may record a refusal).
WATCHED_APPS = ("wards", "budgets", "ballots", "delivery")


@cache
def api_schema_document() -> dict[str, Any]:
    """The OpenAPI document exactly as /api/v1/schema/ serves it (as JSON)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return dict(json.loads(OpenApiJsonRenderer().render(generated)))


@cache
def api_schema() -> Any:
    return schemathesis.openapi.from_dict(api_schema_document())


def operations() -> list[tuple[str, str]]:
    """Every (METHOD, path) of the API, in the schema's order."""
    return [
        (method.upper(), path)
        for path, item in api_schema_document()["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    ]


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of the watched apps' tables, to prove a refused request wrote nothing."""
    rows = {}
    for app in WATCHED_APPS:
        for model in apps.get_app_config(app).get_models():
            rows[model._meta.label] = list(model.objects.order_by("pk").values())
    return rows


def path_values(world: World) -> dict[str, st.SearchStrategy[Any]]:
    """Path parameters drawn from the world's rows (by position), plus one that is missing."""
    return {
        "round_id": st.sampled_from([*world.round_ids(), MISSING_ID]),
        "proposal_id": st.sampled_from([*world.proposal_ids(), MISSING_ID]),
        "slug": st.sampled_from(["sparkbrook", "aston", "nowhere"]),
        "code": st.sampled_from([*world.receipts, "NOSUCHRECEIPT"]),
    }


def case_strategy(
    method: str, path: str, world: World, mode: GenerationMode
) -> st.SearchStrategy[Any]:
    operation = api_schema()[path][method]
    names = [p.name for p in operation.path_parameters]
    values = path_values(world)
    chosen = st.fixed_dictionaries({name: values[name] for name in names})
    return chosen.flatmap(lambda pp: operation.as_strategy(mode, path_parameters=pp))


Extra = Callable[[Any, Any, dict[str, Any], dict[str, Any]], None]


def fuzz_operation(
    method: str,
    path: str,
    world: World,
    caller: str | None,
    *,
    max_examples: int,
    mode: GenerationMode = GenerationMode.POSITIVE,
    extra: Extra | None = None,
) -> None:
    """Send `max_examples` generated requests as `caller` (a key of world.users, or None for
    anonymous) and check every answer; `extra(case, response, before, after)` may add checks."""
    cookies = session_cookies(world.users[caller] if caller else None)
    headers = {"X-CSRFToken": CSRF_TOKEN}
    # A fresh handler per run: middleware reads settings (the test's SECURE_SSL_REDIRECT) once.
    app = WSGIHandler()
    checks = NEGATIVE_CHECKS if mode == GenerationMode.NEGATIVE else POSITIVE_CHECKS

    @settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=case_strategy(method, path, world, mode))
    def run(case: Any) -> None:
        django_cache.clear()
        writes = method in UNSAFE
        with transaction.atomic():
            before = snapshot() if writes else {}
            response = case.call(headers=headers, cookies=cookies, app=app)
            case.validate_response(
                response, checks=checks, headers=headers, transport_kwargs={"app": app}
            )
            if writes and response.status_code >= 400:
                after = snapshot()
                changed = [k for k in before if before[k] != after[k]]
                assert not changed, (
                    f"{method} {path} answered {response.status_code} but changed {changed}: "
                    f"{response.content[:300]!r}"
                )
            if extra is not None:
                extra(case, response, before, snapshot() if writes else {})
            transaction.set_rollback(True)

    # As Django's test client does: a request must not close the connection that holds the
    # test's transaction (close_old_connections would, since autocommit is off in it).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        run()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
