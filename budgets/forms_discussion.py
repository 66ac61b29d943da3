"""Forms for the discussion and its moderation. They parse and explain; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from budgets.models_discussion import (
    MAX_COMMENT,
    MAX_HIDE_REASON,
    MAX_REPORT_DETAIL,
    ReportReason,
)
from budgets.services.moderation import Decision
from wards.fields import MultiLineField, SingleLineField
from wards.numbers import display_number


class CommentForm(forms.Form):
    body = MultiLineField(
        label=_("Your comment"),
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    reply_to = forms.IntegerField(
        required=False, widget=forms.HiddenInput, min_value=1, max_value=2**63 - 1
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = gettext(
            "Plain text, up to %(max)s characters. It is shown with your username. "
            "You can change it for 15 minutes after posting, and delete it at any time."
        ) % {"max": display_number(MAX_COMMENT)}


class CommentEditForm(forms.Form):
    body = MultiLineField(
        label=_("Your comment"),
        max_length=MAX_COMMENT,
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].help_text = gettext("Plain text, up to %(max)s characters.") % {
            "max": display_number(MAX_COMMENT)
        }


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Why should the ward's councillors look at this?"),
        choices=ReportReason.choices,
        widget=forms.RadioSelect,
    )
    detail = MultiLineField(
        label=_("Anything they should know"),
        required=False,
        max_length=MAX_REPORT_DETAIL,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the ward's councillors see this. Your name is never shown to anyone."),
    )


class ModerationForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Your decision"), choices=Decision.CHOICES, widget=forms.RadioSelect
    )
    reason = SingleLineField(
        label=_("Public reason for hiding it"),
        required=False,
        max_length=MAX_HIDE_REASON,
        help_text=format_lazy(
            _(
                "Shown in its place: “Hidden by the ward's councillors: (your reason)”, and "
                "recorded in the public ledger. Up to {most} characters."
            ),
            most=MAX_HIDE_REASON,
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == Decision.HIDE and not data.get("reason"):
            self.add_error(
                "reason", gettext("Give the reason for hiding it; it is shown publicly.")
            )
        return data
