"""The voting half of a round: eligibility, casting and replacing ballots, sealing commitments,
paper batches, closing with the tally core, publication and receipts.

This module is the one crossing between Django and the tally core: `build_profile` turns a
round's counted ballots into a core Instance/Profile, and nothing else in the web app imports the
core's internals.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import json
import logging
import os
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import Count
from django.utils import timezone

import audit
from audit.canonical import ballot_commitment
from audit.models import Event
from ballots import codes
from ballots.models import (
    Ballot,
    BallotStatus,
    CastToken,
    Channel,
    EligibilityBasis,
    PaperBatch,
    PaperEntry,
    PaperRejection,
    Result,
    Voter,
    VotingCode,
)
from budgets.models import BallotType, Phase, Proposal, Round
from budgets.services import enter_result_phase
from wards.access import Action, can, is_resident, require
from wards.models import WardPostcode, normalise_postcode
from wards.money import format_pence
from wards.text import single_line, spreadsheet_safe

logger = logging.getLogger(__name__)

SEAL_INTERVAL = datetime.timedelta(hours=1)
CODE_FAILURE_LIMIT_PER_CLIENT = 10
CODE_FAILURE_LIMIT_PER_ROUND = 1000
CODE_FAILURE_WINDOW = 15 * 60
INVALID_CODE = (
    "That voting code is not valid for this vote. Check it against your letter; "
    "each code can vote in one round, online or on paper."
)
PB_VOTE_TYPE = {
    BallotType.KNAPSACK: "approval",
    BallotType.APPROVAL: "approval",
    BallotType.CUMULATIVE: "cumulative",
    BallotType.RANKED: "ordinal",
}

Selection = list[int] | dict[int, int]
T = TypeVar("T")


# --- The ballot paper ----------------------------------------------------------------------


BALLOT_CACHE_SECONDS = 30
_BALLOT_CACHE: dict[tuple[Any, ...], tuple[float, list[Proposal]]] = {}


def ballot_projects(round: Round) -> list[Proposal]:
    """The projects on the ballot, in a stable order.

    While voting, the ballot cannot change (reviews are over and settings are frozen), so each
    worker keeps it in memory instead of asking the database on every ballot.
    """
    if round.phase != Phase.VOTING:
        return list(round.proposals.on_ballot().order_by("title", "id"))
    key = (round.pk, round.created_at, round.settings_frozen_at)
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
                raise ValidationError(f"Points must be whole numbers, not {value!r}.")
            if n < 0:
                raise ValidationError("Points cannot be negative.")
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
                    raise ValidationError("Ranks must be whole numbers like 1, 2, 3.")
                ranks.append((rank, pid))
        if len({r for r, _ in ranks}) != len(ranks):
            raise ValidationError("Give each project a different rank.")
        raw = [pid for _, pid in sorted(ranks)]
    if not isinstance(raw, list):
        raise ValidationError("`ranking` must be a list of project ids, favourite first.")
    return _ints(raw, "Project")


@dataclass(frozen=True)
class Tally:
    """What a selection adds up to, for the running total and the review page."""

    chosen: list[Proposal]
    total_pence: int
    points_used: int
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def check_selection(round: Round, selection: Selection, projects: Sequence[Proposal]) -> Tally:
    """Every rule of the round's ballot, checked on the server whatever the client sent."""
    by_id = {p.pk: p for p in projects}
    ids = list(selection)
    problems: list[str] = []
    unknown = [pid for pid in ids if pid not in by_id]
    if unknown:
        problems.append(
            f"Project {unknown[0]} is not on this ballot."
            if len(unknown) == 1
            else f"Projects {', '.join(map(str, unknown))} are not on this ballot."
        )
    if len(set(ids)) != len(ids):
        problems.append("Each project can be chosen only once.")
    chosen = [by_id[pid] for pid in dict.fromkeys(ids) if pid in by_id]
    total = sum(p.cost_pence for p in chosen)
    points_used = sum(selection.values()) if isinstance(selection, dict) else 0
    kind = round.ballot_type
    if not ids:
        problems.append("Choose at least one project.")
    if kind == BallotType.KNAPSACK and total > round.budget_pence:
        problems.append(
            f"The projects you chose cost {format_pence(total)}, more than the "
            f"{format_pence(round.budget_pence)} budget. Remove "
            f"{format_pence(total - round.budget_pence)} or more."
        )
    if kind == BallotType.APPROVAL:
        if round.min_choices and len(chosen) < round.min_choices:
            problems.append(f"Choose at least {round.min_choices} projects.")
        if round.max_choices and len(chosen) > round.max_choices:
            problems.append(f"Choose at most {round.max_choices} projects.")
    if kind == BallotType.CUMULATIVE and round.max_points and points_used > round.max_points:
        problems.append(
            f"You used {points_used} points; you have {round.max_points} to spread. "
            f"Take away {points_used - round.max_points}."
        )
    if kind == BallotType.RANKED and round.max_choices and len(chosen) > round.max_choices:
        problems.append(f"Rank at most {round.max_choices} projects.")
    return Tally(chosen, total, points_used, problems)


def _canonical_selection(round: Round, selection: Selection) -> Any:
    if isinstance(selection, dict):
        return {str(k): v for k, v in sorted(selection.items())}
    if round.ballot_type == BallotType.RANKED:
        return [str(pid) for pid in selection]
    return sorted(str(pid) for pid in selection)


# --- Eligibility and casting ---------------------------------------------------------------


class TooManyAttempts(PermissionDenied):
    """Refused by a rate limit; the API answers 429."""

    status_code = 429


@dataclass(frozen=True)
class CastResult:
    receipt: str
    replaced: bool


def code_attempts_blocked(round: Round, client: str) -> bool:
    """Too many wrong codes from this client, or a flood of wrong codes in this round.

    The round-wide limit stops a guessing attack spread over many addresses, but must not let an
    attacker lock everyone out: while it holds, it only stops clients that have themselves
    entered a wrong code; a voter whose code is right first time always gets through.
    """
    from wards import ratelimit

    mine = ratelimit.failures("code-client", client, window=CODE_FAILURE_WINDOW)
    if mine >= CODE_FAILURE_LIMIT_PER_CLIENT:
        return True
    return mine > 0 and ratelimit.is_limited(
        "code-round", str(round.pk), limit=CODE_FAILURE_LIMIT_PER_ROUND, window=CODE_FAILURE_WINDOW
    )


def _code_failed(round: Round, client: str) -> None:
    from wards import ratelimit

    ratelimit.record_failure("code-client", client, window=CODE_FAILURE_WINDOW)
    ratelimit.record_failure("code-round", str(round.pk), window=CODE_FAILURE_WINDOW)


def is_resident_voter(user: Any, round: Round) -> bool:
    """A registered resident of the round's area: the ward, or for a neighbourhood's round, a
    resident recorded in that neighbourhood."""
    return is_resident(user, round.ward, round.neighbourhood_id)


def postcode_voting_open_to(user: Any, round: Round) -> bool:
    """A signed-in person who is not a registered resident may vote by postcode here."""
    return bool(
        round.allow_postcode_voting
        and user is not None
        and user.is_authenticated
        and not is_resident_voter(user, round)
        and _area_postcodes(round).exists()
    )


def _area_postcodes(round: Round) -> Any:
    postcodes = WardPostcode.objects.filter(ward=round.ward)
    if round.neighbourhood_id is not None:
        postcodes = postcodes.filter(neighbourhood_id=round.neighbourhood_id)
    return postcodes


