"""Rate limits count against the real client, found behind a configured number of proxies."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from wards.ratelimit import client_ip


def _ip(settings: Any, hops: int, remote: str, forwarded: str | None = None) -> str:
    settings.TRUSTED_PROXY_COUNT = hops
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **extra))


def test_without_trusted_proxies_the_header_is_ignored(settings: Any) -> None:
    assert _ip(settings, 0, "198.51.100.9", "203.0.113.1") == "198.51.100.9"


def test_behind_one_proxy_the_last_entry_is_the_client(settings: Any) -> None:
    assert _ip(settings, 1, "10.0.0.2", "203.0.113.1") == "203.0.113.1"


def test_a_spoofed_entry_left_of_the_trusted_hops_is_never_used(settings: Any) -> None:
    # The client sent "1.2.3.4" itself; the proxy appended the address it saw.
    assert _ip(settings, 1, "10.0.0.2", "1.2.3.4, 203.0.113.1") == "203.0.113.1"
    # Two proxies (a CDN, then the load balancer): the CDN's entry is the client.
    assert _ip(settings, 2, "10.0.0.2", "1.2.3.4, 203.0.113.1, 192.0.2.50") == "203.0.113.1"


def test_a_short_header_gives_its_left_most_entry(settings: Any) -> None:
    # Two proxies expected, one entry: every entry was still written by a trusted proxy.
    assert _ip(settings, 2, "10.0.0.2", "203.0.113.1") == "203.0.113.1"


@pytest.mark.parametrize("forwarded", [None, "", "  ", "not-an-address", "1.2.3.4, ", "1.2.3.4,,"])
def test_a_missing_or_unreadable_header_falls_back_to_the_peer(
    settings: Any, forwarded: str | None
) -> None:
    assert _ip(settings, 1, "10.0.0.2", forwarded) == "10.0.0.2"


def test_ports_and_brackets_are_read(settings: Any) -> None:
    assert _ip(settings, 1, "10.0.0.2", "203.0.113.1:51234") == "203.0.113.1"
    assert _ip(settings, 1, "10.0.0.2", "[2001:db8::1]:443") == "2001:db8::/64"


def test_ipv6_is_normalised_and_counted_per_slash_64(settings: Any) -> None:
    one = _ip(settings, 0, "2001:DB8:0:0:1::1")
    other = _ip(settings, 0, "2001:db8::ffff:ffff:ffff:ffff")
    assert one == other == "2001:db8::/64"
    assert _ip(settings, 0, "2001:db8:0:1::1") != one
    # An IPv4 client seen through an IPv6 socket is the same IPv4 client.
    assert _ip(settings, 0, "::ffff:203.0.113.1") == "203.0.113.1"


def test_no_address_at_all_is_one_shared_bucket(settings: Any) -> None:
    assert _ip(settings, 0, "") == "unknown"
