"""Instances, projects, ballots and profiles: the vocabulary of participatory budgeting.

The words follow pabutools (instance, project, cost, budget limit, profile, ballot) so researchers
can read this code; nothing here depends on Django. Money is always an integer number of units
(pence in the web app).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from .errors import InvalidBallotError, InvalidInstanceError

if TYPE_CHECKING:
    from ._matrix import ProfileMatrix

VoteType = Literal["approval", "cumulative", "scoring", "ordinal"]
VOTE_TYPES: tuple[str, ...] = ("approval", "cumulative", "scoring", "ordinal")


@dataclass(eq=True)
class Project:
    """A project that can be funded: a text id, an integer cost, a name and any other columns."""

    id: str
    cost: int
    name: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.id = str(self.id)
        if not self.id or self.id != self.id.strip() or "," in self.id:
            raise InvalidInstanceError(
                f"project id {self.id!r} is not usable: it must be non-empty text without "
                "commas or surrounding spaces"
            )
        if isinstance(self.cost, bool) or not isinstance(self.cost, int):
            raise InvalidInstanceError(
                f"project {self.id}: cost {self.cost!r} is not a whole number of money units"
            )
        if self.cost < 0:
            raise InvalidInstanceError(f"project {self.id}: cost {self.cost} is negative")


@dataclass(eq=True)
class Instance:
    """A participatory-budgeting instance: the budget limit, the projects and free-text metadata."""

    budget: int
    projects: dict[str, Project]
    meta: dict[str, str] = field(default_factory=dict)

    def __init__(
        self,
        budget: int,
        projects: Iterable[Project] | Mapping[str, Project],
        meta: Mapping[str, str] | None = None,
    ) -> None:
        if isinstance(budget, bool) or not isinstance(budget, int):
            raise InvalidInstanceError(f"budget {budget!r} is not a whole number of money units")
        if budget < 0:
            raise InvalidInstanceError(f"budget {budget} is negative")
        self.budget = budget
        items = list(projects.values()) if isinstance(projects, Mapping) else list(projects)
        self.projects = {}
        for project in items:
            if project.id in self.projects:
                raise InvalidInstanceError(f"project id {project.id} appears twice")
            self.projects[project.id] = project
        self.meta = {str(k): str(v) for k, v in (meta or {}).items()}

    @property
    def currency(self) -> str:
        return self.meta.get("currency", "")


@dataclass(eq=True, slots=True)
class Ballot:
    """One voter's ballot.

    `projects` lists project ids: for approval ballots the approved projects, for cumulative and
    scoring ballots the projects given points (`points` holds the points, same order), for ordinal
    ballots the ranking, most preferred first. `extra` keeps any other columns of the `.pb` file.
    A project listed twice counts once (with its last points), as pabutools reads such files.
    """

    voter_id: str
    projects: tuple[str, ...]
    points: tuple[int, ...] | None = None
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(eq=True)
class Profile:
    """All ballots of one round, their type, and the ballot constraints announced for it."""

    vote_type: VoteType
    ballots: list[Ballot]
    min_length: int | None = None
    max_length: int | None = None
    max_sum_cost: int | None = None
    max_sum_points: int | None = None
    max_points: int | None = None
    _matrix_cache: dict[int, ProfileMatrix] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    # Ballots read in bulk are made on first use of `ballots` (see `defer_ballots`).
    _deferred: DeferredBallots | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.vote_type not in VOTE_TYPES:
            raise InvalidInstanceError(
                f"vote type {self.vote_type!r} is not one of {', '.join(VOTE_TYPES)}"
            )

    def __len__(self) -> int:
        deferred = self.__dict__.get("_deferred")
        return len(deferred) if deferred is not None else len(self.ballots)

    def defer_ballots(self, deferred: DeferredBallots) -> None:
        """Make the `Ballot` objects only when `ballots` is first read (the rules never need
        them once the matrix is cached)."""
        self.__dict__["_deferred"] = deferred

    def cache_matrix(self, instance: Instance, matrix: ProfileMatrix) -> None:
        """Use `matrix` as this profile compiled over `instance` (a bulk reader built it)."""
        check_amounts(instance, self)
        self._matrix_cache.clear()
        self._matrix_cache[id(instance)] = matrix

    @classmethod
    def from_approvals(cls, approvals: Mapping[Any, Iterable[Any]], **limits: int) -> Profile:
        """`{voter_id: [project ids]}` -> an approval profile."""
        ballots = [
            Ballot(str(voter), tuple(str(p) for p in projects))
            for voter, projects in approvals.items()
        ]
        return cls("approval", ballots, **limits)

    @classmethod
    def from_points(
        cls,
        points: Mapping[Any, Mapping[Any, int]],
        vote_type: Literal["cumulative", "scoring"] = "cumulative",
        **limits: int,
    ) -> Profile:
        """`{voter_id: {project id: points}}` -> a cumulative (or scoring) profile."""
        ballots = [
            Ballot(
                str(voter),
                tuple(str(p) for p in given),
                tuple(int(n) for n in given.values()),
            )
            for voter, given in points.items()
        ]
        return cls(vote_type, ballots, **limits)

    @classmethod
    def from_rankings(cls, rankings: Mapping[Any, Sequence[Any]], **limits: int) -> Profile:
        """`{voter_id: [project ids, most preferred first]}` -> an ordinal profile."""
        ballots = [
            Ballot(str(voter), tuple(str(p) for p in ranking))
            for voter, ranking in rankings.items()
        ]
        return cls("ordinal", ballots, **limits)

    def matrix(self, instance: Instance) -> ProfileMatrix:
        """The profile as numpy arrays over `instance`'s projects (computed once, then cached)."""
        from ._matrix import ProfileMatrix

        key = id(instance)
        cached = self._matrix_cache.get(key)
        if cached is None or cached.instance is not instance:
            check_amounts(instance, self)
            cached = ProfileMatrix.build(instance, self)
            self._matrix_cache.clear()
            self._matrix_cache[key] = cached
        return cached