def check_postcode(round: Round, postcode: str | None) -> None:
    """Eligibility by postcode: it must be in the area's list (staff upload it as CSV); a
    neighbourhood's round takes only that neighbourhood's postcodes."""
    area = round.area_name
    if not postcode:
        raise PermissionDenied(
            f"Enter the postcode where you live, work or study in {area}, or use the voting "
            "code from your letter."
        )
    try:
        normal = normalise_postcode(postcode)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None
    if not _area_postcodes(round).filter(postcode=normal).exists():
        raise ValidationError(
            f"{normal} is not in {area}. Only people who live, work or study in "
            f"{area} can vote here; if you have a voting code, use that instead."
        )


@dataclass(frozen=True)
class VotingOptions:
    """How this person may vote in this round: what the ballot page shows and the API asks."""

    as_resident: bool  # signed in as a registered resident of the area
    by_postcode: bool  # signed in, may vote by giving a postcode in the area's list
    by_code: bool  # the round takes voting codes
    bases: tuple[str, ...]  # what the voter may declare: live / work / study
    min_age: int
    area: str

    @property
    def needs_code(self) -> bool:
        return not self.as_resident and not self.by_postcode

    @property
    def basis_choices(self) -> list[tuple[str, str]]:
        """("live", "I live in Sparkbrook"), ... for the page's radio buttons."""
        return [(b, f"I {b} in {self.area}") for b in self.bases]

    @property
    def who_can_vote(self) -> str:
        return (
            f"This vote is for people aged {self.min_age} or over who "
            f"{_or(self.bases)} in {self.area}."
        )


def _or(words: Sequence[str]) -> str:
    """'live, work or study'."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def code_format_problem(code: str) -> str | None:
    """A typo the check character catches, found before the voter confirms."""
    try:
        codes.normalise_code(code)
    except codes.CodeFormatError as exc:
        return str(exc)
    return None


def voting_options(user: Any, round: Round) -> VotingOptions:
    """The one answer to "how may this person vote here?" for the page and the API alike."""
    bases = tuple(
        basis
        for basis, allowed in (
            (EligibilityBasis.LIVE, round.eligible_live),
            (EligibilityBasis.WORK, round.eligible_work),
            (EligibilityBasis.STUDY, round.eligible_study),
        )
        if allowed
    ) or (EligibilityBasis.LIVE.value,)
    signed_in = user is not None and user.is_authenticated
    return VotingOptions(
        as_resident=bool(
            round.allow_postcode_voting and signed_in and is_resident_voter(user, round)
        ),
        by_postcode=postcode_voting_open_to(user, round),
        by_code=round.allow_code_voting,
        bases=tuple(str(b) for b in bases),
        min_age=round.min_age,
        area=round.area_name,
    )


@dataclass(frozen=True)
class Declaration:
    """What the voter declares, recorded as given: where they qualify, and their age."""

    basis: str
    age_confirmed: bool


def check_declaration(round: Round, declaration: Declaration | None) -> str:
    """The same declaration from every channel; returns the basis to record."""
    options = voting_options(None, round)
    if declaration is None or not declaration.basis:
        raise ValidationError(
            f"Say whether you {_or(options.bases)} in {round.area_name}.", code="declaration"
        )
    if declaration.basis not in options.bases:
        raise ValidationError(
            f"{options.who_can_vote} Choose one of: {', '.join(options.bases)}.",
            code="declaration",
        )
    if not declaration.age_confirmed:
        raise ValidationError(
            f"Confirm that you are {round.min_age} or over: only people aged {round.min_age} "
            "or over can vote in this round.",
            code="declaration",
        )
    return declaration.basis


VOTING_CLOSED = "Voting has closed in this round."
VOTING_NOT_OPEN = "Voting has not opened in this round yet."


def voting_window_problem(round: Round, now: datetime.datetime | None = None) -> str | None:
    """Why a ballot arriving now is refused, or None: the phase AND the dates decide, whatever
    the scheduler did or did not do."""
    return _window_problem(round.phase, round.voting_start, round.voting_end, now)


def _window_problem(
    phase: str,
    start: datetime.datetime | None,
    end: datetime.datetime | None,
    now: datetime.datetime | None = None,
) -> str | None:
    now = now or timezone.now()
    if phase in (Phase.CLOSED, Phase.PUBLISHED):
        return VOTING_CLOSED
    if phase != Phase.VOTING or (start is not None and now < start):
        return VOTING_NOT_OPEN
    if end is not None and now >= end:
        return VOTING_CLOSED
    return None


def _refuse_outside_window_locked(round_id: int) -> None:
    """Re-read the round's phase and dates under a shared lock (so a close cannot slip in until
    we commit) and refuse a ballot outside the voting window."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT phase, voting_start, voting_end FROM budgets_round WHERE id = %s FOR SHARE",
                [round_id],
            )
            row = cursor.fetchone()
    else:
        row = (
            Round.objects.filter(pk=round_id)
            .values_list("phase", "voting_start", "voting_end")
            .first()
        )
    problem = _window_problem(*row) if row else VOTING_NOT_OPEN
    if problem:
        raise ValidationError(problem, code="not_voting")


