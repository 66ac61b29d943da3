"""A published result in words a resident understands (reading age about 9 to 11).

The tally core explains each project precisely, for auditors ("funded in round 3: its 41
supporters each paid at most £812.50 …"). Residents get one short sentence per project, the
counting rule in one sentence and what happens to the money left over. The results page shows
these first and keeps the core's own words one click away.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.utils.translation import get_language, gettext, gettext_noop, ngettext

from budgets.models import Round, Rule
from wards.numbers import display_number, display_pence

# One sentence per rule, no jargon: what decides which projects get the money.
RULE_SENTENCES: dict[str, str] = {
    Rule.MES_ADD1: (
        gettext_noop(
            "Every voter had an equal share of the money, so the choices of smaller groups "
            "counted too, and then as much of the money as possible was spent."
        )
    ),
    Rule.MES: (
        gettext_noop(
            "Every voter had an equal share of the money, so the choices of smaller groups "
            "counted too."
        )
    ),
    Rule.GREEDY: gettext_noop(
        "The projects with the most votes were funded first, until the money ran out."
    ),
    Rule.OPTIMAL: gettext_noop(
        "The group of projects with the most votes in total that fitted the money won."
    ),
    Rule.PHRAGMEN: (
        gettext_noop(
            "Projects were funded one at a time, sharing the cost fairly among the people who "
            "chose them."
        )
    ),
}

# What the core calls the things a voter gives (result_json "vote_type").
VOTE_WORDS: dict[str, tuple[str, str]] = {
    "approval": ("vote", "votes"),
    "cumulative": ("point", "points"),
    "ordinal": ("point", "points"),
}


@dataclass(frozen=True)
class PlainProject:
    """One project of a published result, with the sentence a resident reads."""

    id: str
    title: str
    cost: int
    votes: int
    selected: bool
    sentence: str
    precise: str  # the tally core's own explanation, for auditors (in English)
    needed_sentence: str = ""  # how many more votes it would have needed, exactly


@dataclass(frozen=True)
class PlainResult:
    rule_sentence: str
    projects: list[PlainProject]
    spent: int
    budget: int
    left_over: int
    left_over_sentence: str
    chart_description: str = ""


def _count(n: int, words: tuple[str, str]) -> str:
    return f"{n:,} {words[0] if n == 1 else words[1]}"


def _people(n: int) -> str:
    return f"{n:,} {'person' if n == 1 else 'people'}"


def _about(n: int) -> int:
    """A number of votes as a resident would say it: 37 → 40, 4 → 4, 1,234 → 1,200."""
    if n < 10:
        return n
    if n < 100:
        return round(n, -1)
    if n < 1000:
        return round(n, -1)
    return round(n, -2)


def project_sentence(project: Mapping[str, Any], *, vote_type: str, budget: int) -> str:
    """Why this project won or lost, in one short sentence."""
    words = VOTE_WORDS.get(vote_type, ("vote", "votes"))
    votes = int(float(project.get("votes", 0)))
    cost = int(project.get("cost", 0))
    if project.get("selected"):
        if vote_type == "approval":
            return ngettext(
                "Funded: %(count)s person chose it and it fitted the money left.",
                "Funded: %(count)s people chose it and it fitted the money left.",
                votes,
            ) % {"count": display_number(votes)}
        if words[1] == "points":
            return ngettext(
                "Funded: it got %(count)s point and it fitted the money left.",
                "Funded: it got %(count)s points and it fitted the money left.",
                votes,
            ) % {"count": display_number(votes)}
        return ngettext(
            "Funded: it got %(count)s vote and it fitted the money left.",
            "Funded: it got %(count)s votes and it fitted the money left.",
            votes,
        ) % {"count": display_number(votes)}
    if cost > budget:
        return gettext("Not funded: it cost more than all the money there was.")
    if votes == 0:
        return gettext("Not funded: nobody chose it.")
    needed = project.get("votes_needed")
    if needed:
        about = _about(int(needed))
        count = {"count": display_number(about)}
        if words[1] == "points":
            if about == int(needed):
                return (
                    ngettext(
                        "Not funded: it needed %(count)s more point.",
                        "Not funded: it needed %(count)s more points.",
                        about,
                    )
                    % count
                )
            return (
                ngettext(
                    "Not funded: it needed about %(count)s more point.",
                    "Not funded: it needed about %(count)s more points.",
                    about,
                )
                % count
            )
        if about == int(needed):
            return (
                ngettext(
                    "Not funded: it needed %(count)s more vote.",
                    "Not funded: it needed %(count)s more votes.",
                    about,
                )
                % count
            )
        return (
            ngettext(
                "Not funded: it needed about %(count)s more vote.",
                "Not funded: it needed about %(count)s more votes.",
                about,
            )
            % count
        )
    return gettext("Not funded: there was not enough money left for it.")


def left_over_sentence(left_over: int) -> str:
    """What happens to money the vote did not spend."""
    if left_over <= 0:
        return gettext("All the money was spent.")
    return gettext(
        "%(amount)s was not spent, because no other project fitted the money left. "
        "The ward's councillors decide what happens to it."
    ) % {"amount": display_pence(left_over)}


def plain_result(
    round: Round,
    outcome: Mapping[str, Any],
    titles: Mapping[str, str],
) -> PlainResult:
    """The whole result in plain words: the rule, each project, the money left over."""
    budget = int(outcome.get("budget", round.budget_pence))
    spent = int(outcome.get("spent", 0))
    vote_type = str(outcome.get("vote_type", "approval"))
    projects = [
        PlainProject(
            id=str(p["id"]),
            title=titles.get(str(p["id"]), str(p["id"])),
            cost=int(p["cost"]),
            votes=int(float(p["votes"])),
            selected=bool(p["selected"]),
            sentence=project_sentence(p, vote_type=vote_type, budget=budget),
            precise=_precise(p),
            needed_sentence=_needed_sentence(p, vote_type=vote_type),
        )
        for p in outcome.get("projects", [])
    ]
    projects.sort(key=lambda p: (not p.selected, -p.votes, p.title))
    left = max(0, budget - spent)
    return PlainResult(
        rule_sentence=gettext(RULE_SENTENCES[round.rule]) if round.rule in RULE_SENTENCES else "",
        projects=projects,
        spent=spent,
        budget=budget,
        left_over=left,
        left_over_sentence=left_over_sentence(left),
        chart_description=chart_description(vote_type),
    )


def _precise(project: Mapping[str, Any]) -> str:
    """The tally core's reason as it wrote it (in English: the core imports no Django)."""
    reason = str(project.get("reason", ""))
    text = reason[:1].upper() + reason[1:]
    return text + "." if text else ""


