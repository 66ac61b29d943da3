"""axe-core finds no serious or critical accessibility problems on the pages residents use."""

from __future__ import annotations

from typing import Any

import pytest

from ballots import services
from budgets.models import Round
from tests.ballots.conftest import make_voting_round, project_ids
from tests.conftest import DECLARED
from wards.models import Ward

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _problems(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.response["passes"], "axe ran no checks at all"
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {len(v['nodes'])} element(s)"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def test_public_pages_have_no_serious_accessibility_problems(
    sparkbrook: Ward, aston: Ward, new_page: Any
) -> None:
    pytest.importorskip("axe_playwright_python")
    round: Round = make_voting_round(sparkbrook, scale=1000)
    ids = project_ids(round)
    issued = services.issue_codes(round, 2)
    receipt = services.cast_ballot(round, [ids[0]], code=issued[0], declaration=DECLARED).receipt
    services.cast_ballot(round, [ids[1]], code=issued[1], declaration=DECLARED)
    closed = make_voting_round(aston, scale=1000)
    closed_ids = project_ids(closed)
    for code, pid in zip(services.issue_codes(closed, 2), closed_ids[:2], strict=True):
        services.cast_ballot(closed, [pid], code=code, declaration=DECLARED)
    services.close_round(closed)
    services.publish_round(closed)

    page = new_page()
    found: dict[str, list[str]] = {}
    for path in [
        "/",
        "/wards/sparkbrook/",
        f"/rounds/{round.pk}/",
        f"/rounds/{round.pk}/proposals/",
        f"/rounds/{round.pk}/vote/",
        f"/receipts/{receipt}",
        "/receipts/",
        f"/rounds/{closed.pk}/results/",
        f"/audit/rounds/{closed.pk}/",
        "/accounts/login/",
    ]:
        page.goto(path)
        problems = _problems(page)
        if problems:
            found[path] = problems
    assert found == {}
