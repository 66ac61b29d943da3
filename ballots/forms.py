"""Forms for the voting pages: the paper-batch entry form, the receipt lookup and issuing codes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from ballots import codes
from ballots.code_batches import new_batch_secret
from ballots.letter_languages import language_choices
from ballots.paper_ballot import paper_numbers, selection_from_numbers
from ballots.voting_codes import MAX_CODES_PER_REQUEST, UNKNOWN_LANGUAGE
from budgets.models import BallotType, PollingPlace, Round
from wards.fields import SingleLineField
from wards.numbers import lazy_number


class ReceiptForm(forms.Form):
    receipt = forms.CharField(
        label=_("Your receipt"),
        max_length=40,
        help_text=_("For example 7KQ2-M9XD-4TPA-H3NE."),
    )

    def clean_receipt(self) -> str:
        """The receipt in its printed form (7KQ2-M9XD-4TPA-H3NE), whatever spacing was typed."""
        try:
            return codes.normalise_receipt(self.cleaned_data["receipt"])
        except codes.CodeFormatError as exc:
            raise forms.ValidationError(
                gettext("%(problem)s Receipts never contain 0, 1, O or I.") % {"problem": exc}
            ) from None


# More ballot papers than any polling place handles; bounds the counts the database stores.
MAX_PAPERS = 1_000_000


class PaperAccountForm(forms.Form):
    """A paper batch's polling place and ballot-paper account, typed or ticked alike."""

    polling_place = SingleLineField(max_length=120, label=_("Polling place"))
    issued = forms.IntegerField(min_value=0, max_value=MAX_PAPERS, label=_("Ballot papers issued"))
    spoilt = forms.IntegerField(min_value=0, max_value=MAX_PAPERS, label=_("Spoilt"))
    unused = forms.IntegerField(min_value=0, max_value=MAX_PAPERS, label=_("Unused"))
    cast = forms.IntegerField(min_value=0, max_value=MAX_PAPERS, label=_("Cast (in the box)"))


class PaperBatchForm(PaperAccountForm):
    """A paper batch typed: one line per ballot, its code and the paper ballot's numbers."""

    ballots = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        label=_("Ballots, one per line"),
        max_length=500_000,
    )

    def __init__(self, *args: Any, round: Round, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.round = round
        self.fields["ballots"].help_text = {
            BallotType.CUMULATIVE: gettext("The code, a colon, then project=points: %(example)s")
            % {"example": "ABCDEF-GHJKLM-NPQRST: 1=3, 4=2"},
            BallotType.RANKED: gettext(
                "The code, a colon, then project numbers in the voter's order: %(example)s"
            )
            % {"example": "ABCDEF-GHJKLM-NPQRST: 3, 1, 2"},
        }.get(
            BallotType(round.ballot_type),
            gettext("The code, a colon, then the project numbers marked: %(example)s")
            % {"example": "ABCDEF-GHJKLM-NPQRST: 1, 3, 4"},
        )

    def clean_ballots(self) -> list[dict[str, Any]]:
        lines = [line.strip() for line in self.cleaned_data["ballots"].splitlines()]
        numbers = paper_numbers(self.round)
        parsed: list[dict[str, Any]] = []
        problems: list[str] = []
        for number, line in enumerate((line for line in lines if line), start=1):
            if ":" not in line:
                raise forms.ValidationError(
                    gettext("Line %(number)s has no colon between the code and the projects.")
                    % {"number": number}
                )
            code, marks = line.split(":", 1)
            items = [m.strip() for m in marks.split(",") if m.strip()]
            if self.round.ballot_type == BallotType.CUMULATIVE:
                points: dict[str, str] = {}
                for item in items:
                    if "=" not in item:
                        raise forms.ValidationError(
                            gettext("Line %(number)s: write points as project=points, like 1=3.")
                            % {"number": number}
                        )
                    pid, n = item.split("=", 1)
                    points[pid.strip()] = n.strip()
                typed: dict[str, Any] = {"code": code.strip(), "points": points}
            elif self.round.ballot_type == BallotType.RANKED:
                typed = {"code": code.strip(), "ranking": items}
            else:
                typed = {"code": code.strip(), "projects": items}
            try:
                parsed.append(selection_from_numbers(self.round, typed, numbers))
            except forms.ValidationError as exc:
                problems.append(
                    gettext("Ballot %(number)s: %(problem)s")
                    % {"number": number, "problem": " ".join(exc.messages)}
                )
        if problems:
            raise forms.ValidationError(problems)
        return parsed


class IssueCodesForm(forms.Form):
    """The voting desk's form for a batch of codes and their letters."""

    count = forms.IntegerField(
        min_value=1,
        max_value=MAX_CODES_PER_REQUEST,
        label=_("How many codes"),
        help_text=format_lazy(
            _("One letter each; between 1 and {count} at a time."),
            count=lazy_number(MAX_CODES_PER_REQUEST),
        ),
    )
    polling_place = forms.ModelChoiceField(
        queryset=PollingPlace.objects.none(),
        required=False,
        empty_label=_("None: list all the round's polling places"),
        label=_("Polling place to print first (optional)"),
        help_text=_(
            "The place these letters' readers live nearest. Every letter lists the "
            "round's polling places; the one chosen here is printed first and largest."
        ),
    )
    language = forms.ChoiceField(
        choices=language_choices(),
        initial="en",
        label=_("Language of the letters' extra line"),
        help_text=_(
            "The letter is in English, with one line in this language telling the "
            "reader they can vote and get help at the help desk."
        ),
        error_messages={"invalid_choice": UNKNOWN_LANGUAGE},
    )

    # This render's batch secret (ballots.code_batches): the same form sent twice is one batch.
    batch = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, round: Round, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["batch"] = new_batch_secret()
        self.fields["polling_place"].queryset = round.polling_places.all()  # type: ignore[attr-defined]
        self.fields["polling_place"].error_messages["invalid_choice"] = gettext(
            "Choose one of this round's polling places, or none."
        )
