"""The access matrix across the round's phases.

tests/matrix/test_url_matrix.py asks each URL about one round (the phase where the page is
live). Refusals must not depend on the phase, so here every URL that names a round or a
proposal is asked again about a round (and a proposal) in every other phase:
- a draft round is hidden: everyone but its councillors gets 404 (or 405, or the sign-in page),
  never a 403 that would tell them it exists, never its contents;
- in every other phase, each method someone may use is tried by every persona: a caller the
  table refuses is still refused and changes nothing, and nobody gets a 5xx.
URLs that also name a comment, a polling place or a paper batch stay on their own round.
"""

from __future__ import annotations

import pytest

from budgets.models import Phase
from tests.matrix.asking import REFUSED, Asker, filled, judge, url_for
from tests.matrix.conftest import PERSONAS, World
from tests.matrix.table import NOBODY, TABLE
from tests.matrix.test_url_matrix import methods_for

HIDDEN = {404, 405}
# The ledger is public whole, drafts' events included (README, "How to verify a result": the
# verifier checks every round's events from its draft on), and this page is that ledger filtered
# by round id: it shows a draft's title and settings to anyone. The round page hides its link
# (budgets/services/pages.py has_audit_trail); whether drafts' ledger events should carry less
# is a design question for the ledger, not an access check a view could add.
PUBLIC_LEDGER = {"audit/rounds/<int:round_id>/"}
MANAGERS = {"councillor_sam", "staff_dave"}
SWEPT = [
    route
    for route in sorted(TABLE)
    if ("<int:round_id>" in route or "<int:proposal_id>" in route)
    and not any(name in route for name in ("comment_id", "place_id", "batch_id"))
]


@pytest.mark.parametrize("route", [r for r in SWEPT if r not in PUBLIC_LEDGER])
def test_a_draft_round_is_hidden_from_all_but_its_councillors(world: World, route: str) -> None:
    entry = TABLE[route]
    url = url_for(route, world, Phase.DRAFT, Phase.DRAFT)
    asker = Asker(world)
    problems = []
    for who in PERSONAS:
        for method in methods_for(route):
            if method != "GET" and entry.allowed(method) == NOBODY:
                continue  # not served in any phase: the main matrix checks the 405
            hidden = who not in MANAGERS
            answer = asker.ask(who, method, url, filled(entry.data, world), watch=hidden)
            if hidden:
                # Anonymous callers may be turned away before any lookup (the API's
                # IsAuthenticated): the same answer for every id, so it tells them nothing.
                refused = REFUSED if who == "anonymous" else HIDDEN
                problems += judge(answer, allowed=False, refused=refused)
            elif answer.status >= 500:
                problems += judge(answer, allowed=False)
    assert not problems, "\n".join(problems)


OTHER_PHASES = [p for p in Phase if p != Phase.DRAFT]
WRITTEN = [r for r in SWEPT if any(TABLE[r].allowed(m) for m in ("POST", "PATCH", "DELETE"))]


@pytest.mark.parametrize("route", WRITTEN)
def test_writes_are_refused_alike_in_every_phase(world: World, route: str) -> None:
    entry = TABLE[route]
    asker = Asker(world)
    problems = []
    for phase in OTHER_PHASES:
        if phase == entry.round and "<int:proposal_id>" not in route:
            continue  # the main matrix asks about this round
        url = url_for(route, world, phase, phase)
        for who in PERSONAS:
            for method in methods_for(route)[1:]:
                if entry.allowed(method) == NOBODY:
                    continue
                allowed = who in entry.allowed(method)
                answer = asker.ask(who, method, url, filled(entry.data, world), watch=not allowed)
                # In another phase an allowed caller may well be refused: only a 5xx is wrong.
                if not allowed or answer.status >= 500:
                    problems += judge(answer, allowed=False)
    assert not problems, "\n".join(problems)


def test_a_draft_rounds_ledger_page_is_public_as_the_ledger_is(world: World) -> None:
    """Pins the exception above, so a change to it is a decision, not an accident."""
    draft = world.rounds[Phase.DRAFT]
    asker = Asker(world)
    page = asker.ask("anonymous", "GET", f"/audit/rounds/{draft.pk}/", {}, watch=False)
    assert page.status == 200
    round_page = asker.ask("anonymous", "GET", f"/rounds/{draft.pk}/", {}, watch=False)
    assert round_page.status == 404
