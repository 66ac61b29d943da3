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

from budgets.models import SEAL_BATCH_MAX, SEAL_BATCH_MIN, BallotType, Rule, Sat

RECOMMENDED_MARK = " (recommended)"

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
BALLOT_TYPES: dict[str, tuple[str, str]] = {
    BallotType.KNAPSACK: (
        "Choose projects up to the budget",
        "Voters tick the projects they want, as long as their total cost fits within the "
        "budget, so they weigh up costs as the council has to.",
    ),
    BallotType.APPROVAL: (
        "Tick the projects you support",
        "Voters tick every project they like, whatever it costs. You can set the fewest and "
        "most they may tick below.",
    ),
    BallotType.CUMULATIVE: (
        "Share out points",
        "Voters share out a number of points (set below) across the projects, giving more to "
        "the ones they care about most.",
    ),
    BallotType.RANKED: (
        "Put projects in order",
        "Voters number their favourite projects 1, 2, 3… up to the number set below. Only "
        "the Greedy rule can count this ballot.",
    ),
}

RULES: dict[str, tuple[str, str]] = {
    Rule.MES_ADD1: (
        "Equal Shares",
        "Every voter controls an equal share of the budget, so projects wanted by different "
        "groups all get a fair chance. The shares are raised step by step until as much of "
        "the budget as possible is spent.",
    ),
    Rule.MES: (
        "Equal Shares, without raising the shares",
        "Every voter controls an equal share of the budget, as above, but the shares are not "
        "raised afterwards, so a good part of the money can be left unspent.",
    ),
    Rule.GREEDY: (
        "Greedy",
        "The most popular projects first, until the money runs out. Simple to explain, but "
        "the biggest group of voters can take the whole budget.",
    ),
    Rule.OPTIMAL: (
        "Most support overall",
        "The set of projects that fits the budget with the most support in total. Like "
        "Greedy, it can leave smaller groups with nothing.",
    ),
    Rule.PHRAGMEN: (
        "Shared load (Phragmén)",
        "Funds projects one at a time, spreading each project's cost as evenly as possible "
        "across the people who voted for it, so no group carries more than its share.",
    ),
}

SATS: dict[str, tuple[str, str]] = {
    Sat.COST: (
        "The money spent on projects they chose",
        "A voter is better served the more money goes to projects they chose. Suits most rounds.",
    ),
    Sat.CARDINALITY: (
        "How many of their projects are funded",
        "Every funded project a voter chose counts the same, whatever it costs. Tends to "
        "favour more, smaller projects.",
    ),
}

PLAIN_CHOICES: dict[str, dict[str, tuple[str, str]]] = {
    "ballot_type": BALLOT_TYPES,
    "rule": RULES,
    "sat": SATS,
}

LABELS: dict[str, str] = {
    "proposals_start": "Proposals open",
    "proposals_end": "Proposals close",
    "review_start": "Review starts",
    "review_end": "Review ends",
    "voting_start": "Voting opens",
    "voting_end": "Voting closes",
    "ballot_type": "How do people vote?",
    "rule": "How are the votes counted?",
    "sat": "What counts as a voter getting what they voted for?",
    "max_points": "Points each voter shares out",
    "min_choices": "Fewest projects a voter must tick",
    "max_choices": "Most projects a voter may tick, or how many they put in order",
    "eligible_live": "People who live in the area may vote",
    "eligible_work": "People who work in the area may vote",
    "eligible_study": "People who study in the area may vote",
    "min_age": "Youngest age that may vote",
    "allow_postcode_voting": "Residents signed in with an account in the area may vote online "
    "(recommended)",
    "allow_code_voting": "People may vote with the code on their letter, online or on paper "
    "(recommended)",
    "seal_batch_size": "How many ballots to lock into the public record at a time",
    "support_stage": "Do residents shortlist the proposals first?",
    "support_start": "Support opens",
    "support_end": "Support closes",
    "support_limit": "Most proposals each resident may support",
    "shortlist_threshold": "Supports a proposal needs to be shortlisted",
    "shortlist_top": "How many of the most supported proposals are shortlisted",
}

HELP_TEXTS: dict[str, str] = {
    "ballot_type": "What a voter fills in, online and on paper.",
    "rule": "How the ballots become the list of funded projects.",
    "sat": "Only the Equal Shares, Greedy and Most support overall rules use this; the others "
    "always go by money. Leave it as recommended unless you have a reason.",
    "max_points": "Only for 'Share out points' ballots, e.g. 10.",
    "min_choices": "Only for 'Tick the projects you support' ballots. Leave empty for no minimum.",
    "max_choices": "For 'Tick the projects you support' ballots (leave empty for no limit) and "
    "'Put projects in order' ballots (needed).",
    "min_age": f"{RECOMMENDED['min_age']} (recommended) lets young people take part, as most UK "
    "participatory budgets do; use 18 to match council elections.",
    "allow_postcode_voting": "People with an account whose postcode is in the area vote "
    "without a letter.",
    "allow_code_voting": "Needed for the letters, paper ballots and the help desk.",
    "support_stage": "Optional. Residents of the area support the proposals they want to see "
    "go on, and only the shortlist does. Before review, councillors then check only the "
    "shortlist; before voting, the shortlist is the ballot. Set the rule before support opens: "
    "it cannot change once it has.",
    "support_limit": "Needed with a support stage, e.g. 3.",
    "shortlist_threshold": "Leave empty to shortlist by rank only. With both, the most "
    "supported go through only if they reach this number.",
    "shortlist_top": "Leave empty to shortlist by the number of supports only. Proposals tied "
    "with the last place all go through, so the shortlist can be a little longer.",
    "seal_batch_size": "Ballots are sealed into the public audit record in groups of at least "
    "this many, at most one group an hour, so the record's timing can never point to one "
    f"voter. {SEAL_BATCH_MIN} (recommended) suits most rounds; from {SEAL_BATCH_MIN} to "
    f"{SEAL_BATCH_MAX:,}.",
}

# The settings behind the form's "Advanced settings" section: most rounds never change them.
ADVANCED = ("sat", "seal_batch_size")


def plain_choices(field: str) -> list[tuple[str, str]]:
    """(value, short name) for a choice field, '(recommended)' after the recommended one."""
    return [
        (str(value), name + (RECOMMENDED_MARK if value == RECOMMENDED[field] else ""))
        for value, (name, _) in PLAIN_CHOICES[field].items()
    ]


def plain_name(field: str, value: str) -> str:
    """The short name of one choice ('Equal Shares'), or the value itself if it has none."""
    words = PLAIN_CHOICES[field].get(value)
    return words[0] if words else value


def descriptions(field: str) -> dict[str, str]:
    return {str(value): text for value, (_, text) in PLAIN_CHOICES[field].items()}


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
