"""Schemathesis against the whole API, in-process: every operation, as an anonymous visitor,
a resident and a councillor of the ward, answers without a 5xx, with a status code, content type
and body the OpenAPI schema documents, and a refused request (4xx) writes nothing.

Deterministic: a fixed derandomized Hypothesis run per operation, each example rolled back (see
tests/config/api_fuzz.py). Bounded: EXAMPLES per operation and caller keeps the module to about
half a minute of CPU (28 s serial on SQLite when measured). The exact requests it once caught
are in tests/config/test_api_errors.py.

Positive data only: schemathesis's negative mode (check negative_data_rejection) was run by hand
with 40 examples per operation and five callers, and its only reports were a malformed
`page_size`, which DRF's paginator ignores by design (it answers with the default page size),
and a cookie it could not drop because the test sets it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.config.api_fuzz import UNSAFE, api_schema_document, fuzz_operation, operations
from tests.config.api_world import build_world

EXAMPLES = 10
CALLERS = [None, "resident", "councillor"]


def anonymous_changes_nothing(case: Any, response: Any, before: Any, after: Any) -> None:
    """Signed out, the only change the API accepts is a ballot cast with a voting code."""
    if case.method.upper() in UNSAFE and response.status_code < 300:
        assert case.path == "/api/v1/rounds/{round_id}/ballots/", (
            f"anonymous {case.method} {case.formatted_path} answered {response.status_code}"
        )


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS, ids=["anonymous", "resident", "councillor"])
@pytest.mark.parametrize("method,path", operations())
def test_operation_answers_as_the_schema_says(method: str, path: str, caller: str | None) -> None:
    world = build_world()
    fuzz_operation(
        method,
        path,
        world,
        caller,
        max_examples=EXAMPLES,
        extra=anonymous_changes_nothing if caller is None else None,
    )


def test_the_fuzzed_schema_is_the_served_one(client: Client, db: None) -> None:
    served = client.get("/api/v1/schema/", {"format": "json"})
    assert served.status_code == 200
    assert json.loads(served.content) == api_schema_document()
    assert len(operations()) >= 20
