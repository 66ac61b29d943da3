"""Playwright with Debian's chromium, against pytest-django's live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in the test's thread; Django's ORM calls made from the
# test (fixtures, assertions) would otherwise be refused as "async unsafe".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


PLAIN_HTTP = {
    "SECURE_SSL_REDIRECT": False,
    "SESSION_COOKIE_SECURE": False,
    "CSRF_COOKIE_SECURE": False,
}


@pytest.fixture(scope="session")
def http_live_server(request: pytest.FixtureRequest) -> Iterator[Any]:
    """The live server over plain HTTP.

    SecurityMiddleware reads SECURE_SSL_REDIRECT when the server's handler is built, which is
    before any function-scoped `settings` override, so it is set here, before the server starts.
    """
    from django.conf import settings

    saved = {name: getattr(settings, name) for name in PLAIN_HTTP}
    for name, value in PLAIN_HTTP.items():
        setattr(settings, name, value)
    yield request.getfixturevalue("live_server")
    for name, value in saved.items():
        setattr(settings, name, value)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's chromium is not installed at /usr/bin/chromium (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield browser
        browser.close()


class CspWatcher:
    """Collects Content-Security-Policy violations and script errors reported by the page."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def attach(self, page: Any) -> Any:
        page.on(
            "console",
            lambda msg: (
                self.problems.append(msg.text)
                if "Content Security Policy" in msg.text or msg.text.startswith("Refused to")
                else None
            ),
        )
        page.on("pageerror", lambda exc: self.problems.append(str(exc)))
        return page


@pytest.fixture
def csp() -> CspWatcher:
    return CspWatcher()


@pytest.fixture
def new_page(browser: Any, http_live_server: Any, csp: CspWatcher) -> Iterator[Any]:
    """Open a page in a fresh context, optionally signed in as `user`."""
    contexts: list[Any] = []

    def make(user: Any = None) -> Any:
        context = browser.new_context(base_url=http_live_server.url)
        contexts.append(context)
        if user is not None:
            from django.test import Client

            client = Client()
            client.force_login(user)
            cookie = client.cookies["sessionid"]
            context.add_cookies(
                [{"name": "sessionid", "value": cookie.value, "url": http_live_server.url}]
            )
        page = context.new_page()
        page.set_default_timeout(10_000)
        return csp.attach(page)

    yield make
    for context in contexts:
        context.close()
