"""What a tally returns: a `Result` with one explained `ProjectResult` per project."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["TIE_RULE", "VERSION", "ProjectResult", "Result"]

VERSION = "1.0.0"

TIE_RULE = "ties go to the smaller project id compared as text"


@dataclass
class ProjectResult:
    id: str
    name: str
    cost: int
    votes: int
    selected: bool
    reason: str
    votes_needed: int | None
    rank: int
    funded_order: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """`dataclasses.asdict(self)`, without its generic deep copy (every field is a scalar)."""
        return {
            "id": self.id,
            "name": self.name,
            "cost": self.cost,
            "votes": self.votes,
            "selected": self.selected,
            "reason": self.reason,
            "votes_needed": self.votes_needed,
            "rank": self.rank,
            "funded_order": self.funded_order,
        }


@dataclass
class Result:
    rule: str
    sat: str
    budget: int
    spent: int
    selected: list[str]
    projects: list[ProjectResult]
    ties: list[dict[str, Any]] = field(default_factory=list)
    tie_breaking: str = TIE_RULE
    vote_type: str = "approval"
    version: str = VERSION
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of the issue (plus `rank`, `tie_breaking`, `version`, ...)."""
        return {
            "rule": self.rule,
            "sat": self.sat,
            "budget": self.budget,
            "spent": self.spent,
            "selected": list(self.selected),
            "projects": [p.to_dict() for p in self.projects],
            "ties": [dict(t) for t in self.ties],
            "tie_breaking": self.tie_breaking,
            "vote_type": self.vote_type,
            "version": self.version,
            "details": dict(self.details),
        }
