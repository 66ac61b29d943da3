"""One person, one live ballot per round, whatever the channel; the voting window; the same
declaration from page and API; casting that a refresh or double click never repeats.

Each test here reproduces a finding of the trust issue (#11) that held on the first release.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ballots import services
from ballots.models import Ballot, BallotStatus, CastToken, Voter
from budgets.models import Round
from tests.ballots.conftest import confirm_vote, make_voting_round, post_json, project_ids
from tests.conftest import DECLARED, login, make_user
from wards.models import Membership, Neighbourhood, Role, Ward, WardPostcode

pytestmark = pytest.mark.django_db


def _live(round: Round) -> int:
    return Ballot.objects.filter(round=round, status=BallotStatus.LIVE).count()


# --- Accounts and codes mark off one person ------------------------------------------------


def test_a_signed_in_resident_cannot_vote_again_with_a_letter_code(
    voting_round: Round, ids: list[int], issued_codes: list[str], resident_alice: Any
) -> None:
    services.cast_ballot(voting_round, [ids[0]], user=resident_alice, declaration=DECLARED)
    with pytest.raises(ValidationError, match="Your account has already voted"):
        services.cast_ballot(
            voting_round,
            [ids[1]],
            user=resident_alice,
            code=issued_codes[0],
            declaration=DECLARED,
        )
    assert _live(voting_round) == 1


def test_a_code_used_while_signed_in_marks_the_account_too(
    voting_round: Round, ids: list[int], issued_codes: list[str], resident_alice: Any
) -> None:
    first = services.cast_ballot(
        voting_round, [ids[0]], user=resident_alice, code=issued_codes[0], declaration=DECLARED
    )
    # Voting again with the account alone replaces that ballot: it is the same person.
    again = services.cast_ballot(voting_round, [ids[1]], user=resident_alice, declaration=DECLARED)
    assert again.replaced and services.receipt_status(first.receipt).status == "replaced"
    # A second code cannot add a ballot for the same account either.
    with pytest.raises(ValidationError, match="Your account has already voted"):
        services.cast_ballot(
            voting_round,
            [ids[2]],
            user=resident_alice,
            code=issued_codes[1],
            declaration=DECLARED,
        )
    assert _live(voting_round) == 1 and services.turnout(voting_round)["total"] == 1


def test_the_page_uses_a_code_a_signed_in_resident_typed(
    client: Client,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    resident_alice: Any,
) -> None:
    """The first release silently dropped it, so the same person could then vote with it."""
    login(client, resident_alice)
    url = reverse("ballots:vote", args=[voting_round.pk])
    data = {"projects": [ids[0]], "code": issued_codes[0], "basis": "live", "age_confirmed": "1"}
    assert "Your vote has been cast" in confirm_vote(client, url, data).content.decode()
    voter = Voter.objects.get()
    assert voter.voting_code is not None and voter.account_key
    # Signed out after casting; anyone now using the same code replaces that one ballot.
    confirm_vote(client, url, {**data, "projects": [ids[1]]})
    assert _live(voting_round) == 1


def test_a_code_that_voted_from_one_account_cannot_vote_from_another(
    voting_round: Round, ids: list[int], issued_codes: list[str], resident_alice: Any
) -> None:
    other = make_user("amir")
    Membership.objects.create(user=other, ward=voting_round.ward, role=Role.RESIDENT)
    services.cast_ballot(
        voting_round, [ids[0]], user=resident_alice, code=issued_codes[0], declaration=DECLARED
    )
    with pytest.raises(ValidationError, match="not valid for this vote"):
        services.cast_ballot(
            voting_round, [ids[1]], user=other, code=issued_codes[0], declaration=DECLARED
        )
    assert _live(voting_round) == 1


def test_help_desk_staff_entering_codes_are_not_marked(
    voting_round: Round, ids: list[int], issued_codes: list[str], councillor_sam: Any
) -> None:
    for code in issued_codes[:3]:
        services.cast_ballot(
            voting_round, [ids[0]], user=councillor_sam, code=code, declaration=DECLARED
        )
    assert _live(voting_round) == 3
    assert not Voter.objects.exclude(account_key="").exists()


# --- One ward a year ------------------------------------------------------------------------


def test_a_resident_who_voted_at_home_cannot_vote_in_another_ward_by_postcode(
    sparkbrook: Ward, aston: Ward, resident_alice: Any
) -> None:
    home = make_voting_round(sparkbrook)
    away = make_voting_round(aston)
    WardPostcode.objects.create(ward=aston, postcode="B6 5RQ")
    services.cast_ballot(home, project_ids(home)[:1], user=resident_alice, declaration=DECLARED)
    with pytest.raises(ValidationError, match="already voted in another ward"):
        services.cast_ballot(
            away,
            project_ids(away)[:1],
            user=resident_alice,
            postcode="B6 5RQ",
            declaration=DECLARED,
        )
    assert not Ballot.objects.filter(round=away).exists()
    # Changing the vote at home is still allowed.
    assert services.cast_ballot(
        home, project_ids(home)[1:2], user=resident_alice, declaration=DECLARED
    ).replaced


def test_the_city_can_allow_more_than_one_ward_a_year(
    settings: Any, sparkbrook: Ward, aston: Ward, resident_alice: Any
) -> None:
    settings.WARD_VOTES_PER_YEAR = 2
    home, away = make_voting_round(sparkbrook), make_voting_round(aston)
    WardPostcode.objects.create(ward=aston, postcode="B6 5RQ")
    services.cast_ballot(home, project_ids(home)[:1], user=resident_alice, declaration=DECLARED)
    services.cast_ballot(
        away, project_ids(away)[:1], user=resident_alice, postcode="B6 5RQ", declaration=DECLARED
    )
    assert Ballot.objects.count() == 2


def test_a_new_budget_year_is_a_new_vote(
    sparkbrook: Ward, aston: Ward, resident_alice: Any
) -> None:
    now = timezone.now()
    last_year = make_voting_round(sparkbrook, voting_start=now - datetime.timedelta(days=400))
    this_year = make_voting_round(aston, voting_start=now - datetime.timedelta(days=1))
    WardPostcode.objects.create(ward=aston, postcode="B6 5RQ")
    assert last_year.budget_year != this_year.budget_year
    services.cast_ballot(
        last_year, project_ids(last_year)[:1], user=resident_alice, declaration=DECLARED
    )
    services.cast_ballot(
        this_year,
        project_ids(this_year)[:1],
        user=resident_alice,
        postcode="B6 5RQ",
        declaration=DECLARED,
    )
    assert Ballot.objects.count() == 2


# --- The voting window ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (-10, -1, "Voting has closed"),
        (1, 10, "Voting has not opened"),
    ],
)
def test_ballots_outside_the_voting_dates_are_refused_whatever_the_scheduler_did(
    client: Client,
    sparkbrook: Ward,
    resident_alice: Any,
    start: int,
    end: int,
    message: str,
) -> None:
    now = timezone.now()
    round = make_voting_round(
        sparkbrook,
        voting_start=now + datetime.timedelta(days=start),
        voting_end=now + datetime.timedelta(days=end),
    )
    (code,) = services.issue_codes(round, 1)
    with pytest.raises(ValidationError, match=message):
        services.cast_ballot(round, project_ids(round)[:1], code=code, declaration=DECLARED)
    response = post_json(
        client,
        f"/api/v1/rounds/{round.pk}/ballots/",
        {"code": code, "projects": project_ids(round)[:1], "basis": "live", "age_confirmed": True},
    )
    assert response.status_code == 400 and message in response.json()["reason"]
    page = client.get(reverse("ballots:vote", args=[round.pk])).content.decode()
    assert ("has closed" if start < 0 else "not opened yet") in page
    assert not Ballot.objects.exists()


# --- Eligibility as configured --------------------------------------------------------------


@pytest.fixture
def balsall_heath(sparkbrook: Ward) -> Neighbourhood:
    return Neighbourhood.objects.create(ward=sparkbrook, name="Balsall Heath", slug="balsall")


def test_a_neighbourhood_round_takes_only_its_own_residents_and_postcodes(
    sparkbrook: Ward, balsall_heath: Neighbourhood, resident_alice: Any
) -> None:
    round = make_voting_round(sparkbrook, neighbourhood=balsall_heath)
    pid = project_ids(round)[:1]
    WardPostcode.objects.create(ward=sparkbrook, postcode="B11 1AA")
    WardPostcode.objects.create(ward=sparkbrook, postcode="B12 9AB", neighbourhood=balsall_heath)
    # Alice lives in Sparkbrook, not (as far as the register knows) in Balsall Heath.
    assert not services.voting_options(resident_alice, round).as_resident
    with pytest.raises(ValidationError, match="B11 1AA is not in Balsall Heath"):
        services.cast_ballot(
            round, pid, user=resident_alice, postcode="B11 1AA", declaration=DECLARED
        )
    # A postcode in the neighbourhood lets her vote (she may work there).
    services.cast_ballot(round, pid, user=resident_alice, postcode="B12 9AB", declaration=DECLARED)
    # A resident recorded in the neighbourhood votes as a resident.
    heath = make_user("hana")
    Membership.objects.create(
        user=heath, ward=sparkbrook, role=Role.RESIDENT, neighbourhood=balsall_heath
    )
    assert services.voting_options(heath, round).as_resident
    services.cast_ballot(round, pid, user=heath, declaration=DECLARED)
    assert _live(round) == 2


def test_page_and_api_ask_for_the_same_declaration_and_record_it(
    client: Client, voting_round: Round, ids: list[int], issued_codes: list[str]
) -> None:
    url = f"/api/v1/rounds/{voting_round.pk}/ballots/"
    missing = post_json(client, url, {"code": issued_codes[0], "projects": [ids[0]]})
    assert missing.status_code == 400 and "live, work or study" in missing.json()["reason"]
    underage = post_json(
        client,
        url,
        {"code": issued_codes[0], "projects": [ids[0]], "basis": "work", "age_confirmed": False},
    )
    assert underage.status_code == 400 and "16 or over" in underage.json()["reason"]
    assert not Ballot.objects.exists()
    ok = post_json(
        client,
        url,
        {"code": issued_codes[0], "projects": [ids[0]], "basis": "work", "age_confirmed": True},
    )
    assert ok.status_code == 201
    assert Voter.objects.get().basis == "work"


def test_a_basis_the_round_does_not_allow_is_refused(sparkbrook: Ward) -> None:
    round = make_voting_round(sparkbrook, eligible_work=False, eligible_study=False)
    (code,) = services.issue_codes(round, 1)
    with pytest.raises(ValidationError, match="Choose one of: live"):
        services.cast_ballot(
            round,
            project_ids(round)[:1],
            code=code,
            declaration=services.Declaration(basis="study", age_confirmed=True),
        )


def test_saved_choices_expire_and_go_once_cast(
    client: Client, voting_round: Round, ids: list[int], resident_alice: Any
) -> None:
    url = reverse("ballots:vote", args=[voting_round.pk])
    client.post(url, {"projects": [ids[0]], "sign_in": "1", "step": "review"})
    saved = client.session["ballot_choices"][str(voting_round.pk)]
    assert saved["until"] - timezone.now().timestamp() <= 30 * 60 + 1
    login(client, resident_alice)
    data = {"projects": [ids[0]], "basis": "live", "age_confirmed": "1"}
    confirm_vote(client, url, data)
    assert "ballot_choices" not in client.session


# --- Casting once per confirmation ----------------------------------------------------------


def _review_token(client: Client, url: str, data: dict[str, Any]) -> str:
    import re

    html = client.post(url, {**data, "step": "review"}).content.decode()
    found = re.search(r'name="cast_token" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_refreshing_the_receipt_page_never_casts_again(
    client: Client, voting_round: Round, ids: list[int], issued_codes: list[str]
) -> None:
    url = reverse("ballots:vote", args=[voting_round.pk])
    data = {"projects": [ids[0]], "code": issued_codes[0], "basis": "live", "age_confirmed": "1"}
    token = _review_token(client, url, data)
    answer = client.post(url, {**data, "step": "confirm", "cast_token": token})
    assert answer.status_code == 302  # POST-redirect-GET
    (ballot,) = Ballot.objects.all()
    for _ in range(3):
        page = client.get(answer["Location"])
        assert page.status_code == 200 and ballot.receipt in page.content.decode()
    # Back and resubmit: the same confirmation shows the same receipt, casts nothing.
    again = client.post(url, {**data, "step": "confirm", "cast_token": token}, follow=True)
    assert ballot.receipt in again.content.decode()
    assert Ballot.objects.count() == 1
    assert services.receipt_status(ballot.receipt).status == "pending"


def test_a_forged_or_foreign_token_casts_nothing(
    client: Client, voting_round: Round, ids: list[int], issued_codes: list[str], sparkbrook: Ward
) -> None:
    url = reverse("ballots:vote", args=[voting_round.pk])
    data = {"projects": [ids[0]], "code": issued_codes[0], "basis": "live", "age_confirmed": "1"}
    other = make_voting_round(sparkbrook, title="Another round")
    for token in ("", "made-up", services.new_cast_token(other)):
        page = client.post(url, {**data, "step": "confirm", "cast_token": token})
        assert page.status_code == 400 and "This page has expired" in page.content.decode()
    assert not Ballot.objects.exists()
    gone = client.get(reverse("ballots:cast", args=[voting_round.pk, "made-up"]))
    assert gone.status_code == 404


def test_a_refused_confirmation_can_be_retried_with_the_same_token(
    client: Client, voting_round: Round, ids: list[int], issued_codes: list[str]
) -> None:
    url = reverse("ballots:vote", args=[voting_round.pk])
    data = {"projects": [ids[0]], "code": issued_codes[0], "basis": "live", "age_confirmed": "1"}
    token = _review_token(client, url, data)
    from ballots import codes

    wrong = client.post(
        url, {**data, "code": codes.new_code(), "step": "confirm", "cast_token": token}
    )
    assert wrong.status_code == 400
    assert not CastToken.objects.exists()
    right = client.post(url, {**data, "step": "confirm", "cast_token": token})
    assert right.status_code == 302 and Ballot.objects.count() == 1


def test_an_api_retry_with_the_same_idempotency_key_casts_once(
    client: Client, voting_round: Round, ids: list[int], issued_codes: list[str]
) -> None:
    url = f"/api/v1/rounds/{voting_round.pk}/ballots/"
    body = {"code": issued_codes[0], "projects": [ids[0]], "basis": "live", "age_confirmed": True}

    def send(key: str) -> Any:
        return client.post(url, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)

    first, retry = send("retry-1"), send("retry-1")
    assert first.status_code == 201 and retry.json() == first.json()
    assert Ballot.objects.count() == 1
    # A new key is a new submission: it replaces the ballot, as any vote change does.
    assert send("retry-2").status_code == 200
    assert _live(voting_round) == 1
    assert send("x" * 201).status_code == 400


def test_closing_deletes_the_confirmation_tokens(
    client: Client, voting_round: Round, ids: list[int], issued_codes: list[str]
) -> None:
    """A token leads to a receipt: after close nothing may lead from a browser to a ballot."""
    url = reverse("ballots:vote", args=[voting_round.pk])
    data = {"projects": [ids[0]], "code": issued_codes[0], "basis": "live", "age_confirmed": "1"}
    token = _review_token(client, url, data)
    answer = client.post(url, {**data, "step": "confirm", "cast_token": token})
    services.close_round(voting_round)
    assert not CastToken.objects.filter(round=voting_round).exists()
    assert client.get(answer["Location"]).status_code == 404


def test_an_abandoned_ballots_choices_expire_with_their_session(
    client: Client, voting_round: Round, ids: list[int]
) -> None:
    from django.contrib.sessions.models import Session
    from django.core.management import call_command

    url = reverse("ballots:vote", args=[voting_round.pk])
    client.post(url, {"projects": [ids[0]], "sign_in": "1", "step": "review"})
    assert client.session.get_expiry_age() <= 30 * 60
    (stored,) = Session.objects.all()
    Session.objects.filter(pk=stored.pk).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    call_command("advance_rounds")
    assert not Session.objects.exists()


def test_a_wards_round_and_its_neighbourhoods_round_are_one_wards_vote(
    sparkbrook: Ward, balsall_heath: Neighbourhood
) -> None:
    heath = make_user("hana")
    Membership.objects.create(
        user=heath, ward=sparkbrook, role=Role.RESIDENT, neighbourhood=balsall_heath
    )
    ward_round = make_voting_round(sparkbrook)
    local_round = make_voting_round(sparkbrook, neighbourhood=balsall_heath, title="Heath")
    for round in (ward_round, local_round):
        services.cast_ballot(round, project_ids(round)[:1], user=heath, declaration=DECLARED)
    assert Ballot.objects.count() == 2


@pytest.mark.parametrize(
    ("change", "accepted"),
    [
        ({}, True),
        ({"basis": ""}, False),
        ({"age_confirmed": False}, False),
        ({"code": "not issued"}, False),  # replaced below by a well-formed code never issued
        ({"projects": "all"}, False),  # over the budget
    ],
)
def test_the_page_and_the_api_decide_a_ballot_alike(
    client: Client,
    voting_round: Round,
    ids: list[int],
    issued_codes: list[str],
    change: dict[str, Any],
    accepted: bool,
) -> None:
    """The same inputs through the ballot page and the API: both cast, or both refuse."""
    from ballots import codes

    body: dict[str, Any] = {
        "code": issued_codes[0],
        "projects": [ids[0]],
        "basis": "live",
        "age_confirmed": True,
        **change,
    }
    if body["projects"] == "all":
        body["projects"] = ids
    if body["code"] != issued_codes[0]:
        body["code"] = codes.new_code()
    api = post_json(client, f"/api/v1/rounds/{voting_round.pk}/ballots/", body)
    assert (api.status_code == 201) is accepted, api.content
    form = {**body, "code": issued_codes[1] if accepted else body["code"]}
    form["age_confirmed"] = "1" if body["age_confirmed"] else ""
    page = confirm_vote(client, reverse("ballots:vote", args=[voting_round.pk]), form)
    assert ("Your vote has been cast" in page.content.decode()) is accepted
    assert _live(voting_round) == (2 if accepted else 0)