# The rules count in 64-bit integers: every sum they form (a voter's asked-for money, a
# project's points, the budget) must stay below this, or numpy would overflow or wrap around.
AMOUNT_LIMIT = 2**62


def check_amounts(instance: Instance, profile: Profile) -> None:
    """Raise `InvalidInstanceError` when the budget, the projects' total cost or the points on
    the ballots are too large for the rules to count exactly (at or above `AMOUNT_LIMIT`)."""
    total_cost = sum(p.cost for p in instance.projects.values())
    if profile.vote_type == "ordinal":
        total_cost *= max(1, len(instance.projects))  # Borda scores multiply the costs
    for what, amount in (("the budget", instance.budget), ("the projects' total cost", total_cost)):
        if amount >= AMOUNT_LIMIT:
            raise InvalidInstanceError(
                f"{what} is too large to count exactly (the limit is {AMOUNT_LIMIT - 1:,} units)"
            )
    if profile.vote_type in ("cumulative", "scoring"):
        points = sum(sum(b.points or ()) for b in profile.ballots)
        if points >= AMOUNT_LIMIT:
            raise InvalidInstanceError(
                f"the ballots' points add up to a number too large to count exactly (the limit "
                f"is {AMOUNT_LIMIT - 1:,})"
            )


class DeferredBallots(Protocol):
    """What `Profile.defer_ballots` takes: the number of ballots, and a call that makes them."""

    def __len__(self) -> int: ...

    def __call__(self) -> list[Ballot]: ...


def _get_ballots(self: Profile) -> list[Ballot]:
    deferred = self.__dict__.get("_deferred")
    if deferred is not None:
        self.__dict__["_ballots"] = deferred()
        self.__dict__["_deferred"] = None
    ballots: list[Ballot] = self.__dict__["_ballots"]
    return ballots


def _set_ballots(self: Profile, ballots: list[Ballot]) -> None:
    self.__dict__["_ballots"] = ballots
    self.__dict__["_deferred"] = None


# `ballots` stays a dataclass field (init, eq and repr use it) but is read through a property,
# so ballots read in bulk are made only when asked for. Set after the class: a property in the
# class body would be taken for the field's default.
setattr(Profile, "ballots", property(_get_ballots, _set_ballots))  # noqa: B010


def check_ballot(instance: Instance, profile: Profile, ballot: Ballot) -> str | None:
    """What is wrong with `ballot` in this round, in words, or None if it is valid."""
    projects = instance.projects
    for pid in ballot.projects:
        if pid not in projects:
            return f"voter {ballot.voter_id} voted for unknown project {pid!r}"
    if profile.vote_type in ("cumulative", "scoring"):
        if ballot.points is None or len(ballot.points) != len(ballot.projects):
            return f"voter {ballot.voter_id}: the points do not match the projects voted for"
        for pid, pts in zip(ballot.projects, ballot.points, strict=True):
            if pts < 0:
                return f"voter {ballot.voter_id} gave project {pid} negative points ({pts})"
            if profile.max_points is not None and pts > profile.max_points:
                return (
                    f"voter {ballot.voter_id} gave project {pid} {pts} points, more than the "
                    f"{profile.max_points} allowed per project"
                )
        # A project listed twice keeps its last points, as pabutools reads it (real files do this).
        total = sum(dict(zip(ballot.projects, ballot.points, strict=True)).values())
        if profile.max_sum_points is not None and total > profile.max_sum_points:
            return (
                f"voter {ballot.voter_id} used {total} points, more than the "
                f"{profile.max_sum_points} allowed"
            )
    elif ballot.points is not None:
        return f"voter {ballot.voter_id}: points are only allowed on cumulative or scoring ballots"
    if profile.max_sum_cost is not None:
        total_cost = sum(projects[pid].cost for pid in dict.fromkeys(ballot.projects))
        if total_cost > profile.max_sum_cost:
            return (
                f"voter {ballot.voter_id} chose projects costing {total_cost} in total, more "
                f"than the {profile.max_sum_cost} allowed"
            )
    return None


def validate(instance: Instance, profile: Profile) -> None:
    """Raise `InvalidBallotError` naming the first ballot that breaks the round's rules."""
    voters: set[str] = set()
    for ballot in profile.ballots:
        if ballot.voter_id in voters:
            raise InvalidBallotError(f"voter id {ballot.voter_id} appears twice")
        voters.add(ballot.voter_id)
        problem = check_ballot(instance, profile, ballot)
        if problem is not None:
            raise InvalidBallotError(problem)
