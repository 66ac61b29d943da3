"""The voting desk's batches of codes: one form, one batch, however often it is sent.

The codes exist in clear only in the desk's download, so a double click (the browser cancels the
first download and keeps the second) or back-and-resubmit used to leave a first batch live,
counted as issued, with nobody holding its letters. Now every render of the form carries a new
random secret (`new_batch_secret`, never stored); the batch's codes are derived from it and the
round's voting-code key (`codes.batch_codes`), and the database keeps only a keyed hash of it
(`CodeBatch.secret_hash`). The same form sent again answers the same codes, and so the same ZIP,
with no new code and no new ledger event; the same secret with other choices is refused. Back
and a second press fetches the no-store page again, with a new secret: a second batch, which
the desk downloads as well (so no live code is left without a letter).
"""

from __future__ import annotations

import datetime
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from ballots import codes
from ballots.models import CodeBatch
from ballots.voting_codes import (
    LETTER_LANGUAGES,
    MAX_CODES_PER_REQUEST,
    UNKNOWN_LANGUAGE,
    check_codes_can_be_issued,
    codes_zip,
    issue_codes,
)
from budgets.models import PollingPlace, Round
from wards.access import Action, require

# How long the same form may download its batch again: long enough for a double click, a slow
# download or back-and-resubmit; short enough that an old page cannot bring back codes whose
# file the desk deleted once the letters were printed.
CODE_BATCH_REPLAY_WINDOW = datetime.timedelta(hours=1)
# secrets.token_urlsafe(32) is 43 characters; anything shorter is not one of ours.
_SECRET = re.compile(r"[A-Za-z0-9_-]{32,128}")


def new_batch_secret() -> str:
    """A batch secret for one render of the desk's form (256 random bits)."""
    return secrets.token_urlsafe(32)


def stale_form() -> str:
    return gettext("This form is out of date. Reload the page to issue a new batch of codes.")


@dataclass(frozen=True)
class IssuedBatch:
    codes: list[str]
    issued_at: datetime.datetime
    replayed: bool  # the same form sent again: nothing new was issued


def issue_code_batch(
    round: Round,
    count: int,
    *,
    secret: str,
    by: Any,
    polling_place: PollingPlace | None,
    language: str,
) -> IssuedBatch:
    """Issue the batch of `count` codes whose form carried `secret`, or, if that form already
    issued it, the same codes again (the ledger records the batch once).

    Two workers sending the same form at once make one batch: the second waits on the unique
    `secret_hash` until the first commits, then answers the first's codes."""
    require(by, Action.MANAGE_ROUND, round.ward)
    if not isinstance(secret, str) or not _SECRET.fullmatch(secret):
        raise ValidationError(stale_form())
    check_codes_can_be_issued(round)
    secret_hash = codes.batch_secret_hash(round, secret)
    batch = CodeBatch.objects.filter(secret_hash=secret_hash).first()
    if batch is None:
        try:
            with transaction.atomic():
                batch = CodeBatch.objects.create(
                    round=round,
                    secret_hash=secret_hash,
                    count=count,
                    language=language,
                    polling_place=polling_place,
                )
                derived = iter(codes.batch_codes(round, secret, count))
                issued = issue_codes(round, count, by=by, make_code=derived.__next__)
            return IssuedBatch(issued, batch.issued_at, replayed=False)
        except IntegrityError:
            batch = CodeBatch.objects.filter(secret_hash=secret_hash).first()
            if batch is None:  # not the same form at once: a real fault, not ours to hide
                raise
    return _again(round, batch, secret, count, polling_place, language)


def _again(
    round: Round,
    batch: CodeBatch,
    secret: str,
    count: int,
    polling_place: PollingPlace | None,
    language: str,
) -> IssuedBatch:
    chosen = (count, language, polling_place.pk if polling_place else None)
    if batch.round_id != round.pk or chosen != (
        batch.count,
        batch.language,
        batch.polling_place_id,
    ):
        raise ValidationError(
            gettext(
                "This form has already issued a batch of codes with different choices, and "
                "those codes stand. Reload the page to issue a new batch."
            )
        )
    if timezone.now() - batch.issued_at > CODE_BATCH_REPLAY_WINDOW:
        raise ValidationError(
            gettext(
                "This form issued its batch of codes over an hour ago; they cannot be "
                "downloaded again. Reload the page to issue a new batch."
            )
        )
    return IssuedBatch(codes.batch_codes(round, secret, count), batch.issued_at, replayed=True)


def issue_code_letters(
    round: Round,
    count: int,
    *,
    by: Any,
    base_url: str,
    batch_secret: str,
    polling_place: PollingPlace | None = None,
    language: str = "en",
) -> bytes:
    """Issue `count` codes from the voting desk and answer with their ZIP (codes and letters).

    Only the ward's councillors and staff; at most MAX_CODES_PER_REQUEST a time. The codes leave
    in the ZIP only: the database keeps their HMACs, the ledger how many and by whom. The same
    `batch_secret` (the same form sent again) answers the same ZIP, byte for byte."""
    require(by, Action.MANAGE_ROUND, round.ward)
    if count < 1 or count > MAX_CODES_PER_REQUEST:
        raise ValidationError(f"Issue between 1 and {MAX_CODES_PER_REQUEST:,} codes at a time.")
    if language not in LETTER_LANGUAGES:
        raise ValidationError(UNKNOWN_LANGUAGE)
    if polling_place is not None and polling_place.round_id != round.pk:
        raise ValidationError("That polling place is not one of this round's.")
    batch = issue_code_batch(
        round,
        count,
        secret=batch_secret,
        by=by,
        polling_place=polling_place,
        language=language,
    )
    return codes_zip(
        round,
        batch.codes,
        base_url=base_url,
        polling_place=polling_place,
        language=language,
        made_at=batch.issued_at,
    )
