"""Forms for delivery reports. They parse and explain; delivery.services decides."""

from __future__ import annotations

from typing import Any

from django import forms

from budgets.forms import PoundsField
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
from wards.fields import MultiLineField, SingleLineField


class DateInput(forms.DateInput):
    input_type = "date"


class UpdateForm(forms.Form):
    text = MultiLineField(
        label="What has happened?",
        help_text="Shown publicly with the date.",
        max_length=MAX_UPDATE_TEXT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    status = forms.ChoiceField(
        label="Status",
        choices=[("", "Unchanged"), *Status.choices],
        required=False,
    )
    cancelled_reason = MultiLineField(
        label="If cancelled: why (shown publicly)",
        required=False,
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    spent = PoundsField(
        label="Money spent to date, in pounds", required=False, help_text="Leave empty: unchanged."
    )
    final_cost = PoundsField(
        label="Final cost, in pounds", required=False, help_text="Once the project is finished."
    )
    hours_delivered = forms.IntegerField(
        label="Volunteer hours given since the last update",
        required=False,
        min_value=0,
        max_value=MAX_HOURS_PER_UPDATE,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    photo = forms.FileField(
        label="A photo",
        required=False,
        help_text=f"JPEG, PNG or WebP, at most {MAX_BYTES // (1024 * 1024)} MB. It is resized, and "
        "its location and camera details are removed before it is published.",
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    photo_alt = SingleLineField(
        label="What the photo shows",
        required=False,
        max_length=MAX_PHOTO_ALT,
        help_text="A few words for people who cannot see it. Needed with a photo.",
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
    title = SingleLineField(label="Milestone", max_length=MAX_MILESTONE_TITLE)
    planned_on = forms.DateField(label="Planned for", widget=DateInput)
    reached_on = forms.DateField(label="Reached on", required=False, widget=DateInput)


class ReachedForm(forms.Form):
    milestone = forms.IntegerField(widget=forms.HiddenInput)
    reached_on = forms.DateField(label="Reached on", widget=DateInput)


class UnspentForm(forms.Form):
    decision = forms.ChoiceField(
        label="What became of it", choices=UnspentDecision.choices, widget=forms.RadioSelect
    )
    amount = PoundsField(label="How much, in pounds")
    note = MultiLineField(
        label="A note (shown publicly)",
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
