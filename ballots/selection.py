"""The ballot paper and what a selection on it adds up to: the projects on the ballot, reading a
selection from a form or the API, and checking it against every rule of the round's ballot."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext, ngettext
from redis.exceptions import RedisError

from budgets.models import BallotType, Phase, Proposal, Round
from wards.numbers import display_pence

PB_VOTE_TYPE = {
    BallotType.KNAPSACK: "approval",
    BallotType.APPROVAL: "approval",
    BallotType.CUMULATIVE: "cumulative",
    BallotType.RANKED: "ordinal",
}

Selection = list[int] | dict[int, int]
T = TypeVar("T")


BALLOT_CACHE_SECONDS = 30
_BALLOT_CACHE: dict[tuple[Any, ...], tuple[float, list[Proposal]]] = {}


def _ballot_version_key(round_id: int) -> str:
    return f"ballot-version:{round_id}"


def ballot_version(round_id: int) -> str:
    """The round's ballot version in the shared cache (Redis in production): any app server that
    saves one of the round's projects moves it on (see `ballot_changed`). If the cache cannot
    answer, a version never seen before: the ballot is read from the database, never stale."""
    try:
        return str(cache.get(_ballot_version_key(round_id), ""))
    except (RedisError, OSError):
        return uuid.uuid4().hex


def ballot_changed(round_id: int) -> None:
    """Tell every app server that the round's ballot changed, once the change is committed (a
    server reading before the commit would otherwise cache the old ballot under the new
    version)."""
    transaction.on_commit(
        lambda: cache.set(_ballot_version_key(round_id), uuid.uuid4().hex, timeout=None)
    )


def ballot_projects(round: Round) -> list[Proposal]:
    """The projects on the ballot, in a stable order.

    While voting, the ballot cannot change (reviews are over and settings are frozen), so each
    worker keeps it in memory instead of asking the database on every ballot. Several app servers
    share the database, so the memory is keyed on what another server's change would move: the
    round's `updated_at` (every save of the round, read fresh with each request) and the ballot
    version in the shared cache (every save of one of its projects, e.g. through the admin).
    """
    if round.phase != Phase.VOTING:
        return list(round.proposals.on_ballot().order_by("title", "id"))
    key = (
        round.pk,
        round.created_at,
        round.settings_frozen_at,
        round.updated_at,
        ballot_version(round.pk),
    )
    now = time.monotonic()
    cached = _BALLOT_CACHE.get(key)
    if cached is None or now - cached[0] > BALLOT_CACHE_SECONDS:
        if len(_BALLOT_CACHE) > 256:
            _BALLOT_CACHE.clear()
        cached = (now, list(round.proposals.on_ballot().order_by("title", "id")))
        _BALLOT_CACHE[key] = cached
    return cached[1]


def _whole(value: Any) -> int | None:
    """`value` as a whole number, or None if it is not one.

    JSON numbers arrive as int or float (1e400 is float inf, which int() cannot take), form
    fields as text; True is not 1 here, and 2.5 is not 2."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None  # False for inf and NaN
    if isinstance(value, str):
        text = value.strip()
        digits = text[1:] if text[:1] in ("+", "-") else text
        if digits.isdecimal() and len(digits) <= 30:
            return int(text)
    return None


def _ints(values: Iterable[Any], what: str) -> list[int]:
    out = []
    for value in values:
        number = _whole(value)
        if number is None:
            raise ValidationError(f"{what} {value!r} is not a project on this ballot.")
        out.append(number)
    return out


