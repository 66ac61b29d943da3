"""The tick grid: a paper batch entered by ticking instead of typing, one row per paper ballot and
one column per project number on the paper ballot (a checkbox for approval and knapsack ballots,
a number box for points and ranks), and a code box per row.

It reads into exactly what the typed form reads into (`PaperBatchForm.clean_ballots`): per ballot
the code as written and the marks by paper number, translated by `selection_from_numbers`. So a
typed entry and a ticked entry of the same papers are the same entry, and the double-keying
(`enter_paper_batch`, `paper_entries_agree`) is exactly as strict whichever way each was keyed.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext

from ballots.forms import PaperAccountForm
from ballots.paper_ballot import paper_numbers, selection_from_numbers
from budgets.models import BallotType, Proposal, Round

# One page of the grid takes at most this many paper ballots; bigger batches are typed.
MAX_GRID_ROWS = 200
DEFAULT_GRID_ROWS = 20
# A voting code as written is ~20 characters; anything much longer is not one.
MAX_CODE_LENGTH = 100
# Room in the request for the account's fields, the CSRF token and the form's own.
_OTHER_FIELDS = 50
_MARK = re.compile(r"mark-(\d{1,6})-(.{1,20})")


def grid_row_limit(round: Round) -> int:
    """The most rows one page of the grid takes for this ballot: MAX_GRID_ROWS, or fewer when a
    full grid would send more fields than the server accepts in one request."""
    limit = settings.DATA_UPLOAD_MAX_NUMBER_FIELDS
    if limit is None:
        return MAX_GRID_ROWS
    per_row = len(paper_numbers(round)) + 1
    return max(1, min(MAX_GRID_ROWS, (limit - _OTHER_FIELDS) // per_row))


def ticks(round: Round) -> bool:
    """A ballot marked with crosses (checkboxes), not numbers (points or ranks)."""
    return round.ballot_type in (BallotType.KNAPSACK, BallotType.APPROVAL)


class GridSizeForm(forms.Form):
    """How many paper ballots the grid has rows for: 1 to `grid_row_limit`."""

    def __init__(self, *args: Any, round: Round, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limit = grid_row_limit(round)
        self.fields["rows"] = forms.IntegerField(
            min_value=1,
            max_value=self.limit,
            label=gettext("How many paper ballots"),
            help_text=gettext(
                "One row per paper ballot in the box: from 1 to %(limit)s on one page."
            )
            % {"limit": self.limit},
        )


@dataclass(frozen=True)
class GridCell:
    number: int  # the project's number on the paper ballot
    name: str  # mark-<row>-<number>
    label: str  # "Ballot 3, project 5", for screen readers
    value: str  # as sent: "" when empty, "1" when ticked


@dataclass
class GridRow:
    number: int
    code_name: str
    code: str
    cells: list[GridCell]
    problems: list[str] = field(default_factory=list)


class PaperGridForm(PaperAccountForm):
    """A paper batch ticked: the account, and `rows` rows of code box and marks.

    Its cleaned `ballots` is what `PaperBatchForm.clean_ballots` gives for the same papers typed.
    A row left wholly empty is skipped, as a blank line is when typing.
    """

    def __init__(self, *args: Any, round: Round, rows: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.round = round
        self.rows = rows
        self.numbers: dict[int, Proposal] = paper_numbers(round)
        self._number_names = {str(number) for number in self.numbers}
        self.ticks = ticks(round)
        self.grid = [self._row(row) for row in range(1, rows + 1)]

    def _value(self, name: str) -> str:
        return str(self.data.get(name, "")).strip() if self.is_bound else ""

    def _row(self, row: int) -> GridRow:
        return GridRow(
            number=row,
            code_name=f"code-{row}",
            code=self._value(f"code-{row}"),
            cells=[
                GridCell(
                    number=number,
                    name=f"mark-{row}-{number}",
                    label=gettext("Ballot %(row)s, project %(number)s")
                    % {"row": row, "number": number},
                    value=self._value(f"mark-{row}-{number}"),
                )
                for number in self.numbers
            ],
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        problems: list[str] = []
        # Marks for numbers not on the paper ballot: the same refusal as a typed number.
        unknown: dict[int, list[str]] = {}
        for key in self.data:
            found = _MARK.fullmatch(key)
            if found is None or not self._value(key):
                continue
            row, number = int(found.group(1)), found.group(2)
            if not 1 <= row <= self.rows:
                problems.append(
                    gettext("The grid has %(rows)s rows; there is no ballot %(row)s.")
                    % {"rows": self.rows, "row": row}
                )
            elif number not in self._number_names:
                unknown.setdefault(row, []).append(number)
        ballots: list[dict[str, Any]] = []
        for grid_row in self.grid:
            try:
                typed = self._typed(grid_row, unknown.get(grid_row.number, []))
                if typed is not None:
                    ballots.append(selection_from_numbers(self.round, typed, self.numbers))
            except forms.ValidationError as exc:
                grid_row.problems.extend(exc.messages)
                problems.extend(
                    gettext("Ballot %(number)s: %(problem)s")
                    % {"number": grid_row.number, "problem": m}
                    for m in exc.messages
                )
        if problems:
            raise forms.ValidationError(problems)
        cleaned["ballots"] = ballots
        return cleaned

    def _typed(self, row: GridRow, unknown: list[str]) -> dict[str, Any] | None:
        """One row as the typed form reads a line: the code, and marks by paper number."""
        marked = [(cell.number, cell.value) for cell in row.cells if cell.value]
        if not row.code and not marked and not unknown:
            return None
        if len(row.code) > MAX_CODE_LENGTH:
            raise forms.ValidationError(gettext("the voting code is too long to be one."))
        if self.ticks:
            for number, value in marked:
                if value not in ("1", "on"):
                    raise forms.ValidationError(
                        gettext("project %(number)s is either ticked or not.") % {"number": number}
                    )
            return {"code": row.code, "projects": [*(str(n) for n, _ in marked), *unknown]}
        for number, value in marked:
            if not (value.isdecimal() and len(value) <= 6):
                if self.round.ballot_type == BallotType.CUMULATIVE:
                    message = gettext(
                        "%(value)s for project %(number)s is not a whole number; write points "
                        "as a number like 2."
                    )
                else:
                    message = gettext(
                        "%(value)s for project %(number)s is not a whole number; write a rank "
                        "as a number like 2."
                    )
                raise forms.ValidationError(message % {"value": repr(value), "number": number})
        if self.round.ballot_type == BallotType.CUMULATIVE:
            points = {str(n): value for n, value in marked}
            return {"code": row.code, "points": {**points, **{n: "1" for n in unknown}}}
        ranks = sorted((int(value), n) for n, value in marked)
        for (rank, _), (next_rank, _) in itertools.pairwise(ranks):
            if rank == next_rank:
                raise forms.ValidationError(
                    gettext(
                        "rank %(rank)s is given to more than one project; each rank is used once."
                    )
                    % {"rank": rank}
                )
        if ranks and ranks[0][0] < 1:
            raise forms.ValidationError(gettext("ranks start at 1, for the favourite project."))
        return {"code": row.code, "ranking": [*(str(n) for _, n in ranks), *unknown]}
