"""The rules of delivery tracking: who may report on a funded project, what a report may say,
and what becomes of a round's unspent money. Views, the API, the demo and tests call these.

Every write checks who may act (wards.access: UPDATE_DELIVERY for updates and milestones, the
ward's councillors and clerks; MANAGE_ROUND for the unspent money, its councillors), that the
round's result is published and the project funded by it, changes the database and records a
ledger event in one transaction, and refuses with a ValidationError or PermissionDenied whose
message a councillor can read. The ledger holds pseudonyms, amounts, dates and hashes (of an
update's words and of its photo's bytes), never a name or the words themselves.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

import audit
from audit import kinds
from ballots.actors import ledger_actor
from ballots.models import Result
from budgets.models import MAX_REASON, Phase, Proposal, Round
from delivery import photos
from delivery.models import (
    HOURS_MESSAGE,
    MAX_HOURS_PER_UPDATE,
    MAX_MILESTONE_TITLE,
    MAX_NOTE,
    MAX_PHOTO_ALT,
    MAX_UPDATE_TEXT,
    Delivery,
    Milestone,
    Status,
    Unspent,
    UnspentDecision,
    Update,
)
from delivery.resent import resent_unspent, resent_update
from wards.access import Action, require, roles_in
from wards.models import Role
from wards.money import MAX_PENCE, TOO_MUCH
from wards.ratelimit import take_action
from wards.text import multi_line, single_line

# Updates and milestones by one account: a busy clerk posts a few a day, not hundreds an hour.
UPDATE_LIMIT = 60
UPDATE_WINDOW_SECONDS = 60 * 60
MAX_MILESTONES = 50
# Milestone dates: a plausible century, so a typo (year 20205) is a form error, not a page.
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)
NOT_PUBLISHED = "Delivery is tracked once the round's result is published."


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- Which projects ------------------------------------------------------------------------------


def published_result(round: Round) -> Result | None:
    """The round's result if it is public, else None."""
    if round.phase != Phase.PUBLISHED:
        return None
    return Result.objects.filter(round=round, published_at__isnull=False).first()


def funded_ids(result: Result) -> list[int]:
    """The proposals the result funded, by id, in the result's order."""
    ids = []
    for pid in result.result_json.get("selected", []):
        try:
            ids.append(int(pid))
        except (TypeError, ValueError):
            continue
    return ids


def funded_proposals(round: Round) -> list[Proposal]:
    """The projects the published result funded (none before publication), by title."""
    result = published_result(round)
    if result is None:
        return []
    return list(Proposal.objects.filter(round=round, pk__in=funded_ids(result)).order_by("title"))


def _funded_project(round: Round, proposal_id: int) -> Proposal:
    result = published_result(round)
    if result is None:
        raise ValidationError(NOT_PUBLISHED)
    if int(proposal_id) not in funded_ids(result):
        raise ValidationError("Only projects the result funded have a delivery record.")
    return Proposal.objects.select_related("round__ward").get(pk=proposal_id, round=round)


def _locked_delivery(round: Round, proposal: Proposal) -> Delivery:
    """The project's record, created on first use, locked for this transaction."""
    try:
        with transaction.atomic():
            Delivery.objects.get_or_create(proposal=proposal, defaults={"round": round})
    except IntegrityError:  # created by someone else's update at the same moment
        pass
    return Delivery.objects.select_for_update().get(proposal=proposal)


def _poster_role(user: Any, round: Round) -> str:
    roles = roles_in(user, round.ward)
    return next((r.value for r in (Role.COUNCILLOR, Role.CLERK) if r in roles), "staff")


def _rate_limit(by: Any) -> None:
    take_action(
        "delivery",
        str(by.pk),
        limit=UPDATE_LIMIT,
        window=UPDATE_WINDOW_SECONDS,
        what=gettext("delivery reports in an hour"),
    )


# --- Cleaning ------------------------------------------------------------------------------------


def _pence(value: Any, field: str) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({field: "Give the amount in whole pence."})
    if value < 0:
        raise ValidationError({field: "Enter an amount of money, not a negative number."})
    if value > MAX_PENCE:
        raise ValidationError({field: TOO_MUCH})
    return value


def _hours(value: Any) -> int:
    if value is None or value == "":
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError({"hours_delivered": "Give the hours as a whole number."})
    if not 0 <= value <= MAX_HOURS_PER_UPDATE:
        raise ValidationError({"hours_delivered": HOURS_MESSAGE})
    return value


