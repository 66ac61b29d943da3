"""Every resident page, with the static files it loads compressed as production serves them
(WhiteNoise's CompressedStaticFilesStorage gzips them at collectstatic), stays under 60 KB; and
htmx is loaded only by the pages that use it. The pages are tests/resident_pages.py's, the list the
axe-core test visits."""

from __future__ import annotations

import gzip
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from tests.resident_pages import ResidentPages, build_resident_pages

LIMIT = 60 * 1024
ASSET = re.compile(r'(?:href|src)="/static/([^"]+)"')


def _weight(client: Client, path: str) -> tuple[int, list[str]]:
    """Bytes transferred: the HTML as sent (uncompressed, to be strict) plus each static file
    it links, gzipped at the level WhiteNoise uses."""
    page = client.get(path)
    assert page.status_code < 500, path
    return _with_assets(page.content)


def _with_assets(content: bytes) -> tuple[int, list[str]]:
    assets = sorted(set(ASSET.findall(content.decode())))
    total = len(content)
    for name in assets:
        found = finders.find(name)
        assert found, name
        with open(str(found), "rb") as f:
            total += len(gzip.compress(f.read(), compresslevel=9))
    return total, assets


@pytest.fixture
def pages(db: None) -> ResidentPages:
    """Every resident page (tests/resident_pages.py), the same list the axe-core test visits."""
    return build_resident_pages()


def test_every_resident_page_is_under_60_kb(client: Client, pages: ResidentPages) -> None:
    weights = {name: _weight(client, path)[0] for name, path in pages.anonymous.items()}
    # The review step, reached by posting the ballot.
    review = client.post(
        pages.vote,
        {"step": "review", "projects": [pages.first_project], "code": pages.code}
        | {"basis": "live", "age_confirmed": "1"},
    )
    assert b'value="confirm"' in review.content
    weights["ballot: review step"] = _with_assets(review.content)[0]
    client.force_login(pages.alice)
    weights |= {name: _weight(client, path)[0] for name, path in pages.signed_in.items()}
    assert len(weights) > 50
    heavy = {name: weight for name, weight in weights.items() if weight >= LIMIT}
    assert heavy == {}


def test_htmx_is_loaded_only_by_the_pages_that_use_it(client: Client, pages: ResidentPages) -> None:
    """htmx is loaded exactly where the page has hx- attributes: the four kinds of ballot, and the
    lists filtered in place (proposals, the audit pages)."""
    loaded, used = set(), set()
    for name, path in pages.anonymous.items():
        content = client.get(path).content.decode()
        if "htmx" in " ".join(ASSET.findall(content)):
            loaded.add(name)
        if re.search(r"\shx-(?!headers)[a-z-]+=", content):
            used.add(name)
    assert {"ballot: knapsack", "ballot: points", "ballot: ranked", "ballot: approval"} <= used
    assert loaded == used