def _lock_phase(round_id: int) -> str:
    """Read the round's phase under a shared lock, so a close cannot slip in until we commit."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT phase FROM budgets_round WHERE id = %s FOR SHARE", [round_id])
            row = cursor.fetchone()
        return str(row[0]) if row else ""
    return str(Round.objects.filter(pk=round_id).values_list("phase", flat=True).first() or "")


def _refuse_unless_voting(phase: str) -> None:
    if phase == Phase.VOTING:
        return
    if phase in (Phase.CLOSED, Phase.PUBLISHED):
        raise ValidationError("Voting has closed in this round.", code="not_voting")
    raise ValidationError("Voting has not opened in this round yet.", code="not_voting")


def _refuse_outside_window(round: Round) -> None:
    problem = voting_window_problem(round)
    if problem:
        raise ValidationError(problem, code="not_voting")


ALREADY_VOTED_ELSEWHERE = (
    "You have already voted in another ward's community chest this budget year "
    "({year}-{next_year}). Each person takes part in one ward's vote a year."
)
ACCOUNT_VOTED = (
    "Your account has already voted in this round. To change your vote, vote again while "
    "signed in, without a code: the code from your letter cannot add a second vote."
)


def cast_ballot(
    round: Round,
    selection: Selection,
    *,
    declaration: Declaration | None,
    code: str | None = None,
    user: Any = None,
    client: str = "unknown",
    projects: Sequence[Proposal] | None = None,
    postcode: str | None = None,
) -> CastResult:
    """Cast (or replace) one online ballot for a code holder or a signed-in person.

    One person, one live ballot, whatever the channel:
    - a signed-in person votes as a registered resident of the area, or by giving a postcode in
      the area's list (checked, never stored); a signed-in person who enters a code votes with
      the code AND their account is marked off too, so neither can vote again separately
      (help-desk staff entering a voter's code are not marked: their ballot is assisted);
    - a signed-in person takes part in at most settings.WARD_VOTES_PER_YEAR wards' votes per
      budget year;
    - concurrent submissions queue on the code's or the register's row lock, the round's phase
      and dates are re-checked after the lock, and a partial unique constraint backs it up.
    """
    _refuse_outside_window(round)
    basis = check_declaration(round, declaration)
    signed_in = user is not None and user.is_authenticated
    # A code used from a councillor's or clerk's session is help-desk voting: it counts like any
    # other ballot, and the ledger records that it was assisted (never what was chosen).
    assisted = code is not None and can(user, Action.ENTER_PAPER, round.ward)
    if code is None:
        if not signed_in:
            raise PermissionDenied("Sign in, or enter the voting code from your letter.")
        if not round.allow_postcode_voting:
            raise PermissionDenied("This round is voted on with voting codes only.")
        if not is_resident_voter(user, round):
            if not _area_postcodes(round).exists():
                raise PermissionDenied(
                    f"Only residents of {round.area_name} can vote here. If you live, work or "
                    "study there, use the voting code from your letter."
                )
            check_postcode(round, postcode)
    elif not round.allow_code_voting:
        raise ValidationError("This round does not use voting codes.")
    checked = check_selection(round, selection, projects or ballot_projects(round))
    if not checked.ok:
        raise ValidationError(checked.problems)

    account_key: str | None = None
    if signed_in and not assisted:
        account_key = codes.voter_key_for_user(round, user.pk)
    if code is not None:
        if code_attempts_blocked(round, client):
            raise TooManyAttempts(
                "Too many wrong codes have been tried. Please wait 15 minutes and try again."
            )
        try:
            normal = codes.normalise_code(code)
        except codes.CodeFormatError as exc:
            # A typo the check character caught: it could never have matched, so it is not
            # counted as a guess.
            raise ValidationError(str(exc), code="bad_code") from None
        voter_key = codes.voter_key_for_code(round, normal)
        code_hash = codes.hash_code(round, normal)
    else:
        assert account_key is not None
        voter_key = account_key

    receipt = codes.new_receipt()
    vote_type = PB_VOTE_TYPE[BallotType(round.ballot_type)]
    canonical = _canonical_selection(round, selection)
    # The hot path of a busy vote: a handful of plain statements, no ORM query building.
    with transaction.atomic(), connection.cursor() as cursor:
        code_id: int | None = None
        if code is not None:
            code_id = _lock_code(cursor, round.pk, code_hash)
            if code_id is None:
                _code_failed(round, client)
                raise ValidationError(INVALID_CODE, code="bad_code")
        _refuse_outside_window_locked(round.pk)
        if account_key is not None:
            _mark_participation(cursor, round, account_key, user.pk)
        voter_id, channel = _register_voter(
            cursor, round.pk, voter_key, code_id, account_key if code is not None else None, basis
        )
        if channel != Channel.ONLINE:
            if code_id is not None:
                raise ValidationError(INVALID_CODE, code="bad_code")
            raise ValidationError("You have already voted on paper in this round.")
        cursor.execute(
            "UPDATE ballots_ballot SET status = %s, selection = NULL "
            "WHERE voter_id = %s AND status = %s",
            [BallotStatus.REPLACED.value, voter_id, BallotStatus.LIVE.value],
        )
        replaced = cursor.rowcount > 0
        cursor.execute(
            "INSERT INTO ballots_ballot (round_id, voter_id, receipt, status, channel, selection, "
            "commitment, assisted, sealed, superseded_sealed, cast_on) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                round.pk,
                voter_id,
                receipt,
                BallotStatus.LIVE.value,
                Channel.ONLINE.value,
                json.dumps(canonical),
                ballot_commitment(receipt, vote_type, canonical),
                assisted,
                False,
                False,
                timezone.localdate(),
            ],
        )
        if assisted:
            audit.record(
                "ballot.assisted",
                ward=round.ward,
                round=round,
                actor=audit.actor_for(user, _actor_role(user)),
                payload={},
            )
        seal_if_due(round)
    return CastResult(receipt=receipt, replaced=replaced)


def _lock_code(cursor: Any, round_id: int, code_hash: str) -> int | None:
    """The id of a live (unrevoked) code of this round, locked until the transaction ends."""
    sql = (
        "SELECT id FROM ballots_votingcode "
        "WHERE code_hash = %s AND round_id = %s AND revoked_at IS NULL"
    )
    if connection.vendor == "postgresql":
        sql += " FOR UPDATE"  # SQLite has no row locks: it serialises writers instead
    cursor.execute(sql, [code_hash, round_id])
    row = cursor.fetchone()
    return int(row[0]) if row else None


def _mark_participation(cursor: Any, round: Round, account_key: str, user_id: int) -> None:
    """Hold a signed-in person to settings.WARD_VOTES_PER_YEAR wards' votes per budget year.

    Serialised per person by an advisory lock on PostgreSQL (SQLite serialises writers), so two
    wards' ballots racing each other cannot both slip under the limit.
    """
    year = round.budget_year
    key, *retired = codes.person_keys_for_user(user_id, year)
    if connection.vendor == "postgresql":
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", [0x50415254, key])
    rounds: set[int] = set()
    wards: set[int] = set()
    for candidate in (key, *retired):
        cursor.execute(
            "SELECT p.round_id, r.ward_id FROM ballots_participation p "
            "JOIN budgets_round r ON r.id = p.round_id "
            "WHERE p.budget_year = %s AND p.person_key = %s",
            [year, candidate],
        )
        for round_id, ward_id in cursor.fetchall():
            rounds.add(int(round_id))
            wards.add(int(ward_id))
    if round.pk in rounds:
        return
    # The limit counts wards: a ward's own round and its neighbourhood's are one ward's vote.
    if round.ward_id not in wards and len(wards) >= settings.WARD_VOTES_PER_YEAR:
        raise ValidationError(
            ALREADY_VOTED_ELSEWHERE.format(year=year, next_year=str(year + 1)[-2:]),
            code="voted_elsewhere",
        )
    cursor.execute(
        "INSERT INTO ballots_participation (person_key, budget_year, round_id) VALUES (%s, %s, %s)",
        [key, year, round.pk],
    )


ACCOUNT_ROW_SQL = "SELECT id, channel FROM ballots_voter WHERE round_id = %s AND account_key = %s"


def _register_voter(
    cursor: Any,
    round_id: int,
    key: str,
    code_id: int | None,
    account_key: str | None = None,
    basis: str = "",
) -> tuple[int, str]:
    """Mark the voter off in the register (or find them there), locking their row.

    `key` is the code's key, or the account's when voting without a code. A signed-in person who
    votes with a code is one row: the code's, with `account_key` marking the account too. So:
    an account voting without a code finds the row its code vote marked; an account that voted
    (on its own or with another code) cannot add a second ballot with a code. The caller holds
    the person's participation lock, so these checks cannot race each other.
    """
    if code_id is None:
        # Signed in without a code: the account may have been marked by a code vote.
        cursor.execute(
            ACCOUNT_ROW_SQL + (" FOR UPDATE" if connection.vendor == "postgresql" else ""),
            [round_id, key],
        )
        row = cursor.fetchone()
        if row is not None:
            return int(row[0]), str(row[1])
    elif account_key is not None:
        cursor.execute(
            "SELECT 1 FROM ballots_voter WHERE round_id = %s AND key <> %s "
            "AND (key = %s OR account_key = %s)",
            [round_id, key, account_key, account_key],
        )
        if cursor.fetchone() is not None:
            raise ValidationError(ACCOUNT_VOTED, code="account_voted")
    cursor.execute(
        "INSERT INTO ballots_voter (round_id, key, channel, voting_code_id, account_key, basis, "
        "created_on) VALUES (%s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (round_id, key) DO UPDATE SET basis = EXCLUDED.basis "
        "RETURNING id, channel, account_key",
        [
            round_id,
            key,
            Channel.ONLINE.value,
            code_id,
            account_key or "",
            basis,
            timezone.localdate(),
        ],
    )
    row = cursor.fetchone()
    voter_id, channel, marked = int(row[0]), str(row[1]), str(row[2])
    if account_key is not None and marked != account_key:
        if marked:
            # This code voted before from another account: one letter, one person.
            raise ValidationError(INVALID_CODE, code="bad_code")
        cursor.execute(
            "UPDATE ballots_voter SET account_key = %s WHERE id = %s", [account_key, voter_id]
        )
    return voter_id, channel


# --- One confirmation, one ballot ------------------------------------------------------------

CAST_TOKEN_SALT = "ballots.cast-token"  # noqa: S105 (a signing namespace, not a secret)
# How long a review page may wait before "Cast my vote", and how long its receipt page answers.
CAST_TOKEN_SECONDS = 2 * 60 * 60


def new_cast_token(round: Round) -> str:
    """A signed one-time token for the review step's "Cast my vote" button."""
    return signing.dumps({"r": round.pk, "n": secrets.token_urlsafe(18)}, salt=CAST_TOKEN_SALT)


def _token_nonce_hash(round: Round, token: str) -> str | None:
    try:
        data = signing.loads(token, salt=CAST_TOKEN_SALT, max_age=CAST_TOKEN_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("r") != round.pk or not data.get("n"):
        return None
    return hashlib.sha256(str(data["n"]).encode()).hexdigest()


def cast_by_token(round: Round, token: str) -> CastResult | None:
    """The ballot a confirmation cast, while its token is fresh; None otherwise."""
    nonce_hash = _token_nonce_hash(round, token)
    if nonce_hash is None:
        return None
    row = CastToken.objects.filter(round=round, nonce_hash=nonce_hash).first()
    if row is None or not row.receipt:
        return None
    return CastResult(receipt=row.receipt, replaced=row.replaced)


def cast_token_used(round: Round, token: str) -> str | None:
    """The token again if it has already cast a ballot (a resubmission), else None."""
    return token if token and cast_by_token(round, token) is not None else None


def cast_with_token(round: Round, selection: Selection, *, token: str, **kwargs: Any) -> str:
    """Cast once per review-step token. A second submission of the same token (double click,
    refresh, back-and-resubmit) waits for the first on the token's unique row and casts
    nothing; both answer with the same token, which leads to the same receipt.
    """
    nonce_hash = _token_nonce_hash(round, token)
    if nonce_hash is None:
        raise ValidationError(
            "This page has expired. Check your choices and review your vote again.",
            code="expired",
        )
    _cast_once(round, nonce_hash, selection, **kwargs)
    return token


def cast_idempotently(
    round: Round, selection: Selection, *, idempotency_key: str, **kwargs: Any
) -> tuple[CastResult, bool]:
    """The API's retry-safe cast: the same Idempotency-Key in the same round casts once and
    answers with the first cast's receipt. Returns (result, whether this call cast it)."""
    key = idempotency_key.strip()
    if not key or len(key) > 200:
        raise ValidationError("An Idempotency-Key header has 1 to 200 characters.")
    nonce_hash = hashlib.sha256(f"api:{round.pk}:{key}".encode()).hexdigest()
    return _cast_once(round, nonce_hash, selection, **kwargs)


def _cast_once(
    round: Round, nonce_hash: str, selection: Selection, **kwargs: Any
) -> tuple[CastResult, bool]:
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = CastToken.objects.create(round=round, nonce_hash=nonce_hash, receipt="")
        except IntegrityError:
            first = CastToken.objects.get(nonce_hash=nonce_hash)
            return CastResult(receipt=first.receipt, replaced=first.replaced), False
        result = cast_ballot(round, selection, **kwargs)
        row.receipt, row.replaced = result.receipt, result.replaced
        row.save(update_fields=["receipt", "replaced"])
    return result, True


# --- Sealing commitments in the ledger ------------------------------------------------------


def _last_seal_at(round: Round) -> datetime.datetime | None:
    event = (
        Event.objects.filter(round_id=round.pk, kind="ballots.sealed")
        .order_by("-seq")
        .only("payload")
        .first()
    )
    # Ballot events carry only their day in `at`; the seal's hour is kept in its payload.
    stamp = (event.payload or {}).get("sealed_after") if event else None
    return datetime.datetime.fromisoformat(stamp) if stamp else None


SEAL_ALL_SQL = (
    "UPDATE ballots_ballot SET sealed = %s WHERE round_id = %s AND sealed = %s RETURNING commitment"
)
# All pending commitments but the K with the smallest hashes: an order unrelated to casting, so
# which ballots wait for the next seal says nothing about when they were cast.
SEAL_HOLDING_BACK_SQL = (
    "UPDATE ballots_ballot SET sealed = %s WHERE round_id = %s AND sealed = %s AND id NOT IN ("
    "SELECT id FROM ballots_ballot WHERE round_id = %s AND sealed = %s "
    "ORDER BY commitment LIMIT %s) RETURNING commitment"
)
PENDING_SQL = "SELECT COUNT(*) FROM ballots_ballot WHERE round_id = %s AND sealed = %s"
PENDING_LIST_SQL = "SELECT commitment FROM ballots_ballot WHERE round_id = %s AND sealed = %s"

# When each round was last sealed, as this process last saw it. A seal by another worker can only
# make the true time later, so "sealed less than an hour ago" read from here is always right.
_LAST_SEAL_SEEN: dict[tuple[int, datetime.datetime], datetime.datetime] = {}


def seal_if_due(round: Round, *, force: bool = False, mark: bool = True) -> int:
    """Seal pending commitments in the ledger: batches of at least K, at most one an hour.

    K is the round's `seal_batch_size`. While voting, a seal waits until 2K commitments are
    pending and then seals all but K of them, so the batch holds at least K and at least K are
    always left for the seal at close (`force=True`, which seals every pending one): no batch,
    the last included, holds fewer than K. Only a round with fewer than K ballots in all is
    sealed in one smaller batch, at close. Commitments are sorted within a batch, so the ledger's
    order cannot tell which one belongs to someone seen voting. `mark=False` (close only, the
    round locked) lists them without marking: the caller marks the rows. Returns how many were
    sealed.
    """
    k = round.seal_batch_size
    if not force:
        now = timezone.now()
        seen = _LAST_SEAL_SEEN.get((round.pk, round.created_at))
        if seen is not None and now - seen < SEAL_INTERVAL:
            return 0
        with connection.cursor() as cursor:
            cursor.execute(PENDING_SQL, [round.pk, False])
            (pending,) = cursor.fetchone()
        if pending < 2 * k:
            return 0
        last = _last_seal_at(round)
        if last is not None:
            _LAST_SEAL_SEEN[(round.pk, round.created_at)] = last
            if now - last < SEAL_INTERVAL:
                return 0
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [0x5345414C, round.pk])
            (got,) = cursor.fetchone()
        if not got:
            return 0  # another request is sealing this round right now
    # Mark and collect in one statement each, so a ballot committed meanwhile is never marked
    # sealed without being listed (and the ids never travel back as a huge IN list).
    with connection.cursor() as cursor:
        if force and not mark:
            # Closing: the round is locked, so nothing is cast meanwhile, and forget_casting
            # rewrites every row as sealed anyway; listing them spares a pass over the table.
            cursor.execute(PENDING_LIST_SQL, [round.pk, False])
        elif force:
            cursor.execute(SEAL_ALL_SQL, [True, round.pk, False])
        else:
            # Counted again under the lock: a seal another worker committed meanwhile may have
            # left fewer than 2K pending. Ballots committed from now on can only add to them.
            cursor.execute(PENDING_SQL, [round.pk, False])
            (pending,) = cursor.fetchone()
            if pending < 2 * k:
                return 0
            cursor.execute(SEAL_HOLDING_BACK_SQL, [True, round.pk, False, round.pk, False, k])
        new = [row[0] for row in cursor.fetchall()]
        # Only replaced ballots whose own commitment is sealed (now or before) can be listed
        # as superseded: one held back is listed with the seal that lists it.
        if force and not mark:
            cursor.execute(
                "SELECT commitment FROM ballots_ballot "
                "WHERE round_id = %s AND status = %s AND superseded_sealed = %s",
                [round.pk, BallotStatus.REPLACED.value, False],
            )
        else:
            cursor.execute(
                "UPDATE ballots_ballot SET superseded_sealed = %s WHERE round_id = %s "
                "AND status = %s AND superseded_sealed = %s AND sealed = %s RETURNING commitment",
                [True, round.pk, BallotStatus.REPLACED.value, False, True],
            )
        superseded = [row[0] for row in cursor.fetchall()]
    if not new and not superseded:
        return 0
    hour = timezone.now().astimezone(datetime.UTC).replace(minute=0, second=0, microsecond=0)
    audit.record(
        "ballots.sealed",
        ward=round.ward,
        round=round,
        actor=audit.SYSTEM,
        payload={
            "commitments": sorted(new),
            "superseded": sorted(superseded),
            # The hour, not the minute: enough to space seals an hour apart.
            "sealed_after": hour.isoformat(),
        },
    )
    transaction.on_commit(lambda: _LAST_SEAL_SEEN.__setitem__((round.pk, round.created_at), hour))
    return len(new)


# --- Receipts -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptStatus:
    receipt: str
    round: Round
    status: str  # counted | replaced | pending
    selection: Any | None  # the ballot as published, once the round is published


def receipt_status(raw: str) -> ReceiptStatus | None:
    """What happened to the ballot behind a receipt; None if no such receipt exists."""
    try:
        receipt = codes.normalise_receipt(raw)
    except codes.CodeFormatError:
        return None
    ballot = Ballot.objects.select_related("round", "round__ward").filter(receipt=receipt).first()
    if ballot is None:
        return None
    round = ballot.round
    if ballot.status == BallotStatus.REPLACED:
        status = "replaced"
    elif round.phase in (Phase.CLOSED, Phase.PUBLISHED):
        status = "counted"
    else:
        status = "pending"
    shown = ballot.selection if round.phase == Phase.PUBLISHED and status == "counted" else None
    return ReceiptStatus(receipt, round, status, shown)


def turnout(round: Round) -> dict[str, int]:
    """Distinct voters by channel: every register row has exactly one counted ballot, so a
    replaced ballot never counts twice."""
    counts = dict(Voter.objects.filter(round=round).values_list("channel").annotate(n=Count("id")))
    online, paper = int(counts.get(Channel.ONLINE, 0)), int(counts.get(Channel.PAPER, 0))
    return {"online": online, "paper": paper, "total": online + paper}


def assisted_count(round: Round) -> int:
    """Counted ballots cast with help at a desk (how many, never which)."""
    return Ballot.objects.filter(round=round, status=BallotStatus.LIVE, assisted=True).count()


# --- Voting codes ---------------------------------------------------------------------------


def issue_codes(
    round: Round, count: int, *, by: Any = None, make_code: Callable[[], str] | None = None
) -> list[str]:
    """Create `count` one-time codes, returned in clear this once: only their hashes are kept.

    `make_code` replaces the secure generator for demonstration data only (seeded codes that the
    demo can print again on every run); real letters always use the default.
    """
    if count < 1 or count > 200_000:
        raise ValidationError("Issue between 1 and 200,000 codes at a time.")
    if round.phase in (Phase.CLOSED, Phase.PUBLISHED):
        raise ValidationError("This round has closed; no more codes can be issued.")
    if not round.allow_code_voting:
        raise ValidationError("This round does not use voting codes; allow them first.")
    issued = [(make_code or codes.new_code)() for _ in range(count)]
    with transaction.atomic():
        VotingCode.objects.bulk_create(
            [VotingCode(round=round, code_hash=codes.hash_code(round, c)) for c in issued],
            batch_size=2000,
        )
        audit.record(
            "codes.issued",
            ward=round.ward,
            round=round,
            actor=audit.actor_for(by, "staff") if by is not None else audit.SYSTEM,
            payload={"count": count},
        )
    return issued


def revoke_code(round: Round, code: str, *, by: Any = None, reason: str) -> None:
    """Stop a code from voting (a lost or stolen letter). A ballot it already cast still counts;
    it just can no longer be replaced. `by=None` is staff on the command line."""
    if by is not None:
        require(by, Action.MANAGE_ROUND, round.ward)
    reason = single_line(reason)
    if not reason:
        raise ValidationError("Give a reason for revoking the code.")
    try:
        normal = codes.normalise_code(code)
    except codes.CodeFormatError as exc:
        raise ValidationError(str(exc)) from None
    with transaction.atomic():
        row = (
            VotingCode.objects.select_for_update()
            .filter(round=round, code_hash=codes.hash_code(round, normal))
            .first()
        )
        if row is None:
            raise ValidationError("No such code in this round.")
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.revoke_reason = reason[:300]
            row.save(update_fields=["revoked_at", "revoke_reason"])
            audit.record(
                "code.revoked",
                ward=round.ward,
                round=round,
                actor=_actor(by, round),
                payload={"code_id": row.pk, "reason": row.revoke_reason},
            )


def codes_csv(issued: Sequence[str], round: Round, base_url: str = "") -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "round", "ward", "ballot_url"])
    url = f"{base_url.rstrip('/')}/rounds/{round.pk}/vote/"
    for code in issued:
        writer.writerow([spreadsheet_safe(v) for v in (code, round.pk, round.ward.name, url)])
    return out.getvalue()


