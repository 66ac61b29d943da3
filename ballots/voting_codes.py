"""A round's voting codes: issuing, revoking and exporting them, and limiting wrong guesses
(`ballots.codes` is the code format and its HMACs)."""

from __future__ import annotations

import csv
import datetime
import io
import re
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

import audit
from audit import kinds
from ballots import codes
from ballots.actors import ledger_actor
from ballots.letter_languages import LANGUAGES, letter_line
from ballots.models import (
    VotingCode,
)
from budgets.models import Phase, PollingPlace, Round
from budgets.services import voting_places
from wards.access import Action, require
from wards.numbers import display_pence
from wards.text import single_line, spreadsheet_safe

CODE_FAILURE_LIMIT_PER_CLIENT = 10
CODE_FAILURE_LIMIT_PER_ROUND = 1000
CODE_FAILURE_WINDOW = 15 * 60
# The most codes one request from the voting desk may issue (the command line may issue more).
MAX_CODES_PER_REQUEST = 10_000
# The languages a letter can carry a line in (ballots.letter_languages), by code: the letter
# itself is in English until the languages issue translates the rest.
LETTER_LANGUAGES = {code: language.name for code, language in LANGUAGES.items()}
UNKNOWN_LANGUAGE = (
    "Letters can carry a line in "
    + ", ".join(list(LETTER_LANGUAGES.values())[:-1])
    + f" or {list(LETTER_LANGUAGES.values())[-1]}: choose one of those."
)


class TooManyAttempts(PermissionDenied):
    """Refused by a rate limit; the API answers 429."""

    status_code = 429


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


def code_failed(round: Round, client: str) -> None:
    from wards import ratelimit

    ratelimit.record_failure("code-client", client, window=CODE_FAILURE_WINDOW)
    ratelimit.record_failure("code-round", str(round.pk), window=CODE_FAILURE_WINDOW)


# No codes are issued once voting has ended, or for a cancelled round.
CODELESS_PHASES = frozenset({Phase.CLOSED, Phase.PUBLISHED, Phase.CANCELLED})


def codes_can_be_issued(round: Round) -> bool:
    """The round takes voting codes and has not closed: the rule issue_codes enforces."""
    return round.allow_code_voting and round.phase not in CODELESS_PHASES


def check_codes_can_be_issued(round: Round) -> None:
    """Refuse, with the reason, when codes_can_be_issued(round) does not hold."""
    if round.phase == Phase.CANCELLED:
        raise ValidationError("This round was cancelled; no codes can be issued.")
    if round.phase in (Phase.CLOSED, Phase.PUBLISHED):
        raise ValidationError("This round has closed; no more codes can be issued.")
    if not round.allow_code_voting:
        raise ValidationError("This round does not use voting codes; allow them first.")


def issue_codes(
    round: Round, count: int, *, by: Any = None, make_code: Callable[[], str] | None = None
) -> list[str]:
    """Create `count` one-time codes, returned in clear this once: only their hashes are kept.

    `make_code` replaces the secure generator for the voting desk's batches (codes derived from
    the form's secret and the round's key: `ballots.code_batches`) and for demonstration data
    (seeded codes that the demo can print again on every run, never real letters).
    """
    if count < 1 or count > 200_000:
        raise ValidationError("Issue between 1 and 200,000 codes at a time.")
    check_codes_can_be_issued(round)
    issued = [(make_code or codes.new_code)() for _ in range(count)]
    with transaction.atomic():
        VotingCode.objects.bulk_create(
            [VotingCode(round=round, code_hash=codes.hash_code(round, c)) for c in issued],
            batch_size=2000,
        )
        audit.record(
            kinds.CODES_ISSUED,
            ward=round.ward,
            round=round,
            actor=ledger_actor(by, round.ward),
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
        raise ValidationError(gettext("Give a reason for revoking the code."))
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
            raise ValidationError(gettext("No such code in this round."))
        if row.revoked_at is None:
            row.revoked_at = timezone.now()
            row.revoke_reason = reason[:300]
            row.save(update_fields=["revoked_at", "revoke_reason"])
            audit.record(
                kinds.CODE_REVOKED,
                ward=round.ward,
                round=round,
                actor=ledger_actor(by, round.ward),
                payload={"code_id": row.pk, "reason": row.revoke_reason},
            )


def codes_csv(issued: Sequence[str], round: Round, base_url: str = "") -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["code", "round", "ward", "ballot_url"])
    url = ballot_url(round, base_url)
    for code in issued:
        writer.writerow([spreadsheet_safe(v) for v in (code, round.pk, round.ward.name, url)])
    return out.getvalue()


