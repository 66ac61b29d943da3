"""A round's settings in plain words, for the councillors' settings form.

Each choice gets a short name, a sentence saying what it does, and a recommended default, so
that a councillor who has never read about voting rules can choose well. The value codes
(`mes`, `cardinality`, …) stay what the database, the API and the tally core use; only the
words a person reads are here. The models' own labels (the admin, the API's choices) are kept as
they are, so nothing here needs a migration.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from budgets.models import SEAL_BATCH_MAX, SEAL_BATCH_MIN, BallotType, Rule, Sat
from wards.numbers import lazy_number

# What a new round starts with. Round's own model defaults stay as they were (the greedy rule),
# because the API, the demo and many tests create rounds without naming a rule; the form
# starts new rounds here instead.
RECOMMENDED: dict[str, Any] = {
    "ballot_type": BallotType.KNAPSACK.value,
    # Equal Shares completed by raising every voter's share (add1): as fair as plain Equal Shares,
    # without leaving much of the chest unspent, which residents notice and dislike.
    "rule": Rule.MES_ADD1.value,
    "sat": Sat.COST.value,
    "min_age": 16,
    "seal_batch_size": SEAL_BATCH_MIN,
}

# value -> (short name, what it does); in the order the form offers them, recommended first.
BALLOT_TYPES: dict[str, tuple[Promise, Promise]] = {
    BallotType.KNAPSACK: (
        _("Choose projects up to the budget"),
        _(
            "Voters tick the projects they want, as long as their total cost fits within the "
            "budget, so they weigh up costs as the council has to."
        ),
    ),
    BallotType.APPROVAL: (
        _("Tick the projects you support"),
        _(
            "Voters tick every project they like, whatever it costs. You can set the fewest and "
            "most they may tick below."
        ),
    ),
    BallotType.CUMULATIVE: (
        _("Share out points"),
        _(
            "Voters share out a number of points (set below) across the projects, giving more to "
            "the ones they care about most."
        ),
    ),
    BallotType.RANKED: (
        _("Put projects in order"),
        _(
            "Voters number their favourite projects 1, 2, 3… up to the number set below. Only "
            "the Greedy rule can count this ballot."
        ),
    ),
}

RULES: dict[str, tuple[Promise, Promise]] = {
    Rule.MES_ADD1: (
        _("Equal Shares"),
        _(
            "Every voter controls an equal share of the budget, so projects wanted by different "
            "groups all get a fair chance. The shares are raised step by step until as much of "
            "the budget as possible is spent."
        ),
    ),
    Rule.MES: (
        _("Equal Shares, without raising the shares"),
        _(
            "Every voter controls an equal share of the budget, as above, but the shares are not "
            "raised afterwards, so a good part of the money can be left unspent."
        ),
    ),
    Rule.GREEDY: (
        _("Greedy"),
        _(
            "The most popular projects first, until the money runs out. Simple to explain, but "
            "the biggest group of voters can take the whole budget."
        ),
    ),
    Rule.OPTIMAL: (
        _("Most support overall"),
        _(
            "The set of projects that fits the budget with the most support in total. Like "
            "Greedy, it can leave smaller groups with nothing."
        ),
    ),
    Rule.PHRAGMEN: (
        _("Shared load (Phragmén)"),
        _(
            "Funds projects one at a time, spreading each project's cost as evenly as possible "
            "across the people who voted for it, so no group carries more than its share."
        ),
    ),
}

SATS: dict[str, tuple[Promise, Promise]] = {
    Sat.COST: (
        _("The money spent on projects they chose"),
        _(
            "A voter is better served the more money goes to projects they chose. "
            "Suits most rounds."
        ),
    ),
    Sat.CARDINALITY: (
        _("How many of their projects are funded"),
        _(
            "Every funded project a voter chose counts the same, whatever it costs. Tends to "
            "favour more, smaller projects."
        ),
    ),
}

PLAIN_CHOICES: dict[str, dict[str, tuple[Promise, Promise]]] = {
    "ballot_type": BALLOT_TYPES,
    "rule": RULES,
    "sat": SATS,
}

LABELS: dict[str, Promise] = {
    "proposals_start": _("Proposals open"),
    "proposals_end": _("Proposals close"),
    "review_start": _("Review starts"),
    "review_end": _("Review ends"),
    "voting_start": _("Voting opens"),
    "voting_end": _("Voting closes"),
    "ballot_type": _("How do people vote?"),
    "rule": _("How are the votes counted?"),
    "sat": _("What counts as a voter getting what they voted for?"),
    "max_points": _("Points each voter shares out"),
    "min_choices": _("Fewest projects a voter must tick"),
    "max_choices": _("Most projects a voter may tick, or how many they put in order"),
    "eligible_live": _("People who live in the area may vote"),
    "eligible_work": _("People who work in the area may vote"),
    "eligible_study": _("People who study in the area may vote"),
    "min_age": _("Youngest age that may vote"),
    "allow_postcode_voting": _(
        "Residents signed in with an account in the area may vote online (recommended)"
    ),
    "allow_code_voting": _(
        "People may vote with the code on their letter, online or on paper (recommended)"
    ),
    "seal_batch_size": _("How many ballots to lock into the public record at a time"),
    "support_stage": _("Do residents shortlist the proposals first?"),
    "support_start": _("Support opens"),
    "support_end": _("Support closes"),
    "support_limit": _("Most proposals each resident may support"),
    "shortlist_threshold": _("Supports a proposal needs to be shortlisted"),
    "shortlist_top": _("How many of the most supported proposals are shortlisted"),
}

HELP_TEXTS: dict[str, str | Promise] = {
    "ballot_type": _("What a voter fills in, online and on paper."),
    "rule": _("How the ballots become the list of funded projects."),
    "sat": _(
        "Only the Equal Shares, Greedy and Most support overall rules use this; the others "
        "always go by money. Leave it as recommended unless you have a reason."
    ),
    "max_points": _("Only for 'Share out points' ballots, e.g. 10."),
    "min_choices": _(
        "Only for 'Tick the projects you support' ballots. Leave empty for no minimum."
    ),
    "max_choices": _(
        "For 'Tick the projects you support' ballots (leave empty for no limit) and "
        "'Put projects in order' ballots (needed)."
    ),
    "min_age": format_lazy(
        _(
            "{age} (recommended) lets young people take part, as most UK participatory budgets "
            "do; use 18 to match council elections."
        ),
        age=RECOMMENDED["min_age"],
    ),
    "allow_postcode_voting": _(
        "People with an account whose postcode is in the area vote without a letter."
    ),
    "allow_code_voting": _("Needed for the letters, paper ballots and the help desk."),
    "support_stage": _(
        "Optional. Residents of the area support the proposals they want to see "
        "go on, and only the shortlist does. Before review, councillors then check only the "
        "shortlist; before voting, the shortlist is the ballot. Set the rule before support opens: "
        "it cannot change once it has."
    ),
    "support_limit": _("Needed with a support stage, e.g. 3."),
    "shortlist_threshold": _(
        "Leave empty to shortlist by rank only. With both, the most "
        "supported go through only if they reach this number."
    ),
    "shortlist_top": _(
        "Leave empty to shortlist by the number of supports only. Proposals tied "
        "with the last place all go through, so the shortlist can be a little longer."
    ),
    "seal_batch_size": format_lazy(
        _(
            "Ballots are sealed into the public audit record in groups of at least this many, at "
            "most one group an hour, so the record's timing can never point to one voter. {least} "
            "(recommended) suits most rounds; from {least} to {most}."
        ),
        least=SEAL_BATCH_MIN,
        most=lazy_number(SEAL_BATCH_MAX),
    ),
}

# The settings behind the form's "Advanced settings" section: most rounds never change them.
ADVANCED = ("sat", "seal_batch_size")


def plain_choices(field: str) -> list[tuple[str, str]]:
    """(value, short name) for a choice field, '(recommended)' after the recommended one."""
    return [
        (
            str(value),
            gettext("%(name)s (recommended)") % {"name": name}
            if value == RECOMMENDED[field]
            else str(name),
        )
        for value, (name, _text) in PLAIN_CHOICES[field].items()
    ]


def plain_name(field: str, value: str) -> str:
    """The short name of one choice ('Equal Shares'), or the value itself if it has none."""
    words = PLAIN_CHOICES[field].get(value)
    return str(words[0]) if words else value


def descriptions(field: str) -> dict[str, str]:
    return {str(value): str(text) for value, (_name, text) in PLAIN_CHOICES[field].items()}


class DescribedRadioSelect(forms.RadioSelect):
    """Radio buttons with a sentence under each choice, tied to it by aria-describedby; the
    template reads it as `radio.data.description` (budgets/_forms.html#field)."""

    def __init__(self, *, descriptions: Mapping[str, str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.descriptions = dict(descriptions)

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option: dict[str, Any] = super().create_option(*args, **kwargs)
        text = self.descriptions.get(str(option["value"]), "")
        option["description"] = text
        if text and option["attrs"].get("id"):
            option["description_id"] = f"{option['attrs']['id']}_description"
            option["attrs"]["aria-describedby"] = option["description_id"]
        return option
