"""Who may vote in a round, and when: residents, postcodes, codes, the declaration, and the voting
window (checked again under a lock by whoever writes a ballot)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from ballots import codes
from ballots.models import (
    EligibilityBasis,
)
from budgets.models import Phase, Round
from wards.access import is_resident
from wards.models import WardPostcode, normalise_postcode


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
        and area_postcodes(round).exists()
    )


def area_postcodes(round: Round) -> Any:
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
    if not area_postcodes(round).filter(postcode=normal).exists():
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
        return [(b, gettext(_BASIS[b]) % {"area": self.area}) for b in self.bases]

    @property
    def who_can_vote(self) -> str:
        return gettext(_WHO[self.bases]) % {"age": self.min_age, "area": self.area}


# The declaration's words, one whole sentence for each set of bases a round allows (translators
# get sentences, never pieces): what the voter ticks, who may vote, and the refusal without one.
_BASIS = {
    "live": gettext_noop("I live in %(area)s"),
    "work": gettext_noop("I work in %(area)s"),
    "study": gettext_noop("I study in %(area)s"),
}
_WHO = {
    ("live",): gettext_noop("This vote is for people aged %(age)s or over who live in %(area)s."),
    ("work",): gettext_noop("This vote is for people aged %(age)s or over who work in %(area)s."),
    ("study",): gettext_noop("This vote is for people aged %(age)s or over who study in %(area)s."),
    ("live", "work"): gettext_noop(
        "This vote is for people aged %(age)s or over who live or work in %(area)s."
    ),
    ("live", "study"): gettext_noop(
        "This vote is for people aged %(age)s or over who live or study in %(area)s."
    ),
    ("work", "study"): gettext_noop(
        "This vote is for people aged %(age)s or over who work or study in %(area)s."
    ),
    ("live", "work", "study"): gettext_noop(
        "This vote is for people aged %(age)s or over who live, work or study in %(area)s."
    ),
}
_SAY = {
    ("live",): gettext_noop("Say whether you live in %(area)s."),
    ("work",): gettext_noop("Say whether you work in %(area)s."),
    ("study",): gettext_noop("Say whether you study in %(area)s."),
    ("live", "work"): gettext_noop("Say whether you live or work in %(area)s."),
    ("live", "study"): gettext_noop("Say whether you live or study in %(area)s."),
    ("work", "study"): gettext_noop("Say whether you work or study in %(area)s."),
    ("live", "work", "study"): gettext_noop("Say whether you live, work or study in %(area)s."),
}


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
            gettext(_SAY[options.bases]) % {"area": round.area_name}, code="declaration"
        )
    if declaration.basis not in options.bases:
        raise ValidationError(
            gettext("%(who)s Choose one of: %(bases)s.")
            % {"who": options.who_can_vote, "bases": ", ".join(options.bases)},
            code="declaration",
        )
    if not declaration.age_confirmed:
        raise ValidationError(
            gettext(
                "Confirm that you are %(age)s or over: only people aged %(age)s or over can "
                "vote in this round."
            )
            % {"age": round.min_age},
            code="declaration",
        )
    return declaration.basis


VOTING_CLOSED = "Voting has closed in this round."
VOTING_NOT_OPEN = "Voting has not opened in this round yet."
VOTING_CANCELLED = "This round was cancelled, so it takes no votes."


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
    if phase == Phase.CANCELLED:
        return VOTING_CANCELLED
    if phase in (Phase.CLOSED, Phase.PUBLISHED):
        return VOTING_CLOSED
    if phase != Phase.VOTING or (start is not None and now < start):
        return VOTING_NOT_OPEN
    if end is not None and now >= end:
        return VOTING_CLOSED
    return None


# Marked for translation; the help desk's page translates them as it shows them.
HELP_DESK_NOT_OPEN = gettext_noop("The help desk opens when voting opens.")
HELP_DESK_CLOSED = gettext_noop("Voting has closed in this round, so the help desk is closed.")
HELP_DESK_NEEDS_CODES = gettext_noop(
    "This round is not voted on with voting codes, so the help desk cannot take ballots: "
    "voters sign in on their own account instead."
)


def help_desk_problem(round: Round, now: datetime.datetime | None = None) -> str | None:
    """Why the help desk cannot take a ballot now, or None.

    The desk takes ballots only while voting is open, and only with voting codes: the voter at
    the desk is not the signed-in clerk or councillor, and a code is how they prove who they are.
    """
    problem = voting_window_problem(round, now)
    if problem == VOTING_CLOSED:
        return HELP_DESK_CLOSED
    if problem is not None:
        return HELP_DESK_NOT_OPEN
    if not round.allow_code_voting:
        return HELP_DESK_NEEDS_CODES
    return None


def refuse_outside_window_locked(round_id: int) -> None:
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


def lock_phase(round_id: int) -> str:
    """Read the round's phase under a shared lock, so a close cannot slip in until we commit."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT phase FROM budgets_round WHERE id = %s FOR SHARE", [round_id])
            row = cursor.fetchone()
        return str(row[0]) if row else ""
    return str(Round.objects.filter(pk=round_id).values_list("phase", flat=True).first() or "")


def refuse_unless_voting(phase: str) -> None:
    if phase == Phase.VOTING:
        return
    if phase == Phase.CANCELLED:
        raise ValidationError(VOTING_CANCELLED, code="not_voting")
    if phase in (Phase.CLOSED, Phase.PUBLISHED):
        raise ValidationError("Voting has closed in this round.", code="not_voting")
    raise ValidationError("Voting has not opened in this round yet.", code="not_voting")


def refuse_outside_window(round: Round) -> None:
    problem = voting_window_problem(round)
    if problem:
        raise ValidationError(problem, code="not_voting")