def ballot_url(round: Round, base_url: str) -> str:
    """The ballot's public address. Never carries a code: a code in a link ends up in logs."""
    return f"{base_url.rstrip('/')}/rounds/{round.pk}/vote/"


def _qr_symbol(url: str) -> tuple[str, int]:
    """The QR code for `url` as SVG content and its side, drawn once per file and reused by
    every letter (`<use href="#qr">`), so 10,000 letters do not repeat it 10,000 times."""
    import segno

    qr = segno.make(url, error="m")
    side = int(qr.symbol_size(scale=1)[0])
    svg = qr.svg_inline(scale=1, dark="#000")
    inner = re.search(r"<svg[^>]*>(.*)</svg>", svg, re.DOTALL)
    return (str(inner.group(1)) if inner else ""), side


def _one_line(text: str) -> str:
    """A multi-line address or opening time as one printed line: 'Stratford Road, B11 1AA'."""
    return ", ".join(part.strip(" ,") for part in text.splitlines() if part.strip(" ,"))


def _place_words(place: PollingPlace) -> dict[str, str]:
    return {
        "name": place.name,
        "address": _one_line(place.address),
        "opening_times": _one_line(place.opening_times),
    }


def letters_html(
    round: Round,
    issued: Sequence[str],
    *,
    base_url: str,
    polling_place: PollingPlace | None = None,
    language: str = "en",
) -> str:
    """Printable letters, one A4 page per code (print CSS in static/css/letters.css).

    They say where and when to vote on paper (the round's polling places; `polling_place`, one
    of them, printed first and largest), where to get help (the round's help desk), and carry a
    line in `language` (ballots.letter_languages)."""
    if language not in LETTER_LANGUAGES:
        raise ValidationError(UNKNOWN_LANGUAGE)
    if polling_place is not None and polling_place.round_id != round.pk:
        raise ValidationError("That polling place is not one of this round's.")
    url = ballot_url(round, base_url)
    qr, side = _qr_symbol(url)
    start = round.voting_start and timezone.localtime(round.voting_start)
    end = round.voting_end and timezone.localtime(round.voting_end)
    places = voting_places(round)
    others = [p for p in places.polling_places if polling_place is None or p.pk != polling_place.pk]
    desk = places.help_desk
    # The whole letter in the chosen language (its dates too), whatever the councillor reads.
    with translation.override(language):
        return render_to_string(
            "ballots/letters.html",
            {
                "round": round,
                "line": letter_line(language),
                "budget": display_pence(round.budget_pence),
                "voting_start": start,
                "voting_end": end,
                "ballot_url": url,
                # Inline: the file is printed from disk, often with no connection to the site.
                "letters_css": mark_safe(_letters_css()),  # our own static file, not user input
                "qr_symbol": mark_safe(qr),  # segno's own SVG paths: nothing typed by anyone
                "qr_side": side,
                "chosen_place": _place_words(polling_place) if polling_place else None,
                "other_places": [_place_words(p) for p in others],
                "help_desk": {
                    "where": _one_line(desk.where),
                    "when": _one_line(desk.when),
                    "phone": desk.phone,
                }
                if desk
                else None,
                "letters": issued,  # printed in groups of six: ABCDEF-GHJKLM-NPQRST
            },
        )


def _letters_css() -> str:
    from django.contrib.staticfiles import finders

    found = finders.find("css/letters.css")
    path = found[0] if isinstance(found, list) else found
    return Path(path).read_text(encoding="utf-8") if path else ""


def codes_zip(
    round: Round,
    issued: Sequence[str],
    *,
    base_url: str,
    polling_place: PollingPlace | None = None,
    language: str = "en",
    made_at: datetime.datetime | None = None,
) -> bytes:
    """One download for the desk: `codes.csv` (as issue_codes writes it) and `letters.html`.

    The files are dated `made_at` (default now): the same batch answers the same bytes."""
    stamp = timezone.localtime(made_at or timezone.now())
    files = {
        "codes.csv": codes_csv(issued, round, base_url),
        "letters.html": letters_html(
            round, issued, base_url=base_url, polling_place=polling_place, language=language
        ),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            info.external_attr = 0o600 << 16  # what writestr(name, ...) gives
            archive.writestr(info, text, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()