# --- Paper ballots --------------------------------------------------------------------------


@dataclass(frozen=True)
class PaperAccount:
    issued: int
    spoilt: int
    unused: int
    cast: int


def _actor_role(user: Any) -> str:
    if user is not None and getattr(user, "is_staff", False):
        return "staff"
    return "councillor"


# Kept in a resolved entry instead of the code: an HMAC under its own label, so it matches
# nothing in the code register (whose rows follow the printed letters' order) without the key.
PAPER_CODE_LABEL = "paper entry:"


def _code_hmac(round: Round, text: str) -> str:
    """The paper path's one call of codes.hash_code."""
    return codes.hash_code(round, text)


def _scrubbed(round: Round, item: Mapping[str, Any]) -> dict[str, Any]:
    """A paper ballot as kept once its batch is resolved: the code's HMAC, never the code."""
    kept = {key: value for key, value in item.items() if key != "code"}
    if "code" in item:
        kept["code_hmac"] = _code_hmac(round, PAPER_CODE_LABEL + str(item["code"]))
    return kept


def _scrub_entries(round: Round, entries: Iterable[PaperEntry]) -> int:
    """Replace every clear code in these entries by its HMAC; how many entries changed."""
    changed = 0
    for entry in entries:
        if not any("code" in item for item in entry.ballots):
            continue
        entry.ballots = [_scrubbed(round, item) for item in entry.ballots]
        entry.save(update_fields=["ballots"])
        changed += 1
    return changed


