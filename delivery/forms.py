"""Forms for delivery reports. They parse and explain; delivery.services decides."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from budgets.models import MAX_REASON
from delivery.models import (
    MAX_HOURS_PER_UPDATE,
    MAX_MILESTONE_TITLE,
    MAX_NOTE,
    MAX_PHOTO_ALT,
    MAX_UPDATE_TEXT,
    Status,
    UnspentDecision,
)
from delivery.photos import MAX_BYTES
from wards.fields import MultiLineField, PoundsField, SingleLineField


class DateInput(forms.DateInput):
    input_type = "date"


class UpdateForm(forms.Form):
    text = MultiLineField(
        label=_("What has happened?"),
        help_text=_("Shown publicly with the date."),
        max_length=MAX_UPDATE_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Unchanged")), *Status.choices],
        required=False,
    )
    cancelled_reason = MultiLineField(
        label=_("If cancelled: why (shown publicly)"),
        required=False,
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    spent = PoundsField(
        label=_("Money spent to date, in pounds"),
        required=False,
        help_text=_("Leave empty: unchanged."),
    )
    final_cost = PoundsField(
        label=_("Final cost, in pounds"),
        required=False,
        help_text=_("Once the project is finished."),
    )
    hours_delivered = forms.IntegerField(
        label=_("Volunteer hours given since the last update"),
        required=False,
        min_value=0,
        max_value=MAX_HOURS_PER_UPDATE,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    photo = forms.FileField(
        label=_("A photo"),
        required=False,
        help_text=format_lazy(
            _(
                "JPEG, PNG or WebP, at most {most} MB. It is resized, and its location and camera "
                "details are removed before it is published."
            ),
            most=MAX_BYTES // (1024 * 1024),
        ),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    photo_alt = SingleLineField(
        label=_("What the photo shows"),
        required=False,
        max_length=MAX_PHOTO_ALT,
        help_text=_("A few words for people who cannot see it. Needed with a photo."),
    )

    def update_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "text": data["text"],
            "status": data["status"],
            "cancelled_reason": data["cancelled_reason"],
            "spent_pence": data["spent"],
            "final_cost_pence": data["final_cost"],
            "hours_delivered": data["hours_delivered"],
            "photo": data["photo"] or None,
            "photo_alt": data["photo_alt"],
        }


class MilestoneForm(forms.Form):
    title = SingleLineField(label=_("Milestone"), max_length=MAX_MILESTONE_TITLE)
    planned_on = forms.DateField(label=_("Planned for"), widget=DateInput)
    reached_on = forms.DateField(label=_("Reached on"), required=False, widget=DateInput)


class ReachedForm(forms.Form):
    milestone = forms.IntegerField(widget=forms.HiddenInput)
    reached_on = forms.DateField(label=_("Reached on"), widget=DateInput)


class UnspentForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("What became of it"), choices=UnspentDecision.choices, widget=forms.RadioSelect
    )
    amount = PoundsField(label=_("How much, in pounds"))
    note = MultiLineField(
        label=_("A note (shown publicly)"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