def _needed_sentence(project: Mapping[str, Any], *, vote_type: str) -> str:
    """The exact number of votes (or points) a project that lost would have needed."""
    needed = project.get("votes_needed")
    if not needed or project.get("selected"):
        return ""
    n = int(needed)
    count = {"count": display_number(n)}
    if VOTE_WORDS.get(vote_type, ("vote", "votes"))[1] == "points":
        return (
            ngettext(
                "It would have needed %(count)s more point.",
                "It would have needed %(count)s more points.",
                n,
            )
            % count
        )
    return (
        ngettext(
            "It would have needed %(count)s more vote.",
            "It would have needed %(count)s more votes.",
            n,
        )
        % count
    )


def chart_description(vote_type: str) -> str:
    """What the results chart shows, for a screen reader."""
    if VOTE_WORDS.get(vote_type, ("vote", "votes"))[1] == "points":
        return gettext(
            "Bar chart of points per project; funded projects are green, others grey. The same "
            "figures are in the list above and the table below."
        )
    return gettext(
        "Bar chart of votes per project; funded projects are green, others grey. The same "
        "figures are in the list above and the table below."
    )


def plain_rows(projects: Sequence[PlainProject]) -> list[dict[str, Any]]:
    """The rows the chart reads (ballots.charts.votes_chart)."""
    return [
        {"title": p.title, "votes": p.votes, "selected": p.selected, "id": p.id} for p in projects
    ]


def rule_name(code: str) -> str:
    """A counting rule's name in the page's language ('mes' -> 'Equal Shares: ...')."""
    try:
        return str(Rule(code).label)
    except ValueError:
        return code


def precise_note() -> str:
    """Said above the auditors' table when the page is not in English: its reasons are."""
    if (get_language() or "en").startswith("en"):
        return ""
    return gettext(
        "The exact reasons in this table are in English, as the counting program writes them."
    )
