"""The ward's team: the clerk role, and councillors adding and removing clerks from the ward
pages (issue 13)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

import audit
from audit.models import Event
from ballots import services
from budgets.models import Round
from tests.ballots.conftest import make_voting_round, project_ids
from tests.conftest import login, make_user
from wards import services as wards_services
from wards.access import Action, can
from wards.models import Membership, Role, Ward


@pytest.fixture
def clerk_cleo(sparkbrook: Ward) -> Any:
    user = make_user("cleo", first_name="Cleo", last_name="Clarke")
    Membership.objects.create(user=user, ward=sparkbrook, role=Role.CLERK)
    return user


@pytest.fixture
def voting_round(sparkbrook: Ward) -> Round:
    return make_voting_round(sparkbrook, scale=1000)


# The clerk role ------------------------------------------------------------------------------


def test_a_clerk_may_enter_paper_and_nothing_else(sparkbrook: Ward, clerk_cleo: Any) -> None:
    assert can(clerk_cleo, Action.ENTER_PAPER, sparkbrook)
    for action in (Action.MANAGE_ROUND, Action.REVIEW, Action.AUDIT, Action.VOTE):
        assert not can(clerk_cleo, action, sparkbrook), action


def test_a_clerk_of_one_ward_enters_no_paper_in_another(aston: Ward, clerk_cleo: Any) -> None:
    assert not can(clerk_cleo, Action.ENTER_PAPER, aston)


def test_a_clerk_enters_a_paper_batch_but_cannot_close_the_round(
    voting_round: Round, clerk_cleo: Any
) -> None:
    ids = project_ids(voting_round)
    code = services.issue_codes(voting_round, 1)[0]
    batch = services.enter_paper_batch(
        voting_round,
        polling_place="Library",
        by=clerk_cleo,
        account=services.PaperAccount(2, 0, 1, 1),
        ballots=[{"code": code, "projects": [ids[0]]}],
    )
    assert batch.entries.count() == 1
    event = Event.objects.get(kind="paper_batch.entered")
    assert event.actor_role == "clerk"
    with pytest.raises(PermissionDenied):
        services.close_round(voting_round, by=clerk_cleo)
    with pytest.raises(PermissionDenied):
        services.publish_round(voting_round, by=clerk_cleo)


def test_a_clerk_reaches_paper_entry_from_the_round_page_but_not_the_desk(
    client: Client, voting_round: Round, clerk_cleo: Any
) -> None:
    login(client, clerk_cleo)
    page = client.get(voting_round.get_absolute_url())
    paper_url = reverse("ballots:paper", args=[voting_round.pk])
    desk_url = reverse("ballots:voting_desk", args=[voting_round.pk])
    assert paper_url in page.content.decode()
    assert desk_url not in page.content.decode()
    assert client.get(paper_url).status_code == 200
    assert client.get(desk_url).status_code == 403
    assert client.post(reverse("ballots:close", args=[voting_round.pk])).status_code == 403


def test_a_clerk_at_the_help_desk_casts_an_assisted_ballot(
    client: Client, voting_round: Round, clerk_cleo: Any
) -> None:
    from ballots.models import Ballot
    from tests.ballots.conftest import confirm_vote

    (code,) = services.issue_codes(voting_round, 1)
    login(client, clerk_cleo)
    form = {
        "projects": [project_ids(voting_round)[0]],
        "code": code,
        "basis": "live",
        "age_confirmed": "1",
        "step": "confirm",
    }
    page = confirm_vote(client, f"/rounds/{voting_round.pk}/vote/", form)
    assert "Your vote has been cast" in page.content.decode()
    assert Ballot.objects.get().assisted is True
    assert Event.objects.get(kind="ballot.assisted").actor_role == "clerk"


# The team page ------------------------------------------------------------------------------


@pytest.fixture
def someone(db: None) -> Any:
    """An account holding no role yet, to be made a clerk."""
    return make_user("kim", first_name="Kim", last_name="Kaur")


def team_url(ward: Ward) -> str:
    return reverse("wards:team", args=[ward.slug])


def test_a_councillor_sees_the_team_with_residents_only_counted(
    client: Client, sparkbrook: Ward, councillor_sam: Any, clerk_cleo: Any, resident_alice: Any
) -> None:
    login(client, councillor_sam)
    page = client.get(team_url(sparkbrook))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Sam Singh" in html and "Cleo Clarke" in html and "cleo" in html
    assert "1 registered resident" in html
    assert "Alice" not in html and "alice" not in html


def test_the_ward_page_links_the_team_and_postcodes_for_its_councillors_only(
    client: Client, sparkbrook: Ward, councillor_sam: Any, resident_alice: Any
) -> None:
    links = (team_url(sparkbrook), reverse("wards:postcodes", args=[sparkbrook.slug]))
    login(client, councillor_sam)
    html = client.get(sparkbrook.get_absolute_url()).content.decode()
    assert all(link in html for link in links)
    login(client, resident_alice)
    html = client.get(sparkbrook.get_absolute_url()).content.decode()
    assert not any(link in html for link in links)


def test_a_councillor_adds_a_clerk_who_may_then_enter_paper(
    client: Client, sparkbrook: Ward, councillor_sam: Any, someone: Any
) -> None:
    login(client, councillor_sam)
    response = client.post(reverse("wards:team_add", args=[sparkbrook.slug]), {"username": "KIM"})
    assert response.status_code == 302
    assert Membership.objects.filter(user=someone, ward=sparkbrook, role=Role.CLERK).exists()
    someone = type(someone).objects.get(pk=someone.pk)  # no cached roles
    assert can(someone, Action.ENTER_PAPER, sparkbrook)
    event = Event.objects.get(kind="role.granted")
    assert event.payload == {"role": "clerk", "person": audit.actor_for(someone, "clerk").id}
    assert event.actor_role == "councillor"
    assert "Kim" not in str(event.payload) and "kim" not in str(event.payload)
    assert "Kim Kaur" in client.get(team_url(sparkbrook)).content.decode()


def test_adding_an_unknown_account_or_a_clerk_twice_says_why(
    client: Client, sparkbrook: Ward, councillor_sam: Any, clerk_cleo: Any
) -> None:
    login(client, councillor_sam)
    url = reverse("wards:team_add", args=[sparkbrook.slug])
    page = client.post(url, {"username": "nobody-here"}, follow=True)
    assert "no active account" in page.content.decode()
    page = client.post(url, {"username": "cleo"}, follow=True)
    assert "already a clerk" in page.content.decode()
    page = client.post(url, {}, follow=True)
    assert "Enter the username" in page.content.decode()
    assert not Event.objects.filter(kind="role.granted").exists()


def test_removing_a_clerk_asks_for_confirmation_then_records_it(
    client: Client, sparkbrook: Ward, councillor_sam: Any, clerk_cleo: Any
) -> None:
    login(client, councillor_sam)
    url = reverse("wards:team_remove", args=[sparkbrook.slug, "cleo"])
    assert url in client.get(team_url(sparkbrook)).content.decode()
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Yes, remove this clerk" in confirm.content.decode()
    assert Membership.objects.filter(user=clerk_cleo, role=Role.CLERK).exists()
    assert client.post(url).status_code == 302
    assert not Membership.objects.filter(user=clerk_cleo, role=Role.CLERK).exists()
    event = Event.objects.get(kind="role.revoked")
    assert event.payload == {"role": "clerk", "person": audit.actor_for(clerk_cleo, "clerk").id}


def test_a_councillor_cannot_remove_themselves_or_another_councillor(
    client: Client, sparkbrook: Ward, councillor_sam: Any
) -> None:
    other = make_user("sia")
    Membership.objects.create(user=other, ward=sparkbrook, role=Role.COUNCILLOR)
    login(client, councillor_sam)
    for username in ("sam", "sia"):
        url = reverse("wards:team_remove", args=[sparkbrook.slug, username])
        assert client.get(url).status_code == 404
        page = client.post(url, follow=True)
        assert "not a clerk" in page.content.decode()
    assert Membership.objects.filter(ward=sparkbrook, role=Role.COUNCILLOR).count() == 2
    with pytest.raises(ValidationError):
        wards_services.grant_role(sparkbrook, "sia", Role.COUNCILLOR, by=councillor_sam)
    with pytest.raises(ValidationError):
        wards_services.revoke_role(sparkbrook, "sam", Role.COUNCILLOR, by=councillor_sam)
    assert not Event.objects.filter(kind__startswith="role.").exists()


def test_staff_may_manage_the_team(
    client: Client, sparkbrook: Ward, staff_dave: Any, someone: Any
) -> None:
    login(client, staff_dave)
    assert client.get(team_url(sparkbrook)).status_code == 200
    client.post(reverse("wards:team_add", args=[sparkbrook.slug]), {"username": "kim"})
    assert Event.objects.get(kind="role.granted").actor_role == "staff"


@pytest.mark.parametrize("who", ["resident_alice", "clerk_cleo", "councillor_bob"])
def test_others_get_no_team_data_and_change_nothing(
    request: pytest.FixtureRequest,
    client: Client,
    sparkbrook: Ward,
    councillor_sam: Any,
    clerk_cleo: Any,
    someone: Any,
    who: str,
) -> None:
    login(client, request.getfixturevalue(who))
    page = client.get(team_url(sparkbrook))
    assert page.status_code == 403
    assert "Sam Singh" not in page.content.decode()
    add = client.post(reverse("wards:team_add", args=[sparkbrook.slug]), {"username": "kim"})
    assert add.status_code == 403
    remove_url = reverse("wards:team_remove", args=[sparkbrook.slug, "cleo"])
    assert client.get(remove_url).status_code == 403
    assert client.post(remove_url).status_code == 403
    assert Membership.objects.filter(role=Role.CLERK).count() == 1
    assert not Event.objects.filter(kind__startswith="role.").exists()


def test_an_anonymous_visitor_is_asked_to_sign_in(
    client: Client, sparkbrook: Ward, clerk_cleo: Any, someone: Any
) -> None:
    for response in (
        client.get(team_url(sparkbrook)),
        client.post(reverse("wards:team_add", args=[sparkbrook.slug]), {"username": "kim"}),
        client.post(reverse("wards:team_remove", args=[sparkbrook.slug, "cleo"])),
    ):
        assert response.status_code == 302
        assert "/login" in response["Location"] or "login" in response["Location"]
    assert Membership.objects.filter(role=Role.CLERK).count() == 1


def test_wrong_methods_are_refused(
    client: Client, sparkbrook: Ward, councillor_sam: Any, clerk_cleo: Any
) -> None:
    login(client, councillor_sam)
    assert client.post(team_url(sparkbrook)).status_code == 405
    assert client.get(reverse("wards:team_add", args=[sparkbrook.slug])).status_code == 405
    assert (
        client.put(reverse("wards:team_remove", args=[sparkbrook.slug, "cleo"])).status_code == 405
    )
    assert client.get(reverse("wards:team", args=["no-such-ward"])).status_code == 404


def test_adding_a_clerk_needs_the_form_token(
    sparkbrook: Ward, councillor_sam: Any, someone: Any
) -> None:
    client = login(Client(enforce_csrf_checks=True), councillor_sam)
    response = client.post(reverse("wards:team_add", args=[sparkbrook.slug]), {"username": "kim"})
    assert response.status_code == 403
    assert not Membership.objects.filter(role=Role.CLERK).exists()