def scrub_unresolved_paper_codes(round: Round) -> int:
    """At close: no voting code typed into a batch that was never resolved survives in clear.

    Accepted batches were scrubbed when they were accepted; this replaces the codes of batches
    still awaiting a second entry or still disagreeing by their HMACs. Idempotent; returns how
    many entries it changed. Call it inside the closing transaction, under the round's lock.
    """
    with transaction.atomic():
        entries = (
            PaperEntry.objects.select_for_update()
            .filter(batch__round_id=round.pk)
            .exclude(batch__status=PaperBatch.Status.ACCEPTED)
            .order_by("id")
        )
        return _scrub_entries(round, entries)


def _normal_paper_ballots(
    round: Round, ballots: Sequence[Mapping[str, Any]]
) -> list[dict[str, Any]]:
    normal = []
    for position, item in enumerate(ballots, start=1):
        raw_code = str(item.get("code", ""))
        try:
            code = codes.normalise_code(raw_code)
        except codes.CodeFormatError:
            code = raw_code.strip().upper()
        try:
            selection = _canonical_selection(round, parse_selection(round, item))
        except ValidationError as exc:
            raise ValidationError(f"Ballot {position}: {' '.join(exc.messages)}") from None
        normal.append({"code": code, "selection": selection})
    return normal


