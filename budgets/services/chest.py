"""The ward's chest: a round's budget cannot exceed the ward's chest less what the ward's other
rounds of the same budget year already hold (cancelled rounds hold nothing; a neighbourhood's
round is the ward's and counts too).

create_round and update_round check it holding the ward's row lock (`lock_ward`), so two
councillors creating or enlarging rounds at the same moment cannot overspend the chest.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from budgets.models import Round
from wards.models import Ward
from wards.money import format_pence


def year_label(year: int) -> str:
    """2026 -> '2026/27': the UK financial year from April 2026 to March 2027."""
    return f"{year}/{str(year + 1)[-2:]}"


@dataclass(frozen=True)
class BudgetRoom:
    """What one round of a ward may have in a budget year."""

    year: int
    chest_pence: int
    held_pence: int  # by the ward's other rounds of the year

    @property
    def available_pence(self) -> int:
        return max(0, self.chest_pence - self.held_pence)

    def explain(self) -> str:
        """The limit in numbers: the refusal when a budget is too large, the form's hint."""
        most = (
            f"so this round can have at most {format_pence(self.available_pence)}"
            if self.available_pence
            else "so nothing is left for this round"
        )
        return (
            f"The ward's chest for {year_label(self.year)} is {format_pence(self.chest_pence)}; "
            f"other rounds already hold {format_pence(self.held_pence)}, {most}."
        )


def budget_room(ward: Ward, year: int, *, excluding: Round | None = None) -> BudgetRoom:
    """The ward's chest and what its other non-cancelled rounds of `year` hold."""
    others = Round.objects.for_ward(ward).holding_budget()
    if excluding is not None and excluding.pk is not None:
        others = others.exclude(pk=excluding.pk)
    held = sum(
        r.budget_pence
        for r in others.only("budget_pence", "voting_start", "created_at")
        if r.budget_year == year
    )
    return BudgetRoom(year=year, chest_pence=ward.chest_pence, held_pence=held)


def room_for_new_round(ward: Ward) -> BudgetRoom:
    """What a round created now may have (the form's starting budget)."""
    return budget_room(ward, Round(ward=ward, created_at=timezone.now()).budget_year)


def lock_ward(ward: Ward) -> Ward:
    """The ward's row, locked until the transaction ends: rounds' budgets change one at a time."""
    return Ward.objects.select_for_update().get(pk=ward.pk)


def check_budget_fits(round: Round, ward: Ward) -> None:
    """Refuse a budget larger than the ward's chest leaves this round in its budget year. Call
    it holding lock_ward(ward), with `ward` as that call returned it."""
    room = budget_room(ward, round.budget_year, excluding=round)
    if round.budget_pence > room.available_pence:
        raise ValidationError({"budget_pence": room.explain()})
