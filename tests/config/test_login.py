from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from tests.conftest import PASSWORD, make_user
from wards import ratelimit

pytestmark = pytest.mark.django_db


def test_sign_in_and_out(client: Client, resident_alice: Any) -> None:
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    assert "Signed in as" in client.get("/").content.decode()
    client.post("/accounts/logout/")
    assert "Sign in" in client.get("/").content.decode()


def test_failed_sign_ins_are_rate_limited(client: Client, resident_alice: Any) -> None:
    for _ in range(5):
        response = client.post("/accounts/login/", {"username": "alice", "password": "wrong"})
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.content.decode()
    # Even the right password is refused, from this client, while the limit holds.
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()


def _fail(client: Client, username: str, times: int = 1, url: str = "/accounts/login/") -> None:
    for _ in range(times):
        response = client.post(url, {"username": username, "password": "wrong"})
        assert response.status_code == 200
        assert "Too many" not in response.content.decode()


def _signs_in(client: Client, username: str, url: str = "/accounts/login/") -> bool:
    response = client.post(url, {"username": username, "password": PASSWORD})
    return response.status_code == 302


def test_a_stranger_cannot_lock_the_owner_out(resident_alice: Any) -> None:
    attacker = Client(REMOTE_ADDR="203.0.113.66")
    _fail(attacker, "alice", ratelimit.SIGN_IN_LIMIT_PER_PAIR)
    assert not _signs_in(attacker, "alice")
    assert _signs_in(Client(REMOTE_ADDR="198.51.100.1"), "alice")


def test_a_flood_on_one_account_stops_only_clients_that_failed(resident_alice: Any) -> None:
    for i in range(ratelimit.SIGN_IN_LIMIT_PER_ACCOUNT):  # one wrong password from each address
        _fail(Client(REMOTE_ADDR=f"203.0.113.{i}"), "alice")
    refused = Client(REMOTE_ADDR="203.0.113.0").post(
        "/accounts/login/", {"username": "alice", "password": PASSWORD}
    )
    assert refused.status_code == 429
    assert _signs_in(Client(REMOTE_ADDR="198.51.100.1"), "alice")


def test_one_client_guessing_many_accounts_is_stopped(db: None) -> None:
    make_user("zoe")
    sprayer = Client(REMOTE_ADDR="203.0.113.66")
    for i in range(ratelimit.SIGN_IN_LIMIT_PER_CLIENT):
        _fail(sprayer, f"user{i}")
    assert not _signs_in(sprayer, "zoe")
    assert _signs_in(Client(REMOTE_ADDR="198.51.100.1"), "zoe")


def test_the_refusal_does_not_say_whether_the_account_exists(resident_alice: Any) -> None:
    answers = []
    for username in ("alice", "nobody-by-this-name"):
        client = Client(REMOTE_ADDR=f"203.0.113.{len(answers)}")
        _fail(client, username, ratelimit.SIGN_IN_LIMIT_PER_PAIR)
        response = client.post("/accounts/login/", {"username": username, "password": "x"})
        html = response.content.decode()
        start = html.index('class="error-summary"')
        summary = html[start : html.index("</ul>", start)]
        answers.append((response.status_code, summary))
    assert answers[0][0] == answers[1][0] == 429
    assert "Please wait 15 minutes" in answers[0][1]
    assert answers[0][1] == answers[1][1]


def test_behind_a_proxy_each_client_has_its_own_limit(settings: Any, resident_alice: Any) -> None:
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.66")
    for i in range(ratelimit.SIGN_IN_LIMIT_PER_CLIENT):
        _fail(attacker, f"user{i}")
    assert not _signs_in(attacker, "alice")
    # The attacker cannot escape by writing another address in front of the proxy's.
    spoofing = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.66")
    assert not _signs_in(spoofing, "alice")
    # Everyone else comes through the same proxy and still signs in.
    owner = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert _signs_in(owner, "alice")


def test_admin_sign_in_is_rate_limited(client: Client, staff_dave: Any) -> None:
    _fail(client, "dave", ratelimit.SIGN_IN_LIMIT_PER_PAIR, url="/admin/login/")
    response = client.post("/admin/login/", {"username": "dave", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The two sign-in pages share one count.
    assert not _signs_in(client, "dave")
    other = Client(REMOTE_ADDR="198.51.100.1")
    assert _signs_in(other, "dave", url="/admin/login/")
    assert other.get("/admin/").status_code == 200


def test_a_right_password_without_staff_rights_is_not_a_guess(
    client: Client, resident_alice: Any
) -> None:
    for _ in range(ratelimit.SIGN_IN_LIMIT_PER_PAIR + 1):
        client.post("/admin/login/", {"username": "alice", "password": PASSWORD})
    assert _signs_in(client, "alice")


def test_the_counts_live_in_the_shared_cache(resident_alice: Any) -> None:
    """Two clients stand in for two workers: the only thing they share is the cache."""
    first, second = Client(), Client()
    _fail(first, "alice", 3)
    _fail(second, "alice", ratelimit.SIGN_IN_LIMIT_PER_PAIR - 3)
    assert not _signs_in(first, "alice")
    assert not _signs_in(second, "alice")
    cache.clear()
    assert _signs_in(first, "alice")


def test_no_username_or_address_sits_in_the_cache_in_clear(resident_alice: Any) -> None:
    _fail(Client(REMOTE_ADDR="203.0.113.66"), "alice")
    keys = list(cache._cache.keys())  # type: ignore[attr-defined]
    assert keys
    assert not any("alice" in key or "203.0.113" in key for key in keys)


@pytest.mark.django_db
def test_only_active_staff_are_offered_the_admin_link(client: Client) -> None:
    from tests.conftest import make_user

    assert "Admin</a>" not in client.get("/").content.decode()
    staff = make_user("stella", is_staff=True)
    client.force_login(staff)
    assert "Admin</a>" in client.get("/").content.decode()
