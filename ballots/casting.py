"""Casting and replacing one online ballot: one person, one live ballot, whatever the channel;
the register, the one-ward-a-year participation rule, and the one-time tokens and idempotency
keys that make a double submission cast once."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

import audit
from audit import kinds
from audit.canonical import ballot_commitment
from ballots import codes
from ballots.actors import ledger_actor
from ballots.eligibility import (
    Declaration,
    area_postcodes,
    check_declaration,
    check_postcode,
    is_resident_voter,
    refuse_outside_window,
    refuse_outside_window_locked,
)
from ballots.models import (
    BallotStatus,
    CastToken,
    Channel,
)
from ballots.sealing import seal_if_due
from ballots.selection import (
    PB_VOTE_TYPE,
    Selection,
    ballot_projects,
    canonical_selection,
    check_selection,
)
from ballots.voting_codes import TooManyAttempts, code_attempts_blocked, code_failed
from budgets.models import BallotType, Proposal, Round
from wards.access import Action, can

# Marked for translation here and translated where they are raised (gettext), so services and
# tests can compare with the English.
INVALID_CODE = gettext_noop(
    "That voting code is not valid for this vote. Check it against your letter; "
    "each code can vote in one round, online or on paper."
)


@dataclass(frozen=True)
class CastResult:
    receipt: str
    replaced: bool


ALREADY_VOTED_ELSEWHERE = gettext_noop(
    "You have already voted in another ward's community chest this budget year "
    "(%(year)s-%(next_year)s). Each person takes part in one ward's vote a year."
)
ACCOUNT_VOTED = gettext_noop(
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
    refuse_outside_window(round)
    basis = check_declaration(round, declaration)
    signed_in = user is not None and user.is_authenticated
    # A code used from a councillor's or clerk's session is help-desk voting: it counts like any
    # other ballot, and the ledger records that it was assisted (never what was chosen).
    assisted = code is not None and can(user, Action.ENTER_PAPER, round.ward)
    if code is None:
        if not signed_in:
            raise PermissionDenied(gettext("Sign in, or enter the voting code from your letter."))
        if not round.allow_postcode_voting:
            raise PermissionDenied(gettext("This round is voted on with voting codes only."))
        if not is_resident_voter(user, round):
            if not area_postcodes(round).exists():
                raise PermissionDenied(
                    gettext(
                        "Only residents of %(area)s can vote here. If you live, work or study "
                        "there, use the voting code from your letter."
                    )
                    % {"area": round.area_name}
                )
            check_postcode(round, postcode)
    elif not round.allow_code_voting:
        raise ValidationError(gettext("This round does not use voting codes."))
    checked = check_selection(round, selection, projects or ballot_projects(round))
    if not checked.ok:
        raise ValidationError(checked.problems)

    account_key: str | None = None
    if signed_in and not assisted:
        account_key = codes.voter_key_for_user(round, user.pk)
    if code is not None:
        if code_attempts_blocked(round, client):
            raise TooManyAttempts(
                gettext(
                    "Too many wrong codes have been tried. Please wait 15 minutes and try again."
                )
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
    canonical = canonical_selection(round, selection)
    # The hot path of a busy vote: a handful of plain statements, no ORM query building.
    with transaction.atomic(), connection.cursor() as cursor:
        code_id: int | None = None
        if code is not None:
            code_id = _lock_code(cursor, round.pk, code_hash)
            if code_id is None:
                code_failed(round, client)
                raise ValidationError(gettext(INVALID_CODE), code="bad_code")
        refuse_outside_window_locked(round.pk)
        if account_key is not None:
            _mark_participation(cursor, round, account_key, user.pk)
        voter_id, channel = _register_voter(
            cursor, round.pk, voter_key, code_id, account_key if code is not None else None, basis
        )
        if channel != Channel.ONLINE:
            if code_id is not None:
                raise ValidationError(gettext(INVALID_CODE), code="bad_code")
            raise ValidationError(gettext("You have already voted on paper in this round."))
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
                kinds.BALLOT_ASSISTED,
                ward=round.ward,
                round=round,
                actor=ledger_actor(user, round.ward),
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
            gettext(ALREADY_VOTED_ELSEWHERE) % {"year": year, "next_year": str(year + 1)[-2:]},
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
            raise ValidationError(gettext(ACCOUNT_VOTED), code="account_voted")
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
            raise ValidationError(gettext(INVALID_CODE), code="bad_code")
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
            gettext("This page has expired. Check your choices and review your vote again."),
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
