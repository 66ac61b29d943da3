"""Where a round's voters vote on paper (its polling places) and get help (its help desk).

Councillors keep them on the round's pages until voting ends; the letters, the paper ballot and
the round's public page print them. Each change is a ledger event holding the new details: they
are public facts about public places, never about a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, gettext_lazy

import audit
from audit import kinds
from budgets.models import (
    MAX_PHONE,
    MAX_PLACE_NAME,
    MAX_PLACE_TEXT,
    MAX_POLLING_PLACES,
    HelpDesk,
    PollingPlace,
    Round,
    UserLike,
)
from budgets.services._common import _actor
from wards import access
from wards.access import Action
from wards.models import Role
from wards.numbers import display_number
from wards.text import multi_line, single_line

ENDED = gettext_lazy(
    "Voting in this round has ended, so its polling places and help desk can no longer change."
)


@dataclass(frozen=True)
class VotingPlaces:
    """A round's polling places (in the order they were added) and its help desk, if any."""

    polling_places: list[PollingPlace]
    help_desk: HelpDesk | None


def voting_places(round: Round) -> VotingPlaces:
    """What the letters, the paper ballot and the round page print about voting in person."""
    desk = HelpDesk.objects.filter(round=round).first()
    return VotingPlaces(
        polling_places=list(round.polling_places.all()),
        help_desk=None if desk is None or desk.empty else desk,
    )


def places_editable(round: Round) -> bool:
    """Polling places and the help desk can change until voting ends (not ballot settings:
    a place can move mid-vote without changing anyone's vote)."""
    return not round.finished


def _check(by: UserLike, round: Round) -> Round:
    access.require(by, Action.MANAGE_ROUND, round.ward)
    # Locks the round, so two councillors adding places at once cannot pass the limit together.
    locked = Round.objects.select_for_update().select_related("ward").get(pk=round.pk)
    if not places_editable(locked):
        raise ValidationError(ENDED)
    return locked


def _text(value: str, *, field: str, limit: int, one_line: bool) -> str:
    cleaned = single_line(value) if one_line else multi_line(value)
    if len(cleaned) > limit:
        raise ValidationError(
            {
                field: gettext("Keep this to %(limit)s characters or fewer.")
                % {"limit": display_number(limit)}
            }
        )
    return cleaned


def _place_fields(name: str, address: str, opening_times: str) -> dict[str, str]:
    values = {
        "name": _text(name, field="name", limit=MAX_PLACE_NAME, one_line=True),
        "address": _text(address, field="address", limit=MAX_PLACE_TEXT, one_line=False),
        "opening_times": _text(
            opening_times, field="opening_times", limit=MAX_PLACE_TEXT, one_line=False
        ),
    }
    if not values["name"]:
        raise ValidationError({"name": gettext("Give the polling place's name.")})
    return values


def _public(place: PollingPlace) -> dict[str, Any]:
    return {
        "id": place.pk,
        "name": place.name,
        "address": place.address,
        "opening_times": place.opening_times,
    }


def _record_place(round: Round, by: UserLike, action: str, place: PollingPlace) -> None:
    audit.record(
        kinds.POLLING_PLACES_UPDATED,
        ward=round.ward,
        round=round,
        actor=_actor(by, round.ward, Role.COUNCILLOR),
        payload={"action": action, "place": _public(place)},
    )


@transaction.atomic
def add_polling_place(
    round: Round, *, by: UserLike, name: str, address: str = "", opening_times: str = ""
) -> PollingPlace:
    """A new polling place for the round (at most MAX_POLLING_PLACES: what a letter can list)."""
    round = _check(by, round)
    values = _place_fields(name, address, opening_times)
    if (same := round.polling_places.filter(**values).first()) is not None:
        return same  # the same place sent again (a double click): it is there already
    if round.polling_places.count() >= MAX_POLLING_PLACES:
        raise ValidationError(
            gettext(
                "A round can have at most %(most)s polling places: that is what one "
                "letter can list. Remove one first."
            )
            % {"most": MAX_POLLING_PLACES}
        )
    place = PollingPlace(round=round, **values)
    place.full_clean(validate_unique=False)
    place.save()
    _record_place(round, by, "added", place)
    return place


@transaction.atomic
def change_polling_place(
    place: PollingPlace, *, by: UserLike, name: str, address: str = "", opening_times: str = ""
) -> PollingPlace:
    round = _check(by, place.round)
    place = PollingPlace.objects.select_for_update().get(pk=place.pk, round=round)
    values = _place_fields(name, address, opening_times)
    if all(getattr(place, k) == v for k, v in values.items()):
        return place
    for key, value in values.items():
        setattr(place, key, value)
    place.full_clean(validate_unique=False)
    place.save()
    _record_place(round, by, "changed", place)
    return place


@transaction.atomic
def remove_polling_place(place: PollingPlace, *, by: UserLike) -> None:
    round = _check(by, place.round)
    place = PollingPlace.objects.select_for_update().get(pk=place.pk, round=round)
    _record_place(round, by, "removed", place)
    place.delete()


@transaction.atomic
def set_help_desk(
    round: Round, *, by: UserLike, where: str = "", when: str = "", phone: str = ""
) -> HelpDesk:
    """Where, when and on which number the round's help desk helps voters; all empty means
    the letters fall back to 'ask your councillors'."""
    round = _check(by, round)
    values = {
        "where": _text(where, field="where", limit=MAX_PLACE_TEXT, one_line=False),
        "when": _text(when, field="when", limit=MAX_PLACE_TEXT, one_line=False),
        "phone": _text(phone, field="phone", limit=MAX_PHONE, one_line=True),
    }
    desk, _ = HelpDesk.objects.select_for_update().get_or_create(round=round)
    if all(getattr(desk, k) == v for k, v in values.items()):
        return desk
    for key, value in values.items():
        setattr(desk, key, value)
    desk.full_clean(exclude=["round"], validate_unique=False)
    desk.save()
    audit.record(
        kinds.HELP_DESK_UPDATED,
        ward=round.ward,
        round=round,
        actor=_actor(by, round.ward, Role.COUNCILLOR),
        payload=values,
    )
    return desk