def _text(value: Any, field: str, limit: int, *, required: str = "") -> str:
    if value is not None and not isinstance(value, str):
        raise ValidationError({field: "Give this as text."})
    cleaned = multi_line(value or "")
    if required and not cleaned:
        raise ValidationError({field: required})
    if len(cleaned) > limit:
        raise ValidationError({field: f"Keep this to {limit:,} characters or fewer."})
    return cleaned


def _date(value: Any, field: str, *, required: bool) -> datetime.date | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: "Give the date."})
        return None
    if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
        raise ValidationError({field: "Give a date, like 2026-06-30."})
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValidationError(
            {
                field: _("Give a date between %(first)s and %(last)s.")
                % {"first": EARLIEST_DATE.year, "last": LATEST_DATE.year}
            }
        )
    return value


# --- Updates -------------------------------------------------------------------------------------


def post_update(
    round: Round,
    proposal_id: int,
    *,
    by: Any,
    text: Any,
    status: Any = "",
    cancelled_reason: Any = "",
    spent_pence: Any = None,
    final_cost_pence: Any = None,
    hours_delivered: Any = None,
    photo: Any = None,
    photo_alt: Any = "",
) -> Update:
    """Post a public update on a funded project; it may change the project's status (a
    cancellation needs its reason), its spending to date and final cost, add volunteer hours
    delivered and carry one photo (re-encoded by delivery.photos)."""
    require(by, Action.UPDATE_DELIVERY, round.ward)
    proposal = _funded_project(round, proposal_id)
    clean_text = _text(text, "text", MAX_UPDATE_TEXT, required="Say what has happened.")
    if status not in ("", None) and status not in Status.values:
        raise ValidationError({"status": "Choose one of the statuses listed."})
    new_status = str(status or "")
    reason = _text(cancelled_reason, "cancelled_reason", MAX_REASON)
    if new_status == Status.CANCELLED and not reason:
        raise ValidationError({"cancelled_reason": _("Say why the project was cancelled.")})
    spent = _pence(spent_pence, "spent_pence")
    final = _pence(final_cost_pence, "final_cost_pence")
    hours = _hours(hours_delivered)
    alt = single_line(photo_alt if isinstance(photo_alt, str) else "")
    if len(alt) > MAX_PHOTO_ALT:
        raise ValidationError({"photo_alt": f"Keep the description to {MAX_PHOTO_ALT} characters."})
    if photo is not None and not alt:
        raise ValidationError(
            {"photo_alt": _("Describe the photo in a few words for screen readers.")}
        )
    _rate_limit(by)
    # Decode and re-encode before any transaction: slow work, and a refusal writes nothing.
    clean = photos.clean_photo(photo) if photo is not None else None
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round.pk)
        if locked.phase != Phase.PUBLISHED:
            raise ValidationError(NOT_PUBLISHED)
        delivery = _locked_delivery(locked, proposal)
        sent = (clean_text, new_status, spent, final, hours, clean.sha256 if clean else "", alt)
        if (same := resent_update(delivery, by, sent)) is not None:
            return same
        if new_status:
            delivery.status = new_status
            delivery.cancelled_reason = reason if new_status == Status.CANCELLED else ""
        if spent is not None:
            delivery.spent_pence = spent
        if final is not None:
            delivery.final_cost_pence = final
        delivery.hours_delivered += hours
        delivery.updated_at = timezone.now()
        delivery.save()
        update = Update(
            delivery=delivery,
            text=clean_text,
            status=new_status,
            spent_pence=spent,
            final_cost_pence=final,
            hours_delivered=hours,
            posted_by=by,
            posted_as=_poster_role(by, locked),
        )
        if clean is not None:
            update.photo.name = photos.store(clean)
            update.photo_sha256 = clean.sha256
            update.photo_alt = alt
            update.photo_width, update.photo_height = clean.width, clean.height
        update.save()
        audit.record(
            kinds.DELIVERY_UPDATED,
            ward=locked.ward,
            round=locked,
            actor=ledger_actor(by, locked.ward),
            payload={
                "proposal": proposal.pk,
                "title": proposal.title,
                "status": delivery.status,
                "status_changed": bool(new_status),
                "spent_pence": delivery.spent_pence,
                "final_cost_pence": delivery.final_cost_pence,
                "hours_delivered": hours,
                "text_sha256": _sha256(clean_text),
                "photo_sha256": clean.sha256 if clean is not None else None,
            },
        )
    return update


# --- Milestones ----------------------------------------------------------------------------------