def enter_paper_batch(
    round: Round,
    *,
    polling_place: str,
    by: Any,
    account: PaperAccount,
    ballots: Sequence[Mapping[str, Any]],
) -> PaperBatch:
    """Record one person's entry of a batch; the second agreeing entry makes it count.

    The codes typed are kept in clear only while the batch is unresolved, so the people entering
    it can compare entries side by side; accepting it replaces them by HMACs in every entry.
    """
    require(by, Action.ENTER_PAPER, round.ward)
    _refuse_unless_voting(round.phase)
    place = single_line(polling_place)
    if not place:
        raise ValidationError("Name the polling place.")
    if account.issued != account.spoilt + account.unused + account.cast:
        raise ValidationError(
            f"The ballot-paper account does not balance: {account.issued} issued, but "
            f"{account.spoilt} spoilt + {account.unused} unused + {account.cast} cast = "
            f"{account.spoilt + account.unused + account.cast}."
        )
    if account.cast != len(ballots):
        raise ValidationError(
            f"The account says {account.cast} ballots were cast, but {len(ballots)} were entered."
        )
    normal = _normal_paper_ballots(round, ballots)
    with transaction.atomic():
        # The phase as the database has it, under the same shared lock as an online ballot: a
        # close waits for this batch to commit (and counts it), or this entry waits for the
        # close and is refused. `round` itself may have been loaded before the close.
        _refuse_unless_voting(_lock_phase(round.pk))
        batch, _ = PaperBatch.objects.select_for_update().get_or_create(
            round=round, polling_place=place
        )
        if batch.status == PaperBatch.Status.ACCEPTED:
            raise ValidationError(f"The batch from {place} has already been accepted.")
        latest = batch.entries.order_by("-created_at", "-id").first()
        if latest is not None and latest.entered_by_id == by.pk:
            raise ValidationError(
                "You made the latest entry of this batch. A different person must enter it "
                "next, so that two people's entries are compared."
            )
        entry = PaperEntry.objects.create(
            batch=batch,
            entered_by=by,
            issued=account.issued,
            spoilt=account.spoilt,
            unused=account.unused,
            cast=account.cast,
            ballots=normal,
        )
        audit.record(
            "paper_batch.entered",
            ward=round.ward,
            round=round,
            actor=audit.actor_for(by, _actor_role(by)),
            payload={"batch": batch.pk, "polling_place": place, "entry": entry.pk},
        )
        entries = list(batch.entries.order_by("created_at", "id"))
        if len(entries) >= 2:
            first, second = entries[-2], entries[-1]
            if paper_entries_agree(first, second):
                _accept_batch(round, batch, second, by)
            else:
                batch.status = PaperBatch.Status.DISAGREE
                batch.save(update_fields=["status"])
                audit.record(
                    "paper_batch.rejected",
                    ward=round.ward,
                    round=round,
                    actor=audit.actor_for(by, _actor_role(by)),
                    payload={"batch": batch.pk, "reason": "the two entries disagree"},
                )
        return batch


def paper_entries_agree(a: PaperEntry, b: PaperEntry) -> bool:
    return (a.issued, a.spoilt, a.unused, a.cast, a.ballots) == (
        b.issued,
        b.spoilt,
        b.unused,
        b.cast,
        b.ballots,
    )


def paper_differences(batch: PaperBatch) -> list[dict[str, Any]]:
    """The two latest entries side by side, row by row, for people resolving a disagreement."""
    entries = list(batch.entries.order_by("-created_at", "-id")[:2])
    if len(entries) < 2:
        return []
    second, first = entries
    rows: list[dict[str, Any]] = []
    for field in ("issued", "spoilt", "unused", "cast"):
        a, b = getattr(first, field), getattr(second, field)
        rows.append({"what": field.capitalize(), "first": a, "second": b, "same": a == b})
    for i in range(max(len(first.ballots), len(second.ballots))):
        a = first.ballots[i] if i < len(first.ballots) else None
        b = second.ballots[i] if i < len(second.ballots) else None
        rows.append(
            {
                "what": f"Ballot {i + 1}",
                "first": _paper_ballot_text(a),
                "second": _paper_ballot_text(b),
                "same": a == b,
            }
        )
    return rows


def _paper_ballot_text(item: Mapping[str, Any] | None) -> str:
    """'ABCDEF-…: 12, 15' as a clerk typed it, for the side-by-side comparison; only the marks
    ('12, 15') once the batch is resolved and its codes are no longer kept."""
    if item is None:
        return "(missing)"
    selection = item.get("selection") or []
    if isinstance(selection, dict):
        marks = ", ".join(f"{pid}={n}" for pid, n in selection.items())
    else:
        marks = ", ".join(str(pid) for pid in selection)
    if "code" not in item:
        return marks
    return f"{item['code']}: {marks}"


def _accept_batch(round: Round, batch: PaperBatch, entry: PaperEntry, by: Any) -> None:
    """Count an agreed batch. Runs inside the entry's transaction, under the phase lock."""
    _refuse_unless_voting(_lock_phase(round.pk))
    projects = ballot_projects(round)
    vote_type = PB_VOTE_TYPE[BallotType(round.ballot_type)]
    counted = 0
    for position, item in enumerate(entry.ballots, start=1):
        reason = _paper_ballot_problem(round, item, projects)
        if reason is None:
            code = item["code"]
            code_row = (
                VotingCode.objects.select_for_update()
                .filter(round=round, code_hash=_code_hmac(round, code))
                .first()
            )
            key = codes.voter_key_for_code(round, code)
            if Voter.objects.filter(round=round, key=key).exists():
                reason = "this code has already voted (online or on paper)"
            else:
                voter = Voter.objects.create(
                    round=round, key=key, channel=Channel.PAPER, voting_code=code_row
                )
                receipt = codes.new_receipt()
                Ballot.objects.create(
                    round=round,
                    voter=voter,
                    receipt=receipt,
                    channel=Channel.PAPER,
                    selection=item["selection"],
                    commitment=ballot_commitment(receipt, vote_type, item["selection"]),
                )
                counted += 1
        if reason is not None:
            PaperRejection.objects.create(batch=batch, position=position, reason=reason)
    batch.status = PaperBatch.Status.ACCEPTED
    batch.accepted_at = timezone.now()
    batch.save(update_fields=["status", "accepted_at"])
    # Resolved: no entry of this batch (a superseded, disagreeing one included) keeps a code.
    _scrub_entries(round, batch.entries.select_for_update().order_by("id"))
    audit.record(
        "paper_batch.accepted",
        ward=round.ward,
        round=round,
        actor=audit.actor_for(by, _actor_role(by)),
        payload={
            "batch": batch.pk,
            "polling_place": batch.polling_place,
            "issued": entry.issued,
            "spoilt": entry.spoilt,
            "unused": entry.unused,
            "cast": entry.cast,
            "counted": counted,
            "rejected": [
                {"position": r.position, "reason": r.reason} for r in batch.rejections.all()
            ],
        },
    )
    seal_if_due(round)


def _paper_ballot_problem(
    round: Round, item: Mapping[str, Any], projects: Sequence[Proposal]
) -> str | None:
    try:
        codes.normalise_code(item["code"])
    except codes.CodeFormatError:
        return "the voting code on the ballot is not a valid code"
    row = VotingCode.objects.filter(round=round, code_hash=_code_hmac(round, item["code"])).first()
    if row is None:
        return "the voting code is not one issued for this round"
    if row.revoked:
        return "the voting code was revoked"
    selection = item["selection"]
    parsed: Selection = (
        {int(k): int(v) for k, v in selection.items()}
        if isinstance(selection, dict)
        else [int(p) for p in selection]
    )
    checked = check_selection(round, parsed, projects)
    if not checked.ok:
        return "; ".join(checked.problems)
    return None


# --- Closing and publishing -----------------------------------------------------------------


