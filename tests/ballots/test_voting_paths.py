"""A resident's choices survive the sign-in redirect; help-desk voting is recorded as such."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from budgets.models import Round
from tests.ballots.conftest import confirm_vote
from tests.conftest import DECLARED, PASSWORD

pytestmark = pytest.mark.django_db


def test_choices_made_before_signing_in_are_still_ticked_afterwards(
    client: Client, voting_round: Round, ids: list[int], resident_alice: Any
) -> None:
    url = f"/rounds/{voting_round.pk}/vote/"
    response = client.post(url, {"projects": [ids[0], ids[1]], "sign_in": "1", "step": "review"})
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"

    client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    page = client.get(url).content.decode()
    assert f'value="{ids[0]}" id="project-{ids[0]}" checked' in page
    assert f'value="{ids[1]}" id="project-{ids[1]}" checked' in page
    assert f'value="{ids[2]}" id="project-{ids[2]}" checked' not in page
    assert "£62,500 of £100,000 chosen" in page
    # Signed in as a resident, a code is optional.
    assert "Voting code (optional)" in page and "Enter the voting code" not in page
    # The saved choices are used once, then gone from the session (nothing lingers there).
    assert "ballot_choices" not in client.session
    assert f'id="project-{ids[0]}" checked' not in client.get(url).content.decode()


def test_a_visitor_without_saved_choices_starts_with_an_empty_ballot(
    client: Client, voting_round: Round
) -> None:
    page = client.get(f"/rounds/{voting_round.pk}/vote/").content.decode()
    assert " checked" not in page
    assert "£0 of £100,000 chosen" in page


def test_a_councillor_helping_at_a_desk_casts_an_assisted_ballot(
    client: Client, voting_round: Round, ids: list[int], councillor_sam: Any
) -> None:
    from audit.models import Event
    from ballots import services
    from ballots.models import Ballot

    (code,) = services.issue_codes(voting_round, 1)
    client.force_login(councillor_sam)
    url = f"/rounds/{voting_round.pk}/vote/"
    page = confirm_vote(
        client,
        url,
        {
            "projects": [ids[0]],
            "code": code,
            "basis": "live",
            "age_confirmed": "1",
            "step": "confirm",
        },
    )
    assert "Your vote has been cast" in page.content.decode()
    ballot = Ballot.objects.get()
    assert ballot.assisted is True
    event = Event.objects.get(kind="ballot.assisted")
    assert event.payload == {}
    assert code not in event.body and ballot.receipt not in event.body
    assert len(event.at) == 10  # the day only
    assert services.assisted_count(voting_round) == 1


def test_a_code_voter_on_their_own_device_is_not_recorded_as_assisted(
    client: Client, voting_round: Round, ids: list[int]
) -> None:
    from audit.models import Event
    from ballots import services
    from ballots.models import Ballot

    (code,) = services.issue_codes(voting_round, 1)
    confirm_vote(
        client,
        f"/rounds/{voting_round.pk}/vote/",
        {
            "projects": [ids[0]],
            "code": code,
            "basis": "live",
            "age_confirmed": "1",
            "step": "confirm",
        },
    )
    assert Ballot.objects.get().assisted is False
    assert not Event.objects.filter(kind="ballot.assisted").exists()


def test_a_signed_in_non_resident_votes_with_a_postcode_on_the_ballot_page(
    client: Client, voting_round: Round, ids: list[int], resident_rhys: Any
) -> None:
    from ballots.models import Ballot
    from wards.models import WardPostcode

    url = f"/rounds/{voting_round.pk}/vote/"
    client.force_login(resident_rhys)
    assert 'name="postcode"' not in client.get(url).content.decode()  # no list uploaded yet

    WardPostcode.objects.create(ward=voting_round.ward, postcode="B12 9AB")
    assert 'name="postcode"' in client.get(url).content.decode()
    refused = confirm_vote(
        client,
        url,
        {
            "projects": [ids[0]],
            "postcode": "B1 1AA",
            "basis": "live",
            "age_confirmed": "1",
            "step": "confirm",
        },
    )
    assert refused.status_code == 400
    assert "B1 1AA is not in Sparkbrook" in refused.content.decode()
    cast = confirm_vote(
        client,
        url,
        {
            "projects": [ids[0]],
            "postcode": "b12 9ab",
            "basis": "live",
            "age_confirmed": "1",
            "step": "confirm",
        },
    )
    assert "Your vote has been cast" in cast.content.decode()
    assert Ballot.objects.count() == 1


def test_a_councillor_revokes_a_lost_code_from_the_voting_desk(
    client: Client, voting_round: Round, ids: list[int], councillor_sam: Any, councillor_bob: Any
) -> None:
    from audit.models import Event
    from ballots import services

    lost, kept = services.issue_codes(voting_round, 2)
    url = f"/rounds/{voting_round.pk}/codes/revoke/"
    client.force_login(councillor_bob)  # another ward's councillor
    assert client.post(url, {"code": lost, "reason": "letter lost"}).status_code == 403
    client.force_login(councillor_sam)
    assert client.get(url).status_code == 405
    page = client.post(url, {"code": lost, "reason": ""}, follow=True).content.decode()
    assert "Give a reason" in page
    page = client.post(url, {"code": lost, "reason": "letter lost"}, follow=True)
    assert "The code is revoked" in page.content.decode()
    with pytest.raises(ValidationError, match="not valid for this vote"):
        services.cast_ballot(voting_round, [ids[0]], code=lost, declaration=DECLARED)
    services.cast_ballot(voting_round, [ids[0]], code=kept, declaration=DECLARED)
    event = Event.objects.get(kind="code.revoked")
    assert event.payload["reason"] == "letter lost" and lost not in event.body


def test_revoke_code_command(voting_round: Round) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    from ballots import services
    from ballots.models import VotingCode

    (code,) = services.issue_codes(voting_round, 1)
    out = StringIO()
    call_command("revoke_code", str(voting_round.pk), code, "--reason", "stolen", stdout=out)
    assert "revoked" in out.getvalue()
    assert VotingCode.objects.get().revoked
    with pytest.raises(CommandError, match="No such code"):
        call_command(
            "revoke_code", str(voting_round.pk), services.codes.new_code(), "--reason", "x"
        )
