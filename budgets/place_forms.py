"""Forms for a round's polling places and help desk. They parse; budgets.services.places decides
(and cleans the text again, whoever calls)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from budgets.models import MAX_PHONE, MAX_PLACE_NAME, MAX_PLACE_TEXT, HelpDesk, PollingPlace
from wards.fields import MultiLineField, SingleLineField


class PollingPlaceForm(forms.Form):
    name = SingleLineField(
        max_length=MAX_PLACE_NAME,
        label=_("Name"),
        help_text=_("As voters know it, e.g. Sparkbrook Community Library."),
    )
    address = MultiLineField(
        max_length=MAX_PLACE_TEXT,
        required=False,
        label=_("Address"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Street and postcode, one line or several."),
    )
    opening_times = MultiLineField(
        max_length=MAX_PLACE_TEXT,
        required=False,
        label=_("When it is open for voting"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("In words, e.g. Saturdays 10:00-16:00 from 5 to 19 December."),
    )

    @classmethod
    def initial_from(cls, place: PollingPlace) -> dict[str, Any]:
        return {"name": place.name, "address": place.address, "opening_times": place.opening_times}


class HelpDeskForm(forms.Form):
    where = MultiLineField(
        max_length=MAX_PLACE_TEXT,
        required=False,
        label=_("Where"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Where a councillor or clerk helps people vote, e.g. Sparkbrook Community "
            "Library, 641 Stratford Road."
        ),
    )
    when = MultiLineField(
        max_length=MAX_PLACE_TEXT,
        required=False,
        label=_("When"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("In words, e.g. Weekdays 9:00-17:00 while voting is open."),
    )
    phone = SingleLineField(
        max_length=MAX_PHONE,
        required=False,
        label=_("Phone number"),
        help_text=_("A council number voters can ring for help, never a personal one."),
    )

    @classmethod
    def initial_from(cls, desk: HelpDesk | None) -> dict[str, Any]:
        if desk is None:
            return {}
        return {"where": desk.where, "when": desk.when, "phone": desk.phone}
