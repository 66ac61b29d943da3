"""Community Chest's tallying core: participatory-budgeting rules, exact like pabutools.

A pure library (standard library + numpy; scipy only for `optimal`): no Django import, so
auditors can run it on their own machines (`python -m ballots.tally FILE.pb --rule mes`).

    from ballots.tally import read_pb, tally
    instance, profile = read_pb("Poland_Warszawa_2021_Mokotow.pb")
    result = tally(instance, profile, "mes")
    result.to_dict()  # {"rule", "sat", "budget", "spent", "selected", "projects", "ties", ...}
"""

from __future__ import annotations

from .comparison import compare
from .core import RULES, ProjectResult, Result, tally
from .core import VERSION as __version__
from .errors import (
    InvalidBallotError,
    InvalidInstanceError,
    PabulibFormatError,
    RuleNotApplicableError,
    TallyError,
    UnknownRuleError,
)
from .model import Ballot, Instance, Profile, Project, validate
from .pabulib import dumps_pb, read_pb, write_pb
from .satisfaction import SATS

__all__ = [
    "RULES",
    "SATS",
    "Ballot",
    "Instance",
    "InvalidBallotError",
    "InvalidInstanceError",
    "PabulibFormatError",
    "Profile",
    "Project",
    "ProjectResult",
    "Result",
    "RuleNotApplicableError",
    "TallyError",
    "UnknownRuleError",
    "__version__",
    "compare",
    "dumps_pb",
    "read_pb",
    "tally",
    "validate",
    "write_pb",
]
