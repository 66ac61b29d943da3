"""The one crossing between Django and the tally core: a round's counted ballots as a core
Instance/Profile, and the count itself. Nothing else in the web app imports `ballots.tally`
(imported when a round is counted, not when the web app starts)."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from django.db import connection

from ballots.models import (
    Ballot,
    BallotStatus,
)
from ballots.selection import PB_VOTE_TYPE, ballot_projects
from budgets.models import BallotType, Round
from wards.text import single_line

if TYPE_CHECKING:
    from ballots.tally import Instance, Profile

T = TypeVar("T")


def shuffled(items: Sequence[T]) -> list[T]:
    """The items in an order drawn from the operating system's random source.

    Each item gets 128 random bits and the items are sorted by them: a uniformly random
    permutation (ties, at n² / 2¹²⁹, never happen in practice), and about a hundred times faster
    than SystemRandom.shuffle, which asks the operating system for bits once per item.
    """
    n = len(items)
    if n < 2:
        return list(items)
    keys = np.frombuffer(os.urandom(16 * n), dtype="<u8").reshape(n, 2)
    # Sorted by the first 64 bits, then the next 64 (lexsort's last key is the primary one).
    return [items[i] for i in np.lexsort((keys[:, 1], keys[:, 0])).tolist()]


def build_profile(round: Round, *, shuffle: bool = False) -> tuple[Instance, Profile]:
    """The one crossing into the tally core: the round's counted ballots as Instance/Profile.

    Project ids are the proposals' API ids and voter ids are the ballots' receipts, so the
    published ballots.pb reproduces the result with `python -m ballots.tally`.
    """
    return read_ballots(round, shuffle=shuffle)()


def read_ballots(round: Round, *, shuffle: bool = False) -> Callable[[], tuple[Instance, Profile]]:
    """`build_profile` in two steps: the database is read now, and the call returned builds the
    Instance/Profile without it (close_round makes them in the count's thread, so that the
    database's rewrite of the ballots starts at once)."""
    proposals = ballot_projects(round)
    table = Ballot._meta.db_table
    # SQLite keeps JSON as text; PostgreSQL's jsonb is cast to its text form.
    text = "selection::text" if connection.vendor == "postgresql" else "selection"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT receipt, {text} FROM {table} WHERE round_id = %s AND status = %s",  # noqa: S608
            [round.pk, BallotStatus.LIVE.value],
        )
        rows: list[tuple[str, str | None]] = cursor.fetchall()

    def build() -> tuple[Instance, Profile]:
        return _profile(round, proposals, rows, shuffle)

    return build


def _profile(
    round: Round, proposals: list[Any], rows: list[tuple[str, str | None]], shuffle: bool
) -> tuple[Instance, Profile]:
    from ballots.tally import Instance, Profile, Project

    vote_type = PB_VOTE_TYPE[BallotType(round.ballot_type)]
    # Names go through the same cleaning as input does, so text stored before it (or by hand)
    # can never stop a count: the .pb writer refuses line breaks.
    instance = Instance(
        budget=round.budget_pence,
        projects=[
            Project(id=str(p.pk), cost=p.cost_pence, name=single_line(p.title)) for p in proposals
        ],
        meta={
            "description": single_line(round.title),
            "country": "United Kingdom",
            "unit": single_line(round.area_name),
            "subunit": single_line(round.ward.name),
            "instance": str(round.pk),
            "currency": "GBP",
            "unit_of_money": "pence",
            "vote_type": vote_type,
            "rule": round.rule,
            "ballot_type": round.ballot_type,
        },
    )
    # Published ballots carry no order that could link them to a voter.
    rows = shuffled(rows) if shuffle else sorted(rows)
    # The selections parsed in one call, not one decoder call per ballot. Live ballots always
    # have a selection (only replaced ones are emptied).
    selections = json.loads("[" + ",".join("null" if sel is None else sel for _, sel in rows) + "]")
    ballots: dict[str, Any] = {
        row[0]: selection for row, selection in zip(rows, selections, strict=True)
    }
    limits: dict[str, int] = {}
    if round.ballot_type == BallotType.KNAPSACK:
        limits["max_sum_cost"] = round.budget_pence
    if round.ballot_type in (BallotType.APPROVAL, BallotType.RANKED) and round.max_choices:
        limits["max_length"] = round.max_choices
    if round.ballot_type == BallotType.APPROVAL and round.min_choices:
        limits["min_length"] = round.min_choices
    if round.ballot_type == BallotType.CUMULATIVE and round.max_points:
        limits["max_sum_points"] = round.max_points
    if vote_type == "approval":
        profile = Profile.from_approvals(ballots, **limits)
    elif vote_type == "cumulative":
        profile = Profile.from_points(ballots, "cumulative", **limits)
    else:
        profile = Profile.from_rankings(ballots, **limits)
    return instance, profile


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ballots_pb(round: Round) -> str:
    """The round's live ballots as a Pabulib file, in a fixed order (voter ids sorted)."""
    from ballots import tally as core

    return core.dumps_pb(*build_profile(round, shuffle=False))


def tally_round(round: Round) -> tuple[dict[str, Any], str, list[dict[str, Any]]]:
    """Count a round: the result as published, its ballots file, and every rule's selection."""
    return count_profile(round, *build_profile(round, shuffle=True))


def count_profile(
    round: Round, instance: Instance, profile: Profile
) -> tuple[dict[str, Any], str, list[dict[str, Any]]]:
    """`tally_round` once the ballots are read (`build_profile`): touches no database, so
    close_round runs it in a thread while the database forgets who cast what."""
    from ballots import tally as core

    ballots_pb = core.dumps_pb(instance, profile)
    # Checked once here; the rule and the comparison below trust it.
    core.validate(instance, profile)
    rule = round.rule if round.ballot_type != BallotType.RANKED else "greedy"
    # workers=1: a web or command process never forks helpers for mes-add1.
    outcome = core.tally(
        instance, profile, rule=rule, sat=round.sat, check=False, workers=1
    ).to_dict()
    outcome.update(
        {
            "round": round.pk,
            "ward": round.ward.slug,
            "title": round.title,
            "ballot_type": round.ballot_type,
            "tie_breaking": "lexicographic: the smallest project id compared as text wins a tie",
            "software_version": core.__version__,
            "ballots_sha256": sha256_hex(ballots_pb),
            "money_unit": "pence",
        }
    )
    try:
        comparison = [dict(row) for row in core.compare(instance, profile, workers=1, check=False)]
    except core.TallyError:
        comparison = []
    return outcome, ballots_pb, comparison


@contextmanager
def no_queries() -> Iterator[None]:
    """Refuse any query from this thread (the count's thread must never open its own
    connection: it would read outside close_round's transaction)."""

    def refuse(*args: Any) -> Any:
        raise RuntimeError("the count touched the database")

    with connection.execute_wrapper(refuse):
        yield
