"""A fixed-window failure counter in the shared cache, keyed on the real client.

Used for failed sign-ins and failed voting-code attempts, and for forms that send email (sign-up,
password reset, ward subscriptions). The cache is shared (Redis in production), so the limit holds
across every worker; on Redis a failure is counted with one atomic transaction. Only failures
count, so a resident who types their code right first time is never slowed down. Keys are keyed
hashes (HMAC with SECRET_KEY), so no username, address or code sits in the cache in clear, and a
copy of the cache cannot be reversed by hashing a list of usernames.

`client_ip` finds the client behind the trusted proxies (setting TRUSTED_PROXY_COUNT) and is the
only place the rate limits learn who is asking.
"""

from __future__ import annotations

import ipaddress
import time
from typing import Any

from django.conf import settings
from django.core.cache import cache, caches
from django.core.exceptions import PermissionDenied
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext

UNKNOWN_CLIENT = "unknown"
# One IPv6 client (a home or a phone) is normally given a whole /64: counting each address apart
# would let it rotate through 2**64 addresses and never meet a limit.
IPV6_CLIENT_PREFIX = 64


def _key(scope: str, subject: str, window: int) -> str:
    bucket = int(time.time()) // window
    digest = salted_hmac("wards.ratelimit", f"{scope}\x00{subject}", algorithm="sha256")
    return f"rl:{scope}:{digest.hexdigest()[:32]}:{bucket}"


def failures(scope: str, subject: str, *, window: int) -> int:
    return int(cache.get(_key(scope, subject, window), 0))


def is_limited(scope: str, subject: str, *, limit: int, window: int) -> bool:
    return failures(scope, subject, window=window) >= limit


def record_failure(scope: str, subject: str, *, window: int) -> int:
    """Count one failure; returns the count in this window. Atomic on Redis and in memory."""
    key = _key(scope, subject, window)
    timeout = window + 1
    redis_count = _redis_record(key, timeout)
    if redis_count is not None:
        return redis_count
    cache.add(key, 0, timeout=timeout)
    try:
        return int(cache.incr(key))
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=timeout)
        return 1


def _redis_record(key: str, timeout: int) -> int | None:
    """On Redis, create-with-expiry and increment in one MULTI/EXEC transaction.

    Django's RedisCache.incr checks that the key exists and then increments it in two calls: a
    key expiring in between would come back without an expiry. One transaction cannot.
    """
    from django.core.cache.backends.redis import RedisCache

    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return None
    full_key = backend.make_and_validate_key(key)
    # Django offers no public handle on the Redis connection; RedisCache._cache is its client.
    client = backend._cache.get_client(full_key, write=True)  # type: ignore[attr-defined]
    pipeline = client.pipeline(transaction=True)
    pipeline.set(full_key, 0, ex=timeout, nx=True)
    pipeline.incr(full_key)
    _, count = pipeline.execute()
    return int(count)


