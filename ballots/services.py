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
import secrets
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

import audit
from audit.canonical import ballot_commitment
from audit.models import Event
from ballots import codes
from ballots.models import (
    Ballot,
    BallotStatus,
    Channel,
    PaperBatch,
    PaperEntry,
    PaperRejection,
    Result,
    Voter,
    VotingCode,
)
from budgets.models import BallotType, Phase, Proposal, Round
from budgets.services import enter_result_phase
from wards.access import Action, can, require
from wards.models import WardPostcode, normalise_postcode
from wards.money import format_pence
from wards.text import single_line, spreadsheet_safe

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
    from config import ratelimit

    mine = ratelimit.failures("code-client", client, window=CODE_FAILURE_WINDOW)
    if mine >= CODE_FAILURE_LIMIT_PER_CLIENT:
        return True
    return mine > 0 and ratelimit.is_limited(
        "code-round", str(round.pk), limit=CODE_FAILURE_LIMIT_PER_ROUND, window=CODE_FAILURE_WINDOW
    )


def _code_failed(round: Round, client: str) -> None:
    from config import ratelimit

    ratelimit.record_failure("code-client", client, window=CODE_FAILURE_WINDOW)
    ratelimit.record_failure("code-round", str(round.pk), window=CODE_FAILURE_WINDOW)


def postcode_voting_open_to(user: Any, round: Round) -> bool:
    """A signed-in person who is not a registered resident may vote by postcode here."""
    return bool(
        round.allow_postcode_voting
        and user is not None
        and user.is_authenticated
        and not can(user, Action.VOTE, round.ward)
        and WardPostcode.objects.filter(ward=round.ward).exists()
    )


def check_postcode(round: Round, postcode: str | None) -> None:
    """Eligibility by postcode: it must be in the ward's list (staff upload it as CSV)."""
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
    if not WardPostcode.objects.filter(ward=round.ward, postcode=normal).exists():
        raise ValidationError(
            f"{normal} is not in {round.ward.name}. Only people who live, work or study in "
            f"{area} can vote here; if you have a voting code, use that instead."
        )


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


def cast_ballot(
    round: Round,
    selection: Selection,
    *,
    code: str | None = None,
    user: Any = None,
    client: str = "unknown",
    projects: Sequence[Proposal] | None = None,
    postcode: str | None = None,
) -> CastResult:
    """Cast (or replace) one online ballot for a code holder or a signed-in person.

    A signed-in person votes as a registered resident of the ward, or by giving a postcode in the
    ward's list (where they live, work or study); the postcode is checked, never stored.

    One live ballot per voter even under concurrent submissions: the code (or register row) is
    locked, the round's phase re-checked after taking the lock, and a partial unique constraint
    backs both up.
    """
    _refuse_unless_voting(round.phase)
    if code is None:
        if user is None or not user.is_authenticated:
            raise PermissionDenied("Sign in, or enter the voting code from your letter.")
        if not round.allow_postcode_voting:
            raise PermissionDenied("This round is voted on with voting codes only.")
        if not can(user, Action.VOTE, round.ward):
            check_postcode(round, postcode)
    elif not round.allow_code_voting:
        raise ValidationError("This round does not use voting codes.")
    checked = check_selection(round, selection, projects or ballot_projects(round))
    if not checked.ok:
        raise ValidationError(checked.problems)

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
        voter_key = codes.voter_key_for_code(round.pk, normal)
        code_hash = codes.hash_code(normal)
    else:
        voter_key = codes.voter_key_for_user(round.pk, user.pk)

    # A code used from a councillor's or clerk's session is help-desk voting: it counts like any
    # other ballot, and the ledger records that it was assisted (never what was chosen).
    assisted = code is not None and can(user, Action.ENTER_PAPER, round.ward)
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
        _refuse_unless_voting(_lock_phase(round.pk))
        voter_id, channel = _register_voter(cursor, round.pk, voter_key, code_id)
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


def _register_voter(cursor: Any, round_id: int, key: str, code_id: int | None) -> tuple[int, str]:
    """Mark the voter off in the register (or find them there), locking their row.

    One statement on both databases: an upsert that locks the existing row, so concurrent
    ballots from one voter queue here until the first commits.
    """
    cursor.execute(
        "INSERT INTO ballots_voter (round_id, key, channel, voting_code_id, created_on) "
        "VALUES (%s, %s, %s, %s, %s) "
        "ON CONFLICT (round_id, key) DO UPDATE SET channel = ballots_voter.channel "
        "RETURNING id, channel",
        [round_id, key, Channel.ONLINE.value, code_id, timezone.localdate()],
    )
    row = cursor.fetchone()
    return int(row[0]), str(row[1])


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


