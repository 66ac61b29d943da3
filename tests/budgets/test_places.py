"""A round's polling places and help desk: /rounds/<id>/places/ (list, add, remove, help desk)
and /rounds/<id>/places/<place_id>/ (change one), for the ward's councillors only; each change a
ledger event; the round page shows them to everyone."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from audit import kinds
from audit.models import Event
from budgets import services
from budgets.models import MAX_POLLING_PLACES, HelpDesk, Phase, PollingPlace, Round
from tests.budgets.conftest import make_round
from tests.conftest import login, make_user
from wards.models import Membership, Role, Ward

pytestmark = pytest.mark.django_db

LIBRARY = {
    "place-name": "  Sparkbrook\u200b Library\n",
    "place-address": "641 Stratford Road\r\nBirmingham B11 4EA",
    "place-opening_times": "Saturdays 10:00-16:00 from 5 to 19 December",
}


@pytest.fixture
def clerk_cleo(sparkbrook: Ward) -> Any:
    user = make_user("cleo")
    Membership.objects.create(user=user, ward=sparkbrook, role=Role.CLERK)
    return user


def _url(round: Round) -> str:
    return f"/rounds/{round.pk}/places/"


def _add(client: Client, round: Round, **data: str) -> Any:
    return client.post(_url(round), {"action": "add", **LIBRARY, **data})


def test_a_councillor_adds_changes_and_removes_a_polling_place(
    client: Client, councillor_sam: Any, proposals_round: Round
) -> None:
    login(client, councillor_sam)
    assert client.get(_url(proposals_round)).status_code == 200
    assert _add(client, proposals_round).status_code == 302
    place = PollingPlace.objects.get(round=proposals_round)
    # Cleaned as every place name is: one line, invisible characters gone; the address keeps
    # its lines.
    assert place.name == "Sparkbrook Library"
    assert place.address == "641 Stratford Road\nBirmingham B11 4EA"
    assert place.opening_times == "Saturdays 10:00-16:00 from 5 to 19 December"
    page = client.get(_url(proposals_round)).content.decode()
    assert "Sparkbrook Library" in page and f"/places/{place.pk}/" in page

    edit = f"/rounds/{proposals_round.pk}/places/{place.pk}/"
    assert client.get(edit).status_code == 200
    changed = client.post(edit, {"name": "Sparkbrook Library", "opening_times": "Sundays"})
    assert changed.status_code == 302
    place.refresh_from_db()
    assert place.opening_times == "Sundays" and place.address == ""

    removed = client.post(_url(proposals_round), {"action": "remove", "place": place.pk})
    assert removed.status_code == 302
    assert not PollingPlace.objects.exists()
    events = Event.objects.filter(kind=kinds.POLLING_PLACES_UPDATED, round_id=proposals_round.pk)
    assert [e.payload["action"] for e in events.order_by("seq")] == ["added", "changed", "removed"]
    assert all(e.actor_role == "councillor" for e in events)
    assert events.first().payload["place"]["name"] == "Sparkbrook Library"  # type: ignore[union-attr]


def test_the_help_desk_is_saved_and_shown_on_the_round_page_to_everyone(
    client: Client, councillor_sam: Any, proposals_round: Round
) -> None:
    login(client, councillor_sam)
    answer = client.post(
        _url(proposals_round),
        {
            "action": "help_desk",
            "desk-where": "Council House, Victoria Square",
            "desk-when": "Weekdays 9:00-17:00",
            "desk-phone": "0121 496 0000",
        },
    )
    assert answer.status_code == 302
    desk = HelpDesk.objects.get(round=proposals_round)
    assert desk.phone == "0121 496 0000"
    event = Event.objects.get(kind=kinds.HELP_DESK_UPDATED)
    assert event.payload["where"] == "Council House, Victoria Square"
    _add(client, proposals_round)
    # Saving the same details again records nothing new.
    same = {"desk-where": desk.where, "desk-when": desk.when, "desk-phone": desk.phone}
    client.post(_url(proposals_round), {"action": "help_desk", **same})
    assert Event.objects.filter(kind=kinds.HELP_DESK_UPDATED).count() == 1

    client.logout()
    page = client.get(f"/rounds/{proposals_round.pk}/").content.decode()
    assert "Vote on paper or with help" in page
    assert "Sparkbrook Library" in page and "Saturdays 10:00-16:00" in page
    assert "Council House, Victoria Square" in page and "0121 496 0000" in page
    assert _url(proposals_round) not in page  # the councillors' link is theirs only


def test_the_round_page_links_councillors_to_the_places_page(
    client: Client, councillor_sam: Any, proposals_round: Round
) -> None:
    login(client, councillor_sam)
    assert _url(proposals_round) in client.get(f"/rounds/{proposals_round.pk}/").content.decode()
    page = client.get(f"/rounds/{proposals_round.pk}/").content.decode()
    assert "Vote on paper or with help" not in page  # nothing to show yet


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"place-name": " \u200b "}, "This field is required."),
        ({"place-name": "x" * 121}, "at most 120 characters"),
        ({"place-address": "x" * 501}, "at most 500 characters"),
    ],
)
def test_bad_places_are_form_errors(
    client: Client, councillor_sam: Any, proposals_round: Round, data: dict[str, str], message: str
) -> None:
    login(client, councillor_sam)
    answer = _add(client, proposals_round, **data)
    assert answer.status_code == 400
    text = answer.content.decode()
    assert "There is a problem" in text and message in text
    assert not PollingPlace.objects.exists() and not Event.objects.exists()


def test_an_unknown_action_or_place_is_refused(
    client: Client, councillor_sam: Any, proposals_round: Round, aston: Ward
) -> None:
    login(client, councillor_sam)
    assert client.post(_url(proposals_round), {"action": "nonsense"}).status_code == 400
    elsewhere = PollingPlace.objects.create(round=make_round(aston), name="Aston Hall")
    answer = client.post(_url(proposals_round), {"action": "remove", "place": elsewhere.pk})
    assert answer.status_code == 404
    assert client.post(_url(proposals_round), {"action": "remove", "place": "x"}).status_code == 404
    assert client.get(f"/rounds/{proposals_round.pk}/places/{elsewhere.pk}/").status_code == 404
    assert PollingPlace.objects.filter(pk=elsewhere.pk).exists()


def test_a_round_has_at_most_ten_places(
    client: Client, councillor_sam: Any, proposals_round: Round
) -> None:
    for n in range(MAX_POLLING_PLACES):
        services.add_polling_place(proposals_round, by=councillor_sam, name=f"Place {n}")
    login(client, councillor_sam)
    answer = _add(client, proposals_round)
    assert answer.status_code == 400 and "at most 10 polling places" in answer.content.decode()
    assert PollingPlace.objects.count() == MAX_POLLING_PLACES


@pytest.mark.parametrize("phase", [Phase.CLOSED, Phase.PUBLISHED])
def test_places_are_final_once_voting_ends(
    client: Client, councillor_sam: Any, sparkbrook: Ward, phase: str
) -> None:
    round = make_round(sparkbrook, phase)
    place = PollingPlace.objects.create(round=round, name="Library")
    login(client, councillor_sam)
    assert client.get(_url(round)).status_code == 302
    assert _add(client, round).status_code == 302
    assert client.post(f"/rounds/{round.pk}/places/{place.pk}/", {"name": "New"}).status_code == 302
    with pytest.raises(ValidationError, match="can no longer change"):
        services.set_help_desk(round, by=councillor_sam, where="Here")
    place.refresh_from_db()
    assert PollingPlace.objects.count() == 1 and place.name == "Library"
    assert not Event.objects.exists()


@pytest.mark.parametrize(("persona", "status"), [
    ("resident_alice", 403), ("clerk_cleo", 403), ("councillor_bob", 403), ("auditor_carol", 403),
])  # fmt: skip
def test_only_the_wards_councillors_manage_places(
    client: Client, request: pytest.FixtureRequest, persona: str, status: int,
    proposals_round: Round,
) -> None:  # fmt: skip
    place = PollingPlace.objects.create(round=proposals_round, name="Library")
    login(client, request.getfixturevalue(persona))
    assert client.get(_url(proposals_round)).status_code == status
    assert _add(client, proposals_round).status_code == status
    edit = f"/rounds/{proposals_round.pk}/places/{place.pk}/"
    assert client.get(edit).status_code == status
    assert client.post(edit, {"name": "Renamed"}).status_code == status
    remove = {"action": "remove", "place": place.pk}
    assert client.post(_url(proposals_round), remove).status_code == status
    assert PollingPlace.objects.get().name == "Library" and not Event.objects.exists()
    with pytest.raises(PermissionDenied):
        services.add_polling_place(proposals_round, by=request.getfixturevalue(persona), name="X")


def test_anonymous_is_sent_to_sign_in(client: Client, proposals_round: Round) -> None:
    place = PollingPlace.objects.create(round=proposals_round, name="Library")
    for answer in (
        client.get(_url(proposals_round)),
        _add(client, proposals_round),
        client.get(f"/rounds/{proposals_round.pk}/places/{place.pk}/"),
    ):
        assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]
    assert PollingPlace.objects.count() == 1


def test_a_draft_is_not_found_by_others(
    client: Client, resident_alice: Any, draft_round: Round
) -> None:
    login(client, resident_alice)
    assert client.get(_url(draft_round)).status_code == 404


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_wrong_method(
    client: Client, councillor_sam: Any, proposals_round: Round, method: str
) -> None:
    place = PollingPlace.objects.create(round=proposals_round, name="Library")
    login(client, councillor_sam)
    assert getattr(client, method)(_url(proposals_round)).status_code == 405
    edit = f"/rounds/{proposals_round.pk}/places/{place.pk}/"
    assert getattr(client, method)(edit).status_code == 405
    assert PollingPlace.objects.count() == 1