def shuffled(items: Sequence[T]) -> list[T]:
    """The items in an order drawn from the operating system's random source.

    Each item gets 128 random bits and the items are sorted by them: a uniformly random
    permutation (ties, at n² / 2¹²⁹, never happen in practice), and about a hundred times faster
    than SystemRandom.shuffle, which asks the operating system for bits once per item.
    """
    n = len(items)
    if n < 2:
        return list(items)
    keys = np.frombuffer(os.urandom(16 * n), dtype=[("hi", "<u8"), ("lo", "<u8")])
    return [items[i] for i in np.argsort(keys, order=("hi", "lo"), kind="stable")]


def build_profile(round: Round, *, shuffle: bool = False) -> tuple[Any, Any]:
    """The one crossing into the tally core: the round's counted ballots as Instance/Profile.

    Project ids are the proposals' API ids and voter ids are the ballots' receipts, so the
    published ballots.pb reproduces the result with `python -m ballots.tally`.
    """
    from ballots.tally import Instance, Profile, Project

    proposals = ballot_projects(round)
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
    rows = list(
        Ballot.objects.filter(round=round, status=BallotStatus.LIVE).values_list(
            "receipt", "selection"
        )
    )
    if shuffle:
        # Published ballots carry no order that could link them to a voter.
        rows = shuffled(rows)
    else:
        rows.sort()
    limits: dict[str, int] = {}
    if round.ballot_type == BallotType.KNAPSACK:
        limits["max_sum_cost"] = round.budget_pence
    if round.ballot_type in (BallotType.APPROVAL, BallotType.RANKED) and round.max_choices:
        limits["max_length"] = round.max_choices
    if round.ballot_type == BallotType.APPROVAL and round.min_choices:
        limits["min_length"] = round.min_choices
    if round.ballot_type == BallotType.CUMULATIVE and round.max_points:
        limits["max_sum_points"] = round.max_points
    # Live ballots always have a selection (only replaced ones are emptied).
    ballots: dict[str, Any] = {receipt: selection for receipt, selection in rows}
    if vote_type == "approval":
        profile = Profile.from_approvals(ballots, **limits)
    elif vote_type == "cumulative":
        profile = Profile.from_points(ballots, "cumulative", **limits)
    else:
        profile = Profile.from_rankings(ballots, **limits)
    return instance, profile


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _tally_round(round: Round) -> tuple[dict[str, Any], str, list[dict[str, Any]]]:
    from ballots import tally as core

    instance, profile = build_profile(round, shuffle=True)
    ballots_pb = core.dumps_pb(instance, profile)
    rule = round.rule if round.ballot_type != BallotType.RANKED else "greedy"
    # workers=1: a web or command process never forks helpers for mes-add1.
    outcome = core.tally(instance, profile, rule=rule, sat=round.sat, workers=1).to_dict()
    outcome.update(
        {
            "round": round.pk,
            "ward": round.ward.slug,
            "title": round.title,
            "ballot_type": round.ballot_type,
            "tie_breaking": "lexicographic: the smallest project id compared as text wins a tie",
            "software_version": core.__version__,
            "ballots_sha256": _sha256(ballots_pb),
            "money_unit": "pence",
        }
    )
    try:
        comparison = [dict(row) for row in core.compare(instance, profile, workers=1)]
    except core.TallyError:
        comparison = []
    return outcome, ballots_pb, comparison