def parse_selection(round: Round, data: Mapping[str, Any]) -> Selection:
    """Read a selection from API JSON or form data, per the round's ballot type.

    API: {"projects": [ids]}, {"points": {id: n}} or {"ranking": [ids]}. Forms send the same
    names (`projects` as repeated values, `points-<id>`, `rank-<id>`).
    """
    kind = round.ballot_type
    if kind in (BallotType.KNAPSACK, BallotType.APPROVAL):
        raw = data.get("projects", [])
        if isinstance(raw, (str, int)):
            raw = [raw]
        if not isinstance(raw, list):
            raise ValidationError("`projects` must be a list of project ids.")
        return _ints(raw, "Project")
    if kind == BallotType.CUMULATIVE:
        raw = data.get("points")
        if raw is None:
            raw = {
                key.removeprefix("points-"): value
                for key, value in data.items()
                if key.startswith("points-") and str(value).strip() not in {"", "0"}
            }
        if not isinstance(raw, dict):
            raise ValidationError("`points` must map project ids to whole numbers of points.")
        points: dict[int, int] = {}
        for pid, value in raw.items():
            (project,) = _ints([pid], "Project")
            n = _whole(value)
            if n is None:
                raise ValidationError(
                    gettext("Points must be whole numbers, not %(value)s.") % {"value": repr(value)}
                )
            if n < 0:
                raise ValidationError(gettext("Points cannot be negative."))
            if n:
                points[project] = n
        return points
    raw = data.get("ranking")
    if raw is None:
        ranks: list[tuple[int, int]] = []
        for key, value in data.items():
            if key.startswith("rank-") and str(value).strip():
                rank, pid = _whole(value), _whole(key.removeprefix("rank-"))
                if rank is None or pid is None:
                    raise ValidationError(gettext("Ranks must be whole numbers like 1, 2, 3."))
                ranks.append((rank, pid))
        if len({r for r, _ in ranks}) != len(ranks):
            raise ValidationError(gettext("Give each project a different rank."))
        raw = [pid for _, pid in sorted(ranks)]
    if not isinstance(raw, list):
        raise ValidationError("`ranking` must be a list of project ids, favourite first.")
    return _ints(raw, "Project")


@dataclass(frozen=True)
class SelectionCheck:
    """What a selection adds up to, for the running total and the review page."""

    chosen: list[Proposal]
    total_pence: int
    points_used: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_selection(
    round: Round, selection: Selection, projects: Sequence[Proposal]
) -> SelectionCheck:
    """Every rule of the round's ballot, checked on the server whatever the client sent."""
    by_id = {p.pk: p for p in projects}
    ids = list(selection)
    problems: list[str] = []
    unknown = [pid for pid in ids if pid not in by_id]
    if unknown:
        problems.append(
            ngettext(
                "Project %(ids)s is not on this ballot.",
                "Projects %(ids)s are not on this ballot.",
                len(unknown),
            )
            % {"ids": ", ".join(map(str, unknown))}
        )
    if len(set(ids)) != len(ids):
        problems.append(gettext("Each project can be chosen only once."))
    chosen = [by_id[pid] for pid in dict.fromkeys(ids) if pid in by_id]
    total = sum(p.cost_pence for p in chosen)
    points_used = sum(selection.values()) if isinstance(selection, dict) else 0
    kind = round.ballot_type
    if not ids:
        problems.append(gettext("Choose at least one project."))
    if kind == BallotType.KNAPSACK and total > round.budget_pence:
        problems.append(
            gettext(
                "The projects you chose cost %(total)s, more than the %(budget)s budget. "
                "Remove %(over)s or more."
            )
            % {
                "total": display_pence(total),
                "budget": display_pence(round.budget_pence),
                "over": display_pence(total - round.budget_pence),
            }
        )
    if kind == BallotType.APPROVAL:
        if round.min_choices and len(chosen) < round.min_choices:
            problems.append(
                gettext("Choose at least %(least)s projects.") % {"least": round.min_choices}
            )
        if round.max_choices and len(chosen) > round.max_choices:
            problems.append(
                gettext("Choose at most %(most)s projects.") % {"most": round.max_choices}
            )
    if kind == BallotType.CUMULATIVE and round.max_points and points_used > round.max_points:
        problems.append(
            gettext("You used %(used)s points; you have %(points)s to spread. Take away %(over)s.")
            % {
                "used": points_used,
                "points": round.max_points,
                "over": points_used - round.max_points,
            }
        )
    if kind == BallotType.RANKED and round.max_choices and len(chosen) > round.max_choices:
        problems.append(gettext("Rank at most %(most)s projects.") % {"most": round.max_choices})
    return SelectionCheck(chosen, total, points_used, problems)


def canonical_selection(round: Round, selection: Selection) -> Any:
    if isinstance(selection, dict):
        return {str(k): v for k, v in sorted(selection.items())}
    if round.ballot_type == BallotType.RANKED:
        return [str(pid) for pid in selection]
    return sorted(str(pid) for pid in selection)
