"""budgets.access: the page, the API and the ward page agree on who sees and manages a round."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client

from budgets import access as round_access
from budgets.models import Phase, Round
from tests.budgets.conftest import make_proposal, make_round
from tests.conftest import login, make_user
from wards.models import Ward

PEOPLE = ["anonymous", "resident_alice", "councillor_bob", "councillor_sam", "staff_dave"]
# Who may see a draft round in Sparkbrook: its councillor and staff; nobody else.
SEES_DRAFT = {"councillor_sam", "staff_dave"}


def person(request: pytest.FixtureRequest, name: str) -> Any:
    return None if name == "anonymous" else request.getfixturevalue(name)


def client_for(user: Any) -> Client:
    client = Client()
    return login(client, user) if user is not None else client


@pytest.mark.parametrize("phase", [Phase.DRAFT, Phase.PROPOSALS])
@pytest.mark.parametrize("who", PEOPLE)
def test_page_and_api_show_a_round_to_the_same_people(
    request: pytest.FixtureRequest, sparkbrook: Ward, who: str, phase: str
) -> None:
    user = person(request, who)
    round = make_round(sparkbrook, phase)
    proposal = make_proposal(round)
    client = client_for(user)
    expected = 200 if phase != Phase.DRAFT or who in SEES_DRAFT else 404
    outcomes = {
        "round page": client.get(f"/rounds/{round.pk}/").status_code,
        "round API": client.get(f"/api/v1/rounds/{round.pk}/").status_code,
        "proposals page": client.get(f"/rounds/{round.pk}/proposals/").status_code,
        "proposals API": client.get(f"/api/v1/rounds/{round.pk}/proposals/").status_code,
        "proposal page": client.get(f"/proposals/{proposal.pk}/").status_code,
        "proposal API": client.get(f"/api/v1/proposals/{proposal.pk}/").status_code,
    }
    assert outcomes == dict.fromkeys(outcomes, expected)
    # The lists agree with the pages: the ward page and the API list show the round alike.
    listed = client.get("/api/v1/rounds/?ward=sparkbrook").json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    in_api = round.pk in [r["id"] for r in rows]
    on_ward_page = f'href="/rounds/{round.pk}/"' in client.get("/wards/sparkbrook/").text
    assert in_api is on_ward_page is (expected == 200)


@pytest.mark.parametrize("phase", [Phase.DRAFT, Phase.PROPOSALS, Phase.PUBLISHED])
@pytest.mark.parametrize("who", PEOPLE)
def test_visible_to_is_the_same_rule_as_get_round_for(
    request: pytest.FixtureRequest, sparkbrook: Ward, who: str, phase: str
) -> None:
    user = person(request, who)
    round = make_round(sparkbrook, phase)
    try:
        round_access.get_round_for(user, round.pk)
    except Http404:
        visible = False
    else:
        visible = True
    assert Round.objects.visible_to(user).filter(pk=round.pk).exists() is visible


def test_inactive_staff_and_inactive_councillors_see_no_draft(
    sparkbrook: Ward, councillor_sam: Any
) -> None:
    draft = make_round(sparkbrook, Phase.DRAFT)
    councillor_sam.is_active = False
    councillor_sam.save()
    ghost = make_user("ghost", is_staff=True, is_active=False)
    for user in (councillor_sam, ghost):
        with pytest.raises(Http404):
            round_access.get_round_for(user, draft.pk)
        assert not Round.objects.visible_to(user).filter(pk=draft.pk).exists()


def test_get_round_to_manage(
    sparkbrook: Ward, resident_alice: Any, councillor_bob: Any, councillor_sam: Any
) -> None:
    draft = make_round(sparkbrook, Phase.DRAFT)
    public = make_round(sparkbrook, Phase.PROPOSALS)
    assert round_access.get_round_to_manage(councillor_sam, draft.pk) == draft
    # Someone who cannot see a draft learns nothing about it: 404, not 403.
    with pytest.raises(Http404):
        round_access.get_round_to_manage(councillor_bob, draft.pk)
    with pytest.raises(Http404):
        round_access.get_round_to_manage(None, draft.pk)
    # A public round they may see but not manage: 403 with the reason.
    with pytest.raises(PermissionDenied, match="Only councillors for Sparkbrook"):
        round_access.get_round_to_manage(councillor_bob, public.pk)
    with pytest.raises(PermissionDenied, match="sign in"):
        round_access.get_round_to_manage(None, public.pk)


def test_get_proposal_to_review(
    sparkbrook: Ward, resident_alice: Any, councillor_bob: Any, councillor_sam: Any
) -> None:
    proposal = make_proposal(make_round(sparkbrook, Phase.REVIEW), resident_alice)
    assert round_access.get_proposal_to_review(councillor_sam, proposal.pk) == proposal
    with pytest.raises(PermissionDenied):
        round_access.get_proposal_to_review(resident_alice, proposal.pk)
    with pytest.raises(PermissionDenied):
        round_access.get_proposal_to_review(councillor_bob, proposal.pk)


@pytest.mark.parametrize("bad", [999_999, "999999", "x", None])
def test_unknown_ids_are_404(db: None, bad: Any) -> None:
    with pytest.raises(Http404):
        round_access.get_round_for(None, bad)
    with pytest.raises(Http404):
        round_access.get_proposal_for(None, bad)


def test_a_draft_round_page_and_its_edit_page_are_404_to_a_councillor_of_another_ward(
    client: Client, sparkbrook: Ward, councillor_bob: Any
) -> None:
    draft = make_round(sparkbrook, Phase.DRAFT)
    login(client, councillor_bob)
    assert client.get(f"/rounds/{draft.pk}/edit/").status_code == 404
    assert (
        client.patch(
            f"/api/v1/rounds/{draft.pk}/", {"title": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
