"""What the ballot page shows in each box, and which box each error belongs to.

After an error, or after "Check my total" without JavaScript, the ballot comes back exactly as
the voter left it: ticks ticked and numbers as typed, even a number that could not be read. The
error summary links every message to the box it is about.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ballots.selection import Selection
from budgets.models import BallotType, Proposal, Round


@dataclass(frozen=True)
class FieldError:
    """An error message and the id of the input the error summary links it to."""

    text: str
    field: str


@dataclass(frozen=True)
class BallotRow:
    """One project on the ballot, with its input's id and what the voter put in it."""

    project: Proposal
    input_id: str
    name: str
    value: str
    checked: bool


# The name each ballot type's inputs start with (tick boxes are all `projects`).
PREFIXES: dict[str, str] = {BallotType.CUMULATIVE.value: "points", BallotType.RANKED.value: "rank"}


def _prefix(round: Round) -> str:
    return PREFIXES.get(str(round.ballot_type), "project")


def selection_field(round: Round, projects: Sequence[Proposal]) -> str:
    """The input an error about the choices links to: the first project's box."""
    return f"{_prefix(round)}-{projects[0].pk}" if projects else "main"


def declaration_field(basis: str, bases: Sequence[tuple[str, str]], *, basis_ok: bool) -> str:
    """The first radio of 'who can vote' when the basis is wrong, else the age box."""
    if not basis_ok and bases:
        return f"basis-{bases[0][0]}"
    return "age_confirmed"


def ballot_rows(
    round: Round,
    projects: Sequence[Proposal],
    *,
    selection: Selection,
    typed: Mapping[str, Any] | None = None,
) -> list[BallotRow]:
    """Each project's input, filled from what was typed (`typed`: the form's POST) if given,
    else from a selection (choices kept across signing in)."""
    prefix = _prefix(round)
    ticked: set[str] = set()
    if typed is not None and prefix == "project":
        getlist = getattr(typed, "getlist", None)
        ticked = set(getlist("projects") if getlist else typed.get("projects", []))
    rows = []
    for p in projects:
        input_id = f"{prefix}-{p.pk}"
        value, checked = "", False
        if typed is not None:
            value = str(typed.get(input_id, "")).strip()[:12]
            checked = str(p.pk) in ticked
        elif isinstance(selection, dict):
            value = str(selection.get(p.pk, "") or "")
        elif prefix == "rank" and p.pk in selection:
            value = str(selection.index(p.pk) + 1)
        else:
            checked = p.pk in selection
        rows.append(
            BallotRow(
                project=p,
                input_id=input_id,
                name="projects" if prefix == "project" else input_id,
                value=value,
                checked=checked,
            )
        )
    return rows
