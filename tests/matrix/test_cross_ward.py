"""Mixed ids: a councillor of ward B names their own round with ward A's object.

The access matrix fills every URL from ward A's objects alone. Here Bob, who manages Aston
(ward B), pairs an Aston round, which he may manage, with a Sparkbrook polling place, paper
batch, funded project, voting code, comment or proposal, in the path or in the form. Each must
be refused (404 for a path, a form error otherwise) and change nothing.
"""

from __future__ import annotations

from typing import Any

import pytest

from ballots.models import PaperBatch
from budgets.models import Phase, PollingPlace, Proposal, Round
from tests.ballots.conftest import make_voting_round, project_ids
from tests.budgets.conftest import make_proposal, make_round
from tests.delivery.conftest import publish_with_ballots
from tests.matrix.asking import Answer, Asker
from tests.matrix.conftest import World
from wards.models import Ward


@pytest.fixture
def aston_rounds(world: World, aston: Ward, councillor_bob: Any) -> dict[str, Any]:
    proposals_round = make_round(aston, Phase.PROPOSALS, title="Aston proposals")
    review_round = make_round(aston, Phase.REVIEW, title="Aston review")
    voting = make_voting_round(aston, title="Aston voting")
    published = make_voting_round(aston, title="Aston published")
    ids = project_ids(published)
    publish_with_ballots(published, [[ids[0], ids[1]], [ids[0], ids[1]], [ids[4]]])
    return {
        "proposals": proposals_round,
        "review": review_round,
        "voting": voting,
        "published": published,
        "proposal": make_proposal(proposals_round),
        "in_review": make_proposal(review_round),
    }


def _refused(answer: Answer, statuses: set[int]) -> list[str]:
    problems = []
    if answer.status not in statuses:
        problems.append(f"{answer.where}, expected one of {sorted(statuses)}")
    if answer.changed:
        problems.append(f"{answer.where} changed {answer.changed}")
    return problems


def test_an_aston_councillor_cannot_reach_sparkbrook_objects_through_an_aston_round(
    world: World, aston_rounds: dict[str, Any]
) -> None:
    sparkbrook_place: PollingPlace = world.place
    sparkbrook_batch: PaperBatch = world.batch
    funded: Proposal = world.proposals["funded"]
    mine: dict[str, Round] = aston_rounds
    asker = Asker(world)
    bob = "councillor_bob"
    in_path = [
        ("GET", f"/rounds/{mine['proposals'].pk}/places/{sparkbrook_place.pk}/", {}),
        ("POST", f"/rounds/{mine['proposals'].pk}/places/{sparkbrook_place.pk}/", {"name": "X"}),
        ("GET", f"/rounds/{mine['voting'].pk}/paper/{sparkbrook_batch.pk}/", {}),
        ("GET", f"/rounds/{mine['published'].pk}/delivery/{funded.pk}/", {}),
        (
            "POST",
            f"/rounds/{mine['published'].pk}/delivery/{funded.pk}/update/",
            {"text": "Done.", "status": "delivered"},
        ),
        (
            "POST",
            f"/rounds/{mine['published'].pk}/delivery/{funded.pk}/milestones/",
            {"title": "Lamps", "planned_on": "2027-01-10"},
        ),
    ]
    in_form = [
        (
            "POST",
            f"/rounds/{mine['proposals'].pk}/places/",
            {"action": "remove", "place": str(sparkbrook_place.pk)},
        ),
        ("POST", f"/rounds/{mine['voting'].pk}/codes/revoke/", {"code": world.code}),
        (
            "POST",
            f"/proposals/{mine['proposal'].pk}/comments/new/",
            {"body": "A reply.", "reply_to": str(world.comment.pk)},
        ),
        (
            "POST",
            f"/api/v1/proposals/{mine['in_review'].pk}/review/",
            {
                "decision": "merged",
                "reason": "A duplicate.",
                "merged_into": world.proposals[Phase.REVIEW].pk,
            },
        ),
    ]
    problems = []
    for method, url, data in in_path:
        problems += _refused(asker.ask(bob, method, url, data, watch=True), {404})
    for method, url, data in in_form:
        # A form error (400, or 200 with the form shown again), or back to the page with the
        # error as a message (302).
        problems += _refused(asker.ask(bob, method, url, data, watch=True), {200, 302, 400, 404})
    assert not problems, "\n".join(problems)