def close_round(round: Round, *, by: Any = None) -> Result:
    """End voting, tally the counted ballots with the round's rule and store the result.

    One transaction: a crash part-way leaves the round open and running it again finishes it;
    closing a closed round returns its result (idempotent). `by=None` is the command line.
    """
    if by is not None:
        require(by, Action.MANAGE_ROUND, round.ward)
    with transaction.atomic():
        locked = Round.objects.select_for_update().select_related("ward").get(pk=round.pk)
        if locked.phase in (Phase.CLOSED, Phase.PUBLISHED):
            return Result.objects.get(round=locked)
        if locked.phase != Phase.VOTING:
            raise ValidationError(
                "Only a round in voting can be closed; this one is in "
                f"{locked.get_phase_display()}."
            )
        # Listed here, marked sealed by forget_casting's rewrite below.
        seal_if_due(locked, force=True, mark=False)
        outcome, ballots_pb, comparison = _tally_round(locked)
        counts = turnout(locked)
        # The published result.json is exactly these bytes, so anyone can check its hash
        # against the round.closed and result.published events.
        result_text = json.dumps(outcome, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
        result = Result.objects.create(
            round=locked,
            result_json=outcome,
            result_text=result_text,
            result_sha256=_sha256(result_text),
            ballots_pb=ballots_pb,
            ballots_sha256=outcome["ballots_sha256"],
            comparison=comparison,
            online_turnout=counts["online"],
            paper_turnout=counts["paper"],
        )
        # Secret ballot: from here on nothing links a voter or code to a ballot, nor tells the
        # order in which ballots were cast (see "What is stored about voters" in the README).
        forget_casting(locked)
        # Paper codes still in clear (batches never resolved) and the confirmation tokens that
        # lead to receipts go too.
        scrub_unresolved_paper_codes(locked)
        CastToken.objects.filter(round=locked).delete()
        enter_result_phase(locked, Phase.CLOSED, by=by, reason="voting closed; ballots counted")
        audit.record(
            "round.closed",
            ward=locked.ward,
            round=locked,
            actor=_actor(by, locked),
            payload={
                "result_sha256": result.result_sha256,
                "ballots_sha256": result.ballots_sha256,
                "rule": outcome["rule"],
                "sat": outcome["sat"],
                # Nothing about the outcome is public before publication: result.published
                # lists what was selected; here only the hashes bind the result.
                "turnout": counts,
            },
        )
        _checkpoint("round closed", locked)
        # VACUUM cannot run inside a transaction: reclaim the old row versions once committed
        # (robust: whatever happens there, the close stands and advance_rounds retries).
        transaction.on_commit(lambda: reclaim_space(locked.pk), robust=True)
    round.phase = Phase.CLOSED
    return result


# --- Forgetting who cast what, at close --------------------------------------------------------

# The tables whose old row versions still hold the links that close cuts, until reclaimed.
SECRECY_TABLES = (
    "ballots_ballot",
    "ballots_voter",
    "ballots_votingcode",
    "ballots_paperentry",
    "ballots_casttoken",
)


def forget_casting(round: Round) -> None:
    """Cut every link between voters, codes and ballots, and every trace of casting order.

    Inside close_round's transaction, after the last seal and the count. The ballots (live and
    replaced: a receipt must still say which) and the register are written again as new rows, in
    an order drawn from the operating system's random source, with fresh ids and no voter, code or
    date of casting (every row gets the day of close); the old rows are deleted. `reclaim_space`
    then, after commit, rewrites the code rows and removes the old row versions.
    """
    today = timezone.localdate()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            # Deleted rows are overwritten with zeros instead of left in free pages.
            cursor.execute("PRAGMA secure_delete = ON")
        else:
            # Sort the rows in memory, not in temporary files (this transaction only).
            cursor.execute("SET LOCAL work_mem = '256MB'")
        _rewrite_shuffled(
            cursor,
            Ballot,
            round.pk,
            {"voter_id": None, "cast_on": today, "sealed": True},
            # Every ballot is sealed by now: a replaced one's supersession with it.
            {"superseded_sealed": f"t.status = '{BallotStatus.REPLACED.value}'"},
        )
        _rewrite_shuffled(cursor, Voter, round.pk, {"voting_code_id": None, "created_on": today})


def _rewrite_shuffled(
    cursor: Any,
    model: type[Ballot] | type[Voter],
    round_id: int,
    overrides: dict[str, Any],
    expressions: Mapping[str, str] | None = None,
) -> None:
    """Replace a round's rows of `model` by copies inserted in a cryptographically random order.

    Set-based: only the ids travel to Python (to be put in a random order, `shuffled`); the rows are
    copied through a temporary table, deleted, and inserted again sorted by their drawn rank, so
    new ids (from the table's ever-increasing sequence) and physical places follow that rank.
    Every column the model has is copied, so a field added later is kept without change here.
    """
    quote = connection.ops.quote_name
    postgres = connection.vendor == "postgresql"
    table = quote(model._meta.db_table)
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    cursor.execute(f"SELECT id FROM {table} WHERE round_id = %s", [round_id])  # noqa: S608
    ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return
    ids = shuffled(ids)

    def value(f: Any, row: str) -> str:
        if expressions and f.column in expressions:
            # Constant SQL of this module, never user input; `t.` names the old row.
            return expressions[f.column].replace("t.", f"{row}.")
        if f.column not in overrides:
            return f"{row}.{quote(f.column)}"
        # PostgreSQL needs the type of a NULL; SQLite would turn a date into a number.
        return f"CAST(%s AS {f.db_type(connection)})" if postgres else "%s"

    names = ", ".join(quote(f.column) for f in fields)
    params = [overrides[f.column] for f in fields if f.column in overrides]
    if postgres:
        # One statement: the old rows are deleted and their copies inserted in the drawn order
        # (a row deleted by this statement no longer holds its receipt's unique key).
        picked = ", ".join(value(f, "old") for f in fields)
        cursor.execute(
            f"WITH old AS (DELETE FROM {table} WHERE round_id = %s RETURNING *) "  # noqa: S608
            f"INSERT INTO {table} ({names}) SELECT {picked} FROM old "
            "JOIN unnest(%s::bigint[]) WITH ORDINALITY AS r(old_id, rank) ON r.old_id = old.id "
            "ORDER BY r.rank",
            [round_id, *params, ids],
        )
        return
    cursor.execute("DROP TABLE IF EXISTS cc_close_rank")
    cursor.execute("DROP TABLE IF EXISTS cc_close_rows")
    cursor.execute("CREATE TEMPORARY TABLE cc_close_rank (old_id bigint PRIMARY KEY, rank integer)")
    cursor.executemany(
        "INSERT INTO cc_close_rank (old_id, rank) VALUES (%s, %s)",
        [(old, rank) for rank, old in enumerate(ids)],
    )
    picked = ", ".join(f"{value(f, 't')} AS {quote(f.column)}" for f in fields)
    cursor.execute(
        f"CREATE TEMPORARY TABLE cc_close_rows AS SELECT r.rank AS cc_rank, {picked} "  # noqa: S608
        f"FROM {table} t JOIN cc_close_rank r ON r.old_id = t.id",
        params,
    )
    cursor.execute(f"DELETE FROM {table} WHERE round_id = %s", [round_id])  # noqa: S608
    cursor.execute(
        f"INSERT INTO {table} ({names}) SELECT {names} FROM cc_close_rows ORDER BY cc_rank"  # noqa: S608
    )
    cursor.execute("DROP TABLE cc_close_rows")
    cursor.execute("DROP TABLE cc_close_rank")


def reclaim_space(round_id: int | None = None) -> bool:
    """Remove the old row versions close left behind (PostgreSQL: rewrite the round's code rows,
    then VACUUM, which cannot run inside a transaction). Marks the results reclaimed;
    `advance_rounds` retries any that are not. Returns False, and logs why without any personal
    data, if it could not run."""
    pending = Result.objects.filter(space_reclaimed_at__isnull=True)
    if round_id is not None:
        pending = pending.filter(round_id=round_id)
    rounds = list(pending.values_list("round_id", flat=True))
    if not rounds:
        return True
    if connection.vendor == "postgresql":
        if connection.in_atomic_block:
            return False  # called inside a transaction: advance_rounds will retry
        try:
            with connection.cursor() as cursor:
                # A vote locks its code row (FOR UPDATE), which leaves the casting transaction's
                # id in the row (xmax): rewriting the round's code rows drops those traces. Not
                # inside close, where it would wait on a caster who waits on close (deadlock).
                cursor.execute(
                    "UPDATE ballots_votingcode SET revoke_reason = revoke_reason "
                    "WHERE round_id = ANY(%s)",
                    [rounds],
                )
                for table in SECRECY_TABLES:
                    # ANALYZE too: the planner's samples of the old rows go with them.
                    cursor.execute(f"VACUUM (ANALYZE) {table}")
        except DatabaseError as exc:
            logger.warning(
                "Reclaiming ballot rows after close failed (%s); advance_rounds will retry",
                type(exc).__name__,
            )
            return False
    # SQLite: secure_delete already overwrote the deleted rows while closing.
    Result.objects.filter(round_id__in=rounds).update(space_reclaimed_at=timezone.now())
    return True


def _actor(user: Any, round: Round) -> audit.Actor:
    if user is None:
        return audit.Actor("staff", "command-line")
    return audit.actor_for(user, _actor_role(user))


def _checkpoint(reason: str, round: Round) -> None:
    """Sign the ledger head inside the caller's transaction: if the server cannot sign, the
    close or publication does not happen either, and the councillor is told why."""
    from audit.signing import SigningKeyMissing

    try:
        audit.sign_checkpoint(reason, ward=round.ward, round=round)
    except SigningKeyMissing as exc:
        raise ValidationError(
            f"The audit ledger cannot be signed, so nothing was changed. {exc}"
        ) from None


def publish_round(round: Round, *, by: Any = None) -> Result:
    """Make a closed round's result public. From the web and API this needs two councillors:
    the first asks, a second (different) one approves. `by=None` is staff on the command line.

    Returns the result; `result.published_at` is None while it awaits the second approval.
    """
    if by is not None:
        require(by, Action.MANAGE_ROUND, round.ward)
    with transaction.atomic():
        locked = Round.objects.select_for_update().select_related("ward").get(pk=round.pk)
        if locked.phase == Phase.PUBLISHED:
            return Result.objects.get(round=locked)
        if locked.phase != Phase.CLOSED:
            raise ValidationError("Close the round before publishing its result.")
        result = Result.objects.select_for_update().get(round=locked)
        if by is not None:
            if result.publish_requested_by_id is None:
                result.publish_requested_by = by
                result.save(update_fields=["publish_requested_by"])
                audit.record(
                    "result.publication_requested",
                    ward=locked.ward,
                    round=locked,
                    actor=_actor(by, locked),
                    payload={"result_sha256": result.result_sha256},
                )
                return result
            if result.publish_requested_by_id == by.pk:
                raise ValidationError(
                    "A second councillor must approve publication: you asked for it already."
                )
        result.published_at = timezone.now()
        result.save(update_fields=["published_at"])
        enter_result_phase(locked, Phase.PUBLISHED, by=by, reason="result published")
        audit.record(
            "result.published",
            ward=locked.ward,
            round=locked,
            actor=_actor(by, locked),
            payload={
                "result_sha256": result.result_sha256,
                "ballots_sha256": result.ballots_sha256,
                "selected": result.result_json.get("selected", []),
            },
        )
        _checkpoint("result published", locked)
    round.phase = Phase.PUBLISHED
    return result


def can_see_result(user: Any, round: Round) -> bool:
    """The public once published; the ward's councillors and auditors from closing."""
    if round.phase == Phase.PUBLISHED:
        return True
    if round.phase == Phase.CLOSED:
        return can(user, Action.AUDIT, round.ward) or can(user, Action.MANAGE_ROUND, round.ward)
    return False


def result_csv(result: Result) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["project_id", "title", "cost_pence", "votes", "selected", "reason"])
    titles = dict(result.round.proposals.values_list("pk", "title"))
    for p in result.result_json.get("projects", []):
        row = [
            p["id"],
            titles.get(int(p["id"]), ""),
            p["cost"],
            p["votes"],
            "yes" if p["selected"] else "no",
            p.get("reason", ""),
        ]
        # A title typed as "=HYPERLINK(...)" must stay text in whoever's spreadsheet opens it.
        writer.writerow([spreadsheet_safe(cell) for cell in row])
    return out.getvalue()