def _address(raw: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """One address as a proxy writes it ("192.0.2.1", "192.0.2.1:443", "[2001:db8::1]:443")."""
    text = raw.strip()
    if text.startswith("["):  # [IPv6]:port
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:  # IPv4:port
        text = text.split(":", 1)[0]
    text = text.split("%", 1)[0]  # an IPv6 zone names the server's interface, not the client
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _client_key(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    if isinstance(address, ipaddress.IPv6Address):
        network = ipaddress.IPv6Network((address, IPV6_CLIENT_PREFIX), strict=False)
        return str(network)
    return str(address)


def client_ip(request: Any) -> str:
    """The client a rate limit counts against: an IPv4 address, or an IPv6 /64 network.

    With TRUSTED_PROXY_COUNT = 0 the peer address (REMOTE_ADDR) is the client and any
    X-Forwarded-For header is ignored: without a proxy it is whatever the client chose to send.
    With N trusted proxies in front of the app, each appends the address it saw to
    X-Forwarded-For, so the N-th entry from the right is the one the outermost trusted proxy
    wrote: the real client. Entries further left came from the client and are never used. A
    header shorter than N (a proxy was bypassed, all entries were still written by trusted
    proxies) gives its left-most entry; a missing header or an unreadable entry gives
    REMOTE_ADDR, which at worst puts that request in the proxy's shared bucket.
    """
    meta = getattr(request, "META", {})
    peer = _address(str(meta.get("REMOTE_ADDR", "")))
    fallback = _client_key(peer) if peer is not None else UNKNOWN_CLIENT
    hops = int(getattr(settings, "TRUSTED_PROXY_COUNT", 0))
    if hops <= 0:
        return fallback
    header = str(meta.get("HTTP_X_FORWARDED_FOR", "")).strip()
    if not header:
        return fallback
    # Empty entries are kept: dropping one would shift the count into the client's entries.
    forwarded = header.split(",")
    chosen = _address(forwarded[-min(hops, len(forwarded))])
    return _client_key(chosen) if chosen is not None else fallback


# --- Sign-in ---------------------------------------------------------------------------------
# Counted per client, per (account, client) pair and per account, never blocking on the account
# alone: a stranger's wrong passwords must not lock an owner out of their own account.
SIGN_IN_WINDOW_SECONDS = 15 * 60
SIGN_IN_LIMIT_PER_PAIR = 5  # wrong passwords for one account from one client
SIGN_IN_LIMIT_PER_CLIENT = 10  # wrong passwords from one client, whatever the account
SIGN_IN_LIMIT_PER_ACCOUNT = 20  # for one account from everywhere; stops only clients that failed


def _account(username: str) -> str:
    return username.strip().casefold()


def sign_in_blocked(username: str, client: str) -> bool:
    """Whether this client may not try to sign in as `username` for now.

    The account-wide limit stops a guessing attack spread over many addresses but, like the
    voting-code limit, only stops clients that have themselves failed for this account; the owner
    signing in from their own device is never stopped by someone else's failures.
    """
    window = SIGN_IN_WINDOW_SECONDS
    if is_limited("login-client", client, limit=SIGN_IN_LIMIT_PER_CLIENT, window=window):
        return True
    account = _account(username)
    mine = failures("login-pair", f"{account}\x00{client}", window=window)
    if mine >= SIGN_IN_LIMIT_PER_PAIR:
        return True
    return mine > 0 and is_limited(
        "login-account", account, limit=SIGN_IN_LIMIT_PER_ACCOUNT, window=window
    )


def sign_in_failed(username: str, client: str) -> None:
    account = _account(username)
    window = SIGN_IN_WINDOW_SECONDS
    record_failure("login-client", client, window=window)
    record_failure("login-pair", f"{account}\x00{client}", window=window)
    record_failure("login-account", account, window=window)


# --- Sign-up and password reset ------------------------------------------------------------------
# Every submitted sign-up or password-reset form counts, valid or not: each may send an email, and
# a flood of attempts would otherwise probe which usernames exist.
ACCOUNT_MAIL_WINDOW_SECONDS = 60 * 60
ACCOUNT_MAIL_LIMIT_PER_CLIENT = 10


def account_mail_blocked(client: str) -> bool:
    """Whether this client has submitted too many sign-up or reset forms for now."""
    return is_limited(
        "account-mail",
        client,
        limit=ACCOUNT_MAIL_LIMIT_PER_CLIENT,
        window=ACCOUNT_MAIL_WINDOW_SECONDS,
    )


def account_mail_attempted(client: str) -> None:
    record_failure("account-mail", client, window=ACCOUNT_MAIL_WINDOW_SECONDS)


# --- Ward email subscriptions ------------------------------------------------------------------
# Every submitted subscribe form counts, valid or not: each may send an email to someone.
SUBSCRIBE_WINDOW_SECONDS = 60 * 60
SUBSCRIBE_LIMIT_PER_CLIENT = 10


def subscribe_blocked(client: str) -> bool:
    """Whether this client has submitted too many subscribe forms for now."""
    return is_limited(
        "subscribe", client, limit=SUBSCRIBE_LIMIT_PER_CLIENT, window=SUBSCRIBE_WINDOW_SECONDS
    )


def subscribe_attempted(client: str) -> None:
    record_failure("subscribe", client, window=SUBSCRIBE_WINDOW_SECONDS)


# --- Actions a signed-in person repeats (pledges, delivery updates) ------------------------------
class TooManyActions(PermissionDenied):
    """Refused by a rate limit on an action; pages and the API answer 429."""

    status_code = 429


def take_action(scope: str, subject: str, *, limit: int, window: int, what: str) -> None:
    """Count one `scope` action by `subject` (an account); raise TooManyActions, saying `what`
    was limited, once `limit` actions fall in one window. Every attempt counts, valid or not."""
    if is_limited(scope, subject, limit=limit, window=window):
        minutes = max(1, window // 60)
        raise TooManyActions(
            gettext("Too many %(what)s: try again in up to %(minutes)s minutes.")
            % {"what": what, "minutes": minutes}
        )
    record_failure(scope, subject, window=window)


# --- Discussion -------------------------------------------------------------------------------
# Every comment posted and every report made counts (not only failures): these limits stop a
# flood, and are far above what a person taking part in a discussion needs. Counted per account
# and per client, so neither many accounts behind one address nor one account from many
# addresses gets round them. Anonymous reports count per client only, against a lower limit.
DISCUSSION_WINDOW_SECONDS = 15 * 60
COMMENT_LIMIT_PER_USER = 10
COMMENT_LIMIT_PER_CLIENT = 20
REPORT_LIMIT_PER_USER = 10
REPORT_LIMIT_PER_CLIENT = 20
REPORT_LIMIT_ANONYMOUS_CLIENT = 5


def _discussion_limited(
    scope: str, user_key: str | None, client: str, limits: tuple[int, int]
) -> bool:
    per_user, per_client = limits
    window = DISCUSSION_WINDOW_SECONDS
    if user_key is not None and is_limited(
        f"{scope}-user", user_key, limit=per_user, window=window
    ):
        return True
    return is_limited(f"{scope}-client", client, limit=per_client, window=window)


def _discussion_count(scope: str, user_key: str | None, client: str) -> None:
    window = DISCUSSION_WINDOW_SECONDS
    if user_key is not None:
        record_failure(f"{scope}-user", user_key, window=window)
    record_failure(f"{scope}-client", client, window=window)


def comment_blocked(user_id: int, client: str) -> bool:
    """Whether this account or client has posted too many comments for now."""
    limits = (COMMENT_LIMIT_PER_USER, COMMENT_LIMIT_PER_CLIENT)
    return _discussion_limited("comment", str(user_id), client, limits)


def comment_posted(user_id: int, client: str) -> None:
    _discussion_count("comment", str(user_id), client)


def report_blocked(user_id: int | None, client: str) -> bool:
    """Whether this account (None: an anonymous visitor) or client has reported too much."""
    if user_id is None:
        return is_limited(
            "report-anon-client",
            client,
            limit=REPORT_LIMIT_ANONYMOUS_CLIENT,
            window=DISCUSSION_WINDOW_SECONDS,
        )
    limits = (REPORT_LIMIT_PER_USER, REPORT_LIMIT_PER_CLIENT)
    return _discussion_limited("report", str(user_id), client, limits)


def report_made(user_id: int | None, client: str) -> None:
    if user_id is None:
        record_failure("report-anon-client", client, window=DISCUSSION_WINDOW_SECONDS)
    _discussion_count("report", None if user_id is None else str(user_id), client)
