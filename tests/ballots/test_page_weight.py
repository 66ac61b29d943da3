"""Every resident page, with the static files it loads compressed as production serves them
(WhiteNoise's CompressedStaticFilesStorage gzips them at collectstatic), stays under 60 KB; and
htmx is loaded only by the pages that use it."""

from __future__ import annotations

import gzip
import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

from ballots import services
from budgets.models import Proposal, Round
from tests.ballots.conftest import make_voting_round, project_ids
from tests.conftest import DECLARED
from wards.models import Ward

LIMIT = 60 * 1024
ASSET = re.compile(r'(?:href|src)="/static/([^"]+)"')


def _weight(client: Client, path: str) -> tuple[int, list[str]]:
    """Bytes transferred: the HTML as sent (uncompressed, to be strict) plus each static file
    it links, gzipped at the level WhiteNoise uses."""
    page = client.get(path)
    assert page.status_code == 200, path
    html = page.content.decode()
    assets = sorted(set(ASSET.findall(html)))
    total = len(page.content)
    for name in assets:
        found = finders.find(name)
        assert found, name
        with open(str(found), "rb") as f:
            total += len(gzip.compress(f.read(), compresslevel=9))
    return total, assets


@pytest.fixture
def pages(sparkbrook: Ward, aston: Ward) -> dict[str, str]:
    round: Round = make_voting_round(sparkbrook, scale=1000)
    ids = project_ids(round)
    (code,) = services.issue_codes(round, 1)
    receipt = services.cast_ballot(round, [ids[0]], code=code, declaration=DECLARED).receipt
    closed = make_voting_round(aston, scale=1000)
    for c, pid in zip(services.issue_codes(closed, 2), project_ids(closed)[:2], strict=True):
        services.cast_ballot(closed, [pid], code=c, declaration=DECLARED)
    services.close_round(closed)
    services.publish_round(closed)
    proposal = Proposal.objects.filter(round=round).first()
    assert proposal is not None
    return {
        "home": "/",
        "ward": "/wards/sparkbrook/",
        "round": f"/rounds/{round.pk}/",
        "proposal": f"/proposals/{proposal.pk}/",
        "vote": f"/rounds/{round.pk}/vote/",
        "receipt": f"/receipts/{receipt}",
        "results": f"/rounds/{closed.pk}/results/",
        "delivery": f"/rounds/{closed.pk}/delivery/",
        "dashboard": "/dashboard/",
        "sign-up": "/accounts/signup/",
        "help": "/help/",
    }


def test_every_resident_page_is_under_60_kb(client: Client, pages: dict[str, str]) -> None:
    heavy = {}
    for name, path in pages.items():
        weight, _ = _weight(client, path)
        if weight >= LIMIT:
            heavy[name] = weight
    assert heavy == {}


def test_htmx_is_loaded_only_by_the_ballot(client: Client, pages: dict[str, str]) -> None:
    with_htmx = {
        name for name, path in pages.items() if "htmx" in " ".join(_weight(client, path)[1])
    }
    assert with_htmx == {"vote"}
