"""Forms for rounds, proposals and reviews. They parse and explain; the services decide.

Money is typed in pounds and handed to the services in pence. The round form reuses
Round.clean() (through ModelForm validation), so the form and the database agree on which ballot
and rule combinations are allowed.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from budgets.models import (
    ALLOWED_RULES,
    MAX_DESCRIPTION,
    MAX_LOCATION,
    MAX_PARTNER,
    MAX_REASON,
    MAX_SUMMARY,
    MAX_TITLE,
    MIN_COST_PENCE,
    Proposal,
    ProposalStatus,
    ReviewDecision,
    Round,
    SupportStage,
)
from budgets.services import BALLOT_SETTINGS, PROPOSAL_SORTS, ROUND_FIELDS, SUPPORT_SETTINGS
from budgets.services.chest import room_for_new_round
from budgets.settings_words import (
    ADVANCED,
    HELP_TEXTS,
    LABELS,
    PLAIN_CHOICES,
    RECOMMENDED,
    DescribedRadioSelect,
    descriptions,
    plain_choices,
    plain_name,
)
from wards.fields import MultiLineField, PoundsField, SingleLineField
from wards.models import Neighbourhood, Ward
from wards.money import amount_example
from wards.numbers import display_pence
from wards.text import single_line

MAX_CATEGORIES = 30


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


DATE_FIELDS = [
    "proposals_start",
    "proposals_end",
    "review_start",
    "review_end",
    "voting_start",
    "voting_end",
    "support_start",
    "support_end",
]


class RoundForm(forms.ModelForm):
    """A round's settings. Ballot settings are shown but locked once voting has opened."""

    budget = PoundsField(
        label=_("Budget in pounds"),
        help_text=_("At most the ward's community chest; less when the chest is split."),
    )
    categories_text = forms.CharField(
        label=_("Categories"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One per line, e.g. Parks, Streets, Young people. Proposers choose one."),
    )
    title = SingleLineField(max_length=150, label=_("Title"))
    description = MultiLineField(
        max_length=5000,
        required=False,
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What the round is for, in plain words. Shown on the round's page."),
    )
    reason = MultiLineField(
        label=_("Why are you making this change? (optional, recorded in the public audit trail)"),
        required=False,
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    class Meta:
        model = Round
        # The services' editable fields, less the two this form edits in friendlier shapes
        # (the budget in pounds, the categories one per line).
        fields = [name for name in ROUND_FIELDS if name not in ("budget_pence", "categories")]
        widgets = {name: DateTimeInput() for name in DATE_FIELDS}
        # Plain words for every setting and choice: budgets/settings_words.py.
        labels = LABELS
        help_texts = HELP_TEXTS

    def __init__(self, *args: Any, ward: Ward, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.ward = ward
        self.fields["neighbourhood"].queryset = Neighbourhood.objects.filter(ward=ward)  # type: ignore[attr-defined]
        self.fields["neighbourhood"].label = gettext("Neighbourhood")
        self.fields["neighbourhood"].help_text = gettext(
            "Leave empty for a round across the whole ward."
        )
        self.fields["neighbourhood"].required = False
        if self.instance.pk:
            self.fields["budget"].initial = self.instance.budget_pence
            self.fields["categories_text"].initial = "\n".join(self.instance.categories)
        else:
            # What the ward's chest has left this budget year (create_round enforces it).
            room = room_for_new_round(ward)
            self.fields["budget"].initial = room.available_pence or ward.chest_pence
            if room.held_pence:
                self.fields["budget"].help_text = room.explain()
        self._use_plain_choices()
        if not self.instance.pk:
            # New rounds start from the recommended choices (see settings_words.RECOMMENDED).
            given = kwargs.get("initial") or {}
            self.initial.update({k: v for k, v in RECOMMENDED.items() if k not in given})
        self.allowed_combinations = [
            (
                plain_name("ballot_type", t),
                "; ".join(plain_name("rule", r) for r in PLAIN_CHOICES["rule"] if r in rules),
            )
            for t, rules in ALLOWED_RULES.items()
        ]
        # Optional for every caller that predates the support stage: empty means none.
        self.fields["support_stage"].required = False
        self.support_frozen = self.instance.support_frozen
        if self.support_frozen:
            for name in SUPPORT_SETTINGS:
                self.fields[name].disabled = True
        self.frozen = bool(self.instance.settings_frozen_at)
        if self.frozen:
            for name in BALLOT_SETTINGS:
                if name in self.fields:
                    self.fields[name].disabled = True
            self.fields["budget"].disabled = True

    def _use_plain_choices(self) -> None:
        """Radio buttons in plain words, with a sentence under each, for the choice fields."""
        for name in PLAIN_CHOICES:
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.widget = DescribedRadioSelect(descriptions=descriptions(name))
            field.choices = plain_choices(name)

    @property
    def advanced_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ADVANCED]

    @property
    def advanced_open(self) -> bool:
        """The advanced section starts open when one of its settings has an error."""
        return any(self[name].errors for name in ADVANCED)

    def clean_budget(self) -> int | None:
        pence = self.cleaned_data.get("budget")
        if pence is not None and pence < 1:
            raise forms.ValidationError(
                gettext("The budget must be more than %(zero)s.") % {"zero": display_pence(0)}
            )
        return pence

    def clean_support_stage(self) -> str:
        return self.cleaned_data.get("support_stage") or SupportStage.NONE

    def clean_categories_text(self) -> list[str]:
        text = self.cleaned_data.get("categories_text", "")
        lines = [single_line(line) for line in text.splitlines()]
        categories = list(dict.fromkeys(line for line in lines if line))
        if len(categories) > MAX_CATEGORIES:
            raise forms.ValidationError(
                gettext("Use at most %(most)s categories.") % {"most": MAX_CATEGORIES}
            )
        if any(len(c) > 60 for c in categories):
            raise forms.ValidationError(gettext("Keep each category to 60 characters or fewer."))
        return categories

    def _post_clean(self) -> None:
        # Round.clean() needs the budget before it runs, so it reports every problem at once.
        if self.cleaned_data.get("budget") is not None:
            self.instance.budget_pence = self.cleaned_data["budget"]
        self.instance.categories = self.cleaned_data.get("categories_text", [])
        super()._post_clean()  # type: ignore[misc]

    def _update_errors(self, errors: Any) -> None:
        # Model errors about budget_pence belong to the budget (pounds) field on this form.
        if hasattr(errors, "error_dict") and "budget_pence" in errors.error_dict:
            errors.error_dict["budget"] = errors.error_dict.pop("budget_pence")
        super()._update_errors(errors)  # type: ignore[misc]

    def round_settings(self) -> dict[str, Any]:
        """The cleaned settings, as keyword arguments for create_round/update_round."""
        values = {name: self.cleaned_data[name] for name in self.Meta.fields}
        values["budget_pence"] = self.cleaned_data["budget"]
        values["categories"] = self.cleaned_data["categories_text"]
        if self.frozen:
            for name in BALLOT_SETTINGS:
                values.pop(name, None)
        return values


class ProposalForm(forms.Form):
    title = SingleLineField(label=_("Title"), max_length=MAX_TITLE)
    summary = MultiLineField(
        label=_("Summary"), max_length=MAX_SUMMARY, widget=forms.Textarea(attrs={"rows": 3})
    )
    description = MultiLineField(
        label=_("Description"),
        max_length=MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_("What would happen, who it helps and how. Up to 5,000 characters."),
    )
    cost = PoundsField(label=_("Estimated cost in pounds"))
    category = forms.ChoiceField(label=_("Category"), required=False)
    location = SingleLineField(
        label=_("Location"),
        max_length=MAX_LOCATION,
        required=False,
        help_text=_("Where, e.g. 'Ladypool Road, by the park gates'. Optional."),
    )
    delivery_partner = SingleLineField(
        label=_("A group that would help deliver it (optional)"),
        max_length=MAX_PARTNER,
        required=False,
    )
    volunteer_hours = forms.IntegerField(
        label=_("Volunteer hours offered (optional)"),
        required=False,
        min_value=0,
        max_value=100_000,
    )

    def __init__(self, *args: Any, round: Round, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.round = round
        category = self.fields["category"]
        assert isinstance(category, forms.ChoiceField)
        if round.categories:
            choose = gettext("Choose a category")
            category.choices = [("", choose), *((c, c) for c in round.categories)]
            category.required = True
        else:
            category.widget = forms.HiddenInput()
        # Help texts with numbers are written here, in the language of the request.
        self.fields["title"].help_text = gettext(
            "A short name for your project, up to %(max)s characters."
        ) % {"max": MAX_TITLE}
        self.fields["summary"].help_text = gettext(
            "One or two sentences, up to %(max)s characters. Shown in the list."
        ) % {"max": MAX_SUMMARY}
        self.fields["cost"].help_text = gettext(
            "Your best guess, like 2500 or %(example)s. The councillors may check it. "
            "Between %(least)s and this round's budget of %(budget)s."
        ) % {
            "example": amount_example(),
            "least": display_pence(MIN_COST_PENCE),
            "budget": display_pence(round.budget_pence),
        }

    def clean_cost(self) -> int | None:
        pence = self.cleaned_data.get("cost")
        if pence is None:
            return None
        if pence < MIN_COST_PENCE:
            raise forms.ValidationError(
                gettext("The cost must be at least %(least)s.")
                % {"least": display_pence(MIN_COST_PENCE)}
            )
        if pence > self.round.budget_pence:
            raise forms.ValidationError(
                gettext("The cost cannot be more than this round's whole budget of %(budget)s.")
                % {"budget": display_pence(self.round.budget_pence)}
            )
        return pence

    def proposal_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["estimated_cost_pence"] = data.pop("cost")
        data["category"] = data.get("category") or ""
        return data

    @classmethod
    def initial_from(cls, proposal: Proposal) -> dict[str, Any]:
        return {
            "title": proposal.title,
            "summary": proposal.summary,
            "description": proposal.description,
            "cost": proposal.estimated_cost_pence,
            "category": proposal.category,
            "location": proposal.location,
            "delivery_partner": proposal.delivery_partner,
            "volunteer_hours": proposal.volunteer_hours,
        }


class WithdrawForm(forms.Form):
    reason = MultiLineField(
        label=_("Why are you withdrawing it? (optional, shown publicly)"),
        required=False,
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=ReviewDecision.choices,
        widget=forms.RadioSelect,
    )
    new_cost = PoundsField(
        label=_("New cost in pounds"),
        required=False,
        help_text=_(
            "Only for 'Feasible with a changed cost': the cost that will be on the ballot."
        ),
    )
    merged_into = forms.ModelChoiceField(
        label=_("Duplicate of"),
        queryset=Proposal.objects.none(),
        required=False,
        help_text=_("Only for 'Merged with a duplicate': the proposal that stays."),
    )
    reason = MultiLineField(
        label=_("Reason (shown to the proposer and the public)"),
        max_length=MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, proposal: Proposal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        self.fields["merged_into"].queryset = (  # type: ignore[attr-defined]
            proposal.round.proposals.standing().exclude(pk=proposal.pk).order_by("title")
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        decision = data.get("decision")
        if decision == ReviewDecision.FEASIBLE_CHANGED_COST and data.get("new_cost") is None:
            self.add_error("new_cost", gettext("Enter the new cost in pounds."))
        if decision == ReviewDecision.MERGED and not data.get("merged_into"):
            self.add_error("merged_into", gettext("Choose the proposal this one duplicates."))
        return data

    def review_fields(self) -> dict[str, Any]:
        """The cleaned form as budgets.services.decide_review's keyword arguments: the new cost
        only with 'feasible with a changed cost', the duplicate only with 'merged'."""
        data = self.cleaned_data
        decision = data["decision"]
        return {
            "decision": decision,
            "reason": data["reason"],
            "new_cost_pence": data["new_cost"]
            if decision == ReviewDecision.FEASIBLE_CHANGED_COST
            else None,
            "merged_into": data["merged_into"] if decision == ReviewDecision.MERGED else None,
        }


class ProposalFilterForm(forms.Form):
    """The list's filters; invalid values are ignored rather than refused."""

    category = forms.ChoiceField(required=False, label=_("Category"))
    status = forms.ChoiceField(required=False, label=_("Status"))
    sort = forms.ChoiceField(
        required=False,
        label=_("Sort by"),
        choices=[(k, label) for k, (label, _) in PROPOSAL_SORTS.items()],
    )

    def __init__(self, *args: Any, round: Round, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category = self.fields["category"]
        status = self.fields["status"]
        assert isinstance(category, forms.ChoiceField) and isinstance(status, forms.ChoiceField)
        category.choices = [("", gettext("All categories")), *((c, c) for c in round.categories)]
        status.choices = [("", gettext("All (not withdrawn)")), *ProposalStatus.choices]

    def values(self) -> dict[str, str]:
        if self.is_valid():
            return {k: v or "" for k, v in self.cleaned_data.items()}
        return {"category": "", "status": "", "sort": ""}
