"""The family of errors the tallying core raises.

Every message is written for a councillor, not a programmer: it says where (file line, project,
voter) and what is wrong.
"""

from __future__ import annotations


class TallyError(Exception):
    """Base class of every error the tallying core raises on purpose."""


class PabulibFormatError(TallyError):
    """A `.pb` file (or text) is malformed; `line` is the 1-based line number, when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        self.line = line
        super().__init__(f"line {line}: {message}" if line is not None else message)


class InvalidInstanceError(TallyError):
    """An instance or profile built from Python data is inconsistent (duplicate id, bad cost...)."""


class InvalidBallotError(InvalidInstanceError):
    """A ballot breaks the rules of its round (unknown project, over the points or the budget)."""


class UnknownRuleError(TallyError):
    """The rule id (or satisfaction measure) is not one this core knows."""


class RuleNotApplicableError(TallyError):
    """The rule cannot be applied to this kind of ballot (e.g. Phragmén on cumulative ballots)."""