def set_milestone(
    round: Round,
    proposal_id: int,
    *,
    by: Any,
    title: Any = None,
    planned_on: Any = None,
    reached_on: Any = None,
    milestone_id: int | None = None,
) -> Milestone:
    """Add a milestone (a title and a planned date) to a funded project, or, given its id,
    record the day an existing one was reached (or change its planned date)."""
    require(by, Action.UPDATE_DELIVERY, round.ward)
    proposal = _funded_project(round, proposal_id)
    reached = _date(reached_on, "reached_on", required=False)
    _rate_limit(by)
    with transaction.atomic():
        locked = Round.objects.select_for_update().get(pk=round.pk)
        if locked.phase != Phase.PUBLISHED:
            raise ValidationError(NOT_PUBLISHED)
        delivery = _locked_delivery(locked, proposal)
        if milestone_id is None:
            clean_title = single_line(title if isinstance(title, str) else "")
            if not clean_title:
                raise ValidationError({"title": _("Name the milestone.")})
            if len(clean_title) > MAX_MILESTONE_TITLE:
                raise ValidationError(
                    {"title": f"Keep the title to {MAX_MILESTONE_TITLE} characters or fewer."}
                )
            planned = _date(planned_on, "planned_on", required=True)
            assert planned is not None  # required
            if same := delivery.milestones.filter(title=clean_title, planned_on=planned).first():
                return same  # the same milestone sent again (a double click)
            if delivery.milestones.count() >= MAX_MILESTONES:
                raise ValidationError(
                    _("A project can have at most %(most)s milestones.") % {"most": MAX_MILESTONES}
                )
            milestone = Milestone.objects.create(
                delivery=delivery, title=clean_title, planned_on=planned, reached_on=reached
            )
        else:
            found = delivery.milestones.filter(pk=milestone_id).first()
            if found is None:
                raise ValidationError("That milestone is not this project's.")
            milestone, was = found, (found.planned_on, found.reached_on)
            planned = _date(planned_on, "planned_on", required=False)
            if reached is None and planned is None:
                raise ValidationError({"reached_on": _("Give the day the milestone was reached.")})
            milestone.planned_on = planned or milestone.planned_on
            milestone.reached_on = reached or milestone.reached_on
            if (milestone.planned_on, milestone.reached_on) == was:
                return milestone  # nothing changes (the same form sent again): nothing to record
            milestone.save(update_fields=["planned_on", "reached_on"])
        delivery.updated_at = timezone.now()
        delivery.save(update_fields=["updated_at"])
        audit.record(
            kinds.DELIVERY_MILESTONE_SET,
            ward=locked.ward,
            round=locked,
            actor=ledger_actor(by, locked.ward),
            payload={
                "proposal": proposal.pk,
                "title": proposal.title,
                "milestone": milestone.title,
                "planned_on": milestone.planned_on.isoformat(),
                "reached_on": milestone.reached_on.isoformat() if milestone.reached_on else None,
            },
        )
    return milestone


# --- Unspent money -------------------------------------------------------------------------------


def record_unspent(
    round: Round, *, by: Any, decision: Any, amount_pence: Any, note: Any = ""
) -> Unspent:
    """Record what became of the money a published round left unspent: carried over to next
    year's chest or returned, and how much (at most the round's budget). Recording it again
    replaces the record; the ledger keeps every version."""
    require(by, Action.MANAGE_ROUND, round.ward)
    if decision not in UnspentDecision.values:
        raise ValidationError({"decision": "Say whether the money was carried over or returned."})
    amount = _pence(amount_pence, "amount_pence")
    if amount is None:
        raise ValidationError({"amount_pence": "Give the amount."})
    if amount > round.budget_pence:
        raise ValidationError(
            {"amount_pence": _("The unspent money cannot be more than the round's budget.")}
        )
    clean_note = _text(note, "note", MAX_NOTE)
    with transaction.atomic():
        locked = Round.objects.select_for_update().select_related("ward").get(pk=round.pk)
        if locked.phase != Phase.PUBLISHED:
            raise ValidationError(NOT_PUBLISHED)
        if (same := resent_unspent(locked, (decision, amount, clean_note))) is not None:
            return same
        unspent, _created = Unspent.objects.update_or_create(
            round=locked,
            defaults={
                "decision": decision,
                "amount_pence": amount,
                "note": clean_note,
                "recorded_at": timezone.now(),
            },
        )
        audit.record(
            kinds.DELIVERY_UNSPENT_RECORDED,
            ward=locked.ward,
            round=locked,
            actor=ledger_actor(by, locked.ward),
            payload={
                "decision": decision,
                "amount_pence": amount,
                "note_sha256": _sha256(clean_note),
            },
        )
    return unspent
