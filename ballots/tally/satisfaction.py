"""Which satisfaction (utility) each voter gets from each project, per vote type and `sat`.

The utility of voter i for project j is `weight_ij * factor_j`:

| vote type            | `sat="cost"`                           | `sat="cardinality"`     |
|----------------------|----------------------------------------|-------------------------|
| approval             | cost of j (pabutools `Cost_Sat`)       | 1 (`Cardinality_Sat`)   |
| cumulative, scoring  | points (`Additive_Cardinal_Sat`)       | 1 (`Cardinality_Sat`)   |
| ordinal              | Borda score × cost (greedy by Borda)   | Borda score             |
"""

from __future__ import annotations

from dataclasses import dataclass

from ._matrix import ProfileMatrix
from .errors import UnknownRuleError

SATS = ("cost", "cardinality")


@dataclass(frozen=True)
class Utilities:
    use_weights: bool
    factor: list[int]

    def total(self, matrix: ProfileMatrix, j: int) -> int:
        """The total satisfaction project j gives all voters."""
        votes = matrix.total_weight[j] if self.use_weights else len(matrix.supporters[j])
        return votes * self.factor[j]

    def votes(self, matrix: ProfileMatrix, j: int) -> int:
        """Votes as shown to residents: supporters, or points for cumulative/scoring/Borda."""
        return matrix.total_weight[j]


def utilities(matrix: ProfileMatrix, vote_type: str, sat: str) -> Utilities:
    if sat not in SATS:
        raise UnknownRuleError(f"unknown satisfaction {sat!r}: use one of {', '.join(SATS)}")
    m = len(matrix.pids)
    ones = [1] * m
    if vote_type == "approval":
        return Utilities(False, list(matrix.costs) if sat == "cost" else ones)
    if vote_type in ("cumulative", "scoring"):
        return Utilities(sat == "cost", ones)
    return Utilities(True, list(matrix.costs) if sat == "cost" else ones)
