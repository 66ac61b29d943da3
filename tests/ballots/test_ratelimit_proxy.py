"""Wrong voting codes are counted against the real client, found behind the trusted proxies."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from ballots import codes, services
from budgets.models import Round
from tests.ballots.conftest import post_json

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"


def _cast_url(round: Round) -> str:
    return f"/api/v1/rounds/{round.pk}/ballots/"


def _behind_proxy(forwarded: str) -> Client:
    return Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded)


def _guess_wrong(client: Client, round: Round, ids: list[int]) -> None:
    for _ in range(services.CODE_FAILURE_LIMIT_PER_CLIENT):
        body = {
            "basis": "live",
            "age_confirmed": True,
            "code": codes.new_code(),
            "projects": [ids[0]],
        }
        assert post_json(client, _cast_url(round), body).status_code == 400


def _vote(client: Client, round: Round, ids: list[int], code: str) -> Any:
    return post_json(
        client,
        _cast_url(round),
        {"basis": "live", "age_confirmed": True, "code": code, "projects": [ids[0]]},
    )


def test_one_clients_wrong_codes_never_block_another_behind_the_proxy(
    settings: Any, voting_round: Round, ids: list[int], issued_codes: list[str]
) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    client_a = _behind_proxy("203.0.113.7")
    _guess_wrong(client_a, voting_round, ids)
    blocked = _vote(client_a, voting_round, ids, issued_codes[0])
    assert blocked.status_code == 429 and "Too many wrong codes" in blocked.json()["reason"]
    # Client A cannot start afresh by writing another address in front of the proxy's entry.
    spoofed = _vote(_behind_proxy("192.0.2.1, 203.0.113.7"), voting_round, ids, issued_codes[0])
    assert spoofed.status_code == 429
    # Client B reaches the app through the same proxy and votes.
    assert (
        _vote(_behind_proxy("198.51.100.8"), voting_round, ids, issued_codes[1]).status_code == 201
    )


def test_without_a_trusted_proxy_a_forged_header_changes_nothing(
    settings: Any, voting_round: Round, ids: list[int], issued_codes: list[str]
) -> None:
    settings.TRUSTED_PROXY_COUNT = 0
    _guess_wrong(Client(REMOTE_ADDR="203.0.113.7"), voting_round, ids)
    forging = Client(REMOTE_ADDR="203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert _vote(forging, voting_round, ids, issued_codes[0]).status_code == 429


def test_an_ipv6_client_cannot_rotate_addresses_within_its_slash_64(
    voting_round: Round, ids: list[int], issued_codes: list[str]
) -> None:
    for i in range(services.CODE_FAILURE_LIMIT_PER_CLIENT):
        body = {
            "basis": "live",
            "age_confirmed": True,
            "code": codes.new_code(),
            "projects": [ids[0]],
        }
        rotating = Client(REMOTE_ADDR=f"2001:db8:1:2::{i + 1:x}")
        assert post_json(rotating, _cast_url(voting_round), body).status_code == 400
    fresh = Client(REMOTE_ADDR="2001:db8:1:2:ffff::1")
    assert _vote(fresh, voting_round, ids, issued_codes[0]).status_code == 429
    other_home = Client(REMOTE_ADDR="2001:db8:1:3::1")
    assert _vote(other_home, voting_round, ids, issued_codes[0]).status_code == 201
