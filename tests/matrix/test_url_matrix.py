"""The access matrix: every URL the app serves, as every persona, with every method.

Each URL pattern Django resolves (config/urls.py and everything it includes) must have an entry
in tests/matrix/table.py; the test fills its arguments from ward A's fixture objects and asks
as anonymous, a resident of ward A and of ward B, a councillor of ward B, a clerk of ward A, a
councillor of ward A and staff; with GET and POST, and on the API with PUT, PATCH and DELETE
too. No answer may be a 5xx; a refused caller gets 403/404/405 or a redirect to sign in and
changes nothing in the database; an allowed caller is not refused.
"""

from __future__ import annotations

import pytest

from tests.matrix.asking import Asker, filled, judge, served_routes, url_for
from tests.matrix.conftest import PERSONAS, World
from tests.matrix.table import TABLE, WRITES


def test_every_served_url_has_an_entry_in_the_table() -> None:
    routes = served_routes()
    missing = [r for r in routes if r not in TABLE]
    assert not missing, f"URL patterns without an access entry in tests/matrix/table.py: {missing}"
    stale = [r for r in TABLE if r not in routes]
    assert not stale, f"table entries for URL patterns that no longer exist: {stale}"


def methods_for(route: str) -> tuple[str, ...]:
    return ("GET", *WRITES) if route.startswith("api/") else ("GET", "POST")


@pytest.mark.parametrize("route", sorted(TABLE))
def test_access_matrix(world: World, route: str) -> None:
    entry = TABLE[route]
    url = url_for(route, world, entry.round, entry.proposal)
    asker = Asker(world)
    problems = []
    for who in PERSONAS:
        for method in methods_for(route):
            allowed = who in entry.allowed(method)
            watch = method != "GET" and not allowed
            answer = asker.ask(who, method, url, filled(entry.data, world), watch=watch)
            problems += judge(answer, allowed)
        if route.startswith("api/"):
            # DRF answers OPTIONS with the endpoint's description (or a refusal) to anyone:
            # only a 5xx or a change to the database is wrong.
            answer = asker.ask(who, "OPTIONS", url, {}, watch=True)
            if answer.status >= 500 or answer.changed:
                problems += judge(answer, allowed=True)
    assert not problems, "\n".join(problems)