SEAL_SQL = (
    "UPDATE ballots_ballot SET sealed = %s WHERE round_id = %s AND sealed = %s RETURNING commitment"
)
SEAL_AND_UNLINK_SQL = (
    "UPDATE ballots_ballot SET sealed = %s, voter_id = NULL "
    "WHERE round_id = %s AND sealed = %s RETURNING commitment"
)

# When each round was last sealed, as this process last saw it. A seal by another worker can only
# make the true time later, so "sealed less than an hour ago" read from here is always right.
_LAST_SEAL_SEEN: dict[tuple[int, datetime.datetime], datetime.datetime] = {}


def seal_if_due(round: Round, *, force: bool = False, unlink: bool = False) -> int:
    """Seal pending commitments every K ballots or every hour, whichever comes later.

    Sealing in batches (sorted) keeps the ledger's order from revealing which commitment belongs
    to someone seen voting. Returns how many new commitments were sealed.
    """
    if not force:
        now = timezone.now()
        seen = _LAST_SEAL_SEEN.get((round.pk, round.created_at))
        if seen is not None and now - seen < SEAL_INTERVAL:
            return 0
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM ballots_ballot WHERE round_id = %s AND sealed = %s",
                [round.pk, False],
            )
            (pending,) = cursor.fetchone()
        if pending < round.seal_batch_size:
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
        cursor.execute(
            # Closing also cuts these ballots' link to their voters in the same pass.
            SEAL_AND_UNLINK_SQL if unlink else SEAL_SQL,
            [True, round.pk, False],
        )
        new = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "UPDATE ballots_ballot SET superseded_sealed = %s "
            "WHERE round_id = %s AND status = %s AND superseded_sealed = %s RETURNING commitment",
            [True, round.pk, BallotStatus.REPLACED.value, False],
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


def issue_codes(round: Round, count: int, *, by: Any = None) -> list[str]:
    """Create `count` one-time codes, returned in clear this once: only their hashes are kept."""
    if count < 1 or count > 200_000:
        raise ValidationError("Issue between 1 and 200,000 codes at a time.")
    if round.phase in (Phase.CLOSED, Phase.PUBLISHED):
        raise ValidationError("This round has closed; no more codes can be issued.")
    if not round.allow_code_voting:
        raise ValidationError("This round does not use voting codes; allow them first.")
    issued = [codes.new_code() for _ in range(count)]
    with transaction.atomic():
        VotingCode.objects.bulk_create(
            [VotingCode(round=round, code_hash=codes.hash_code(c)) for c in issued],
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
    if not reason.strip():
        raise ValidationError("Give a reason for revoking the code.")
    try:
        normal = codes.normalise_code(code)
    except codes.CodeFormatError as exc:
        raise ValidationError(str(exc)) from None
    with transaction.atomic():
        row = (
            VotingCode.objects.select_for_update()
            .filter(round=round, code_hash=codes.hash_code(normal))
            .first()
        )
        if row is None:
            raise ValidationError("No such code in this round.")
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.revoke_reason = reason.strip()[:300]
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
    """Record one person's entry of a batch; the second agreeing entry makes it count."""
    require(by, Action.ENTER_PAPER, round.ward)
    _refuse_unless_voting(round.phase)
    place = polling_place.strip()
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
    """'ABCDEF-…: 12, 15' as a clerk typed it, for the side-by-side comparison."""
    if item is None:
        return "(missing)"
    selection = item.get("selection") or []
    if isinstance(selection, dict):
        marks = ", ".join(f"{pid}={n}" for pid, n in selection.items())
    else:
        marks = ", ".join(str(pid) for pid in selection)
    return f"{item.get('code', '')}: {marks}"


def _accept_batch(round: Round, batch: PaperBatch, entry: PaperEntry, by: Any) -> None:
    projects = ballot_projects(round)
    vote_type = PB_VOTE_TYPE[BallotType(round.ballot_type)]
    counted = 0
    for position, item in enumerate(entry.ballots, start=1):
        reason = _paper_ballot_problem(round, item, projects)
        if reason is None:
            code = item["code"]
            code_row = (
                VotingCode.objects.select_for_update()
                .filter(round=round, code_hash=codes.hash_code(code))
                .first()
            )
            key = codes.voter_key_for_code(round.pk, code)
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
    row = VotingCode.objects.filter(round=round, code_hash=codes.hash_code(item["code"])).first()
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
        secrets.SystemRandom().shuffle(rows)
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
        seal_if_due(locked, force=True, unlink=True)
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
        # Secret ballot: from here on nothing links a voter or code to a ballot's contents.
        Ballot.objects.filter(round=locked, voter__isnull=False).update(voter=None)
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
                "selected": outcome["selected"],
                "spent": outcome["spent"],
                "turnout": counts,
            },
        )
        _checkpoint("round closed", locked)
    round.phase = Phase.CLOSED
    return result


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
