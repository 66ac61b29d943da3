"""A round's lifecycle: create it, change its settings, move it through its phases.

Phases move one step at a time: draft → proposals → review → voting (change_phase, by a
councillor or on schedule by budgets.services.schedule), with a support phase after proposals or
after review when the round's support_stage asks for one (next_phase). Leaving it applies the
shortlist (budgets.services.support) in the same transaction. Closed and published are the ballots
app's: its close_round/publish_round call enter_result_phase here, which is the only way in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

import audit
from audit import kinds
from budgets.hooks import get_test_count
from budgets.models import (
    FINISHED_PHASES,
    PHASE_ORDER,
    SUPPORT_AFTER,
    Phase,
    Round,
    SupportStage,
    UserLike,
)
from budgets.services._common import _actor, _clean_reason, _full_clean, _public
from budgets.services.chest import budget_room, check_budget_fits, lock_ward
from budgets.services.notices import queue_phase_notice
from budgets.services.readiness import voting_blockers
from budgets.services.support import apply_shortlist
from wards import access
from wards.access import Action
from wards.models import Role, Ward
from wards.text import multi_line, single_line

ROUND_FIELDS: tuple[str, ...] = (
    "title",
    "description",
    "neighbourhood",
    "budget_pence",
    "proposals_start",
    "proposals_end",
    "review_start",
    "review_end",
    "voting_start",
    "voting_end",
    "ballot_type",
    "rule",
    "sat",
    "max_points",
    "min_choices",
    "max_choices",
    "categories",
    "eligible_live",
    "eligible_work",
    "eligible_study",
    "min_age",
    "allow_postcode_voting",
    "allow_code_voting",
    "seal_batch_size",
    "support_stage",
    "support_start",
    "support_end",
    "support_limit",
    "shortlist_threshold",
    "shortlist_top",
)
# The support phase's rule: set before the phase opens, frozen once it does (Round.support_frozen),
# like the ballot settings from when voting opens. Its end date may still move.
SUPPORT_SETTINGS: tuple[str, ...] = (
    "support_stage",
    "support_start",
    "support_limit",
    "shortlist_threshold",
    "shortlist_top",
)
# What a voter relies on once voting opens: changing any of these mid-vote would change the vote.
BALLOT_SETTINGS: tuple[str, ...] = (
    "neighbourhood",
    "budget_pence",
    "voting_start",
    "ballot_type",
    "rule",
    "sat",
    "max_points",
    "min_choices",
    "max_choices",
    "eligible_live",
    "eligible_work",
    "eligible_study",
    "min_age",
    "allow_postcode_voting",
    "allow_code_voting",
    "seal_batch_size",
)


# The steps change_phase may take in a round without a support stage (next_phase adds it where
# support_stage puts it); closed and published belong to the ballots app.
NEXT_PHASE: dict[str, str] = {
    Phase.DRAFT: Phase.PROPOSALS,
    Phase.PROPOSALS: Phase.REVIEW,
    Phase.REVIEW: Phase.VOTING,
    Phase.VOTING: Phase.CLOSED,
    Phase.CLOSED: Phase.PUBLISHED,
}
RESULT_PHASES: frozenset[str] = FINISHED_PHASES
RESULT_PHASE_SERVICE: dict[str, str] = {
    Phase.CLOSED: "close_round",
    Phase.PUBLISHED: "publish_round",
}


# --- rounds -------------------------------------------------------------------------------


def _pick(fields: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(fields) - set(ROUND_FIELDS))
    if unknown:
        raise ValidationError(
            {name: "This setting does not exist or cannot be changed here." for name in unknown}
        )
    values = dict(fields)
    # Free text is cleaned here, whoever calls (the page, the API, a command), so that every
    # title can be written to ballots.pb: see wards.text.
    if "title" in values:
        values["title"] = single_line(values["title"])
    if "description" in values:
        values["description"] = multi_line(values["description"])
    if "categories" in values and isinstance(values["categories"], list | tuple):
        cleaned = (single_line(str(c)) for c in values["categories"])
        values["categories"] = list(dict.fromkeys(c for c in cleaned if c))
    return values


@transaction.atomic
def create_round(ward: Ward, *, by: UserLike, title: str, **fields: Any) -> Round:
    """A new round in draft. The budget defaults to what the ward's chest has left for the
    round's budget year, and may not exceed it (checked under the ward's row lock)."""
    access.require(by, Action.MANAGE_ROUND, ward)
    values = _pick({"title": title, **fields})
    ward = lock_ward(ward)
    # The same form sent twice (a double click) waits above for the first: it gets that round.
    drafts = ward.rounds.filter(phase=Phase.DRAFT, created_by=by, title=values["title"])
    for made in drafts.order_by("pk"):
        if all(getattr(made, name) == value for name, value in values.items()):
            return made
    round = Round(ward=ward, phase=Phase.DRAFT, created_by=by, **values)
    if "budget_pence" not in values:
        room = budget_room(ward, round.budget_year)
        round.budget_pence = room.available_pence or ward.chest_pence
    _full_clean(round)
    check_budget_fits(round, ward)
    round.save()
    audit.record(
        kinds.ROUND_CREATED,
        ward=ward,
        round=round,
        actor=_actor(by, ward, Role.COUNCILLOR),
        payload={"title": round.title, **_settings_snapshot(round)},
    )
    return round


def _settings_snapshot(round: Round) -> dict[str, Any]:
    return {name: _public(getattr(round, name)) for name in BALLOT_SETTINGS}


@transaction.atomic
def update_round(round: Round, *, by: UserLike, reason: str = "", **changes: Any) -> Round:
    """Change a round's settings. Ballot settings are refused once voting has opened."""
    access.require(by, Action.MANAGE_ROUND, round.ward)
    # The ward first, then the round: budgets of one ward's rounds change one at a time.
    ward = lock_ward(round.ward)
    round = Round.objects.select_for_update().get(pk=round.pk)
    old_budget, old_year = round.budget_pence, round.budget_year
    reason = _clean_reason(reason, required=False)
    values = _pick(changes)
    if round.cancelled:
        raise ValidationError("This round was cancelled, so its settings can no longer change.")
    if round.finished:
        raise ValidationError(
            "Voting in this round has ended, so its settings can no longer change."
        )
    changed = {k: v for k, v in values.items() if getattr(round, k) != v}
    if round.settings_frozen:
        frozen = sorted(set(changed) & set(BALLOT_SETTINGS))
        if frozen:
            raise ValidationError(
                {
                    name: "Voting has opened, so the ballot settings are frozen: "
                    "they cannot change until the round ends."
                    for name in frozen
                }
            )
    support_changes = sorted(set(changed) & set(SUPPORT_SETTINGS))
    if support_changes and round.support_frozen:
        raise ValidationError(
            {
                name: "Support has opened, so the shortlist rule is frozen: it cannot change "
                "until the round ends."
                for name in support_changes
            }
        )
    if "support_stage" in changed:
        _check_support_stage_reachable(round, changed["support_stage"])
    if not changed:
        return round
    for name, value in changed.items():
        setattr(round, name, value)
    _full_clean(round)
    # A smaller budget in the same year is always allowed (a chest lowered later can be met).
    if round.budget_year != old_year or round.budget_pence > old_budget:
        check_budget_fits(round, ward)
    round.save()
    audit.record(
        kinds.ROUND_UPDATED,
        ward=round.ward,
        round=round,
        actor=_actor(by, round.ward, Role.COUNCILLOR),
        payload={
            "changed": {name: _public(getattr(round, name)) for name in sorted(changed)},
            "reason": reason,
        },
    )
    return round


def _check_support_stage_reachable(round: Round, stage: str) -> None:
    """A support stage can be added only while the round has not yet passed its place."""
    after = SUPPORT_AFTER.get(stage)
    if after is None:
        return
    if PHASE_ORDER.index(round.phase) > PHASE_ORDER.index(after):
        raise ValidationError(
            {
                "support_stage": f"This round is past the {Phase(after).label.lower()} phase, "
                "so a support stage can no longer come after it."
            }
        )


def next_phase(round: Round) -> str | None:
    """The phase a round moves to next: NEXT_PHASE, through support where support_stage puts it."""
    if round.phase == Phase.SUPPORT:
        return Phase.REVIEW if round.support_stage == SupportStage.BEFORE_REVIEW else Phase.VOTING
    if SUPPORT_AFTER.get(round.support_stage) == round.phase:
        return Phase.SUPPORT
    return NEXT_PHASE.get(round.phase)


def change_phase(round: Round, to: str, *, by: UserLike, reason: str = "") -> Round:
    """Move a round one step forward (draft → proposals → review → voting), with a reason.

    `by=None` means the scheduler (advance_rounds); anyone else must manage the round. Before
    voting opens, the test count runs (in its own transaction, so a failure stays on record)
    unless one passed on the present settings; voting_blockers then refuses a failed one.
    """
    test_count = get_test_count()
    # From support, the ballot is only known once the shortlist is applied: _change_phase counts
    # the deck then, in the phase change's own transaction.
    if to == Phase.VOTING and test_count is not None and round.phase != Phase.SUPPORT:
        if by is not None:
            access.require(by, Action.MANAGE_ROUND, round.ward)
        test_count[1](round, by=by)
    return _change_phase(round, to, by=by, reason=reason)


@transaction.atomic
def _change_phase(round: Round, to: str, *, by: UserLike, reason: str = "") -> Round:
    if by is not None:
        access.require(by, Action.MANAGE_ROUND, round.ward)
    round = Round.objects.select_for_update().select_related("ward").get(pk=round.pk)
    reason = _clean_reason(reason, required=False)
    if round.cancelled:
        raise ValidationError({"phase": "This round was cancelled; it does not move on."})
    if to == Phase.CANCELLED:
        raise ValidationError(
            {"phase": "Cancel a round with a public reason (cancel_round), not a phase change."}
        )
    if to not in round.phase_order:
        if to == Phase.SUPPORT:
            raise ValidationError({"phase": "This round has no support stage."})
        raise ValidationError({"phase": f"There is no phase called {to!r}."})
    if to in RESULT_PHASES:
        raise ValidationError(
            {
                "phase": f"A round becomes {to} only when its votes are counted: use "
                f"{RESULT_PHASE_SERVICE[to]} (the ballots app), not a phase change."
            }
        )
    if to == round.phase:
        raise ValidationError({"phase": f"This round is already in the {to} phase."})
    expected = next_phase(round)
    if to != expected:
        raise ValidationError(
            {
                "phase": f"A round moves one step at a time: from {round.phase} it can only go "
                f"to {expected}."
            }
        )
    if round.phase == Phase.SUPPORT:
        # One transaction: the shortlist and the phase change stand or fall together (and if
        # voting cannot open on the shortlist, neither happens).
        apply_shortlist(round, by=by)
        test_count = get_test_count()
        if to == Phase.VOTING and test_count is not None:
            test_count[1](round, by=by)
    if to == Phase.VOTING:
        problems = voting_blockers(round)
        if problems:
            raise ValidationError({"phase": [gettext("Voting cannot open yet."), *problems]})
    return _set_phase(round, to, by=by, reason=reason)


def _support_rule(round: Round) -> dict[str, Any]:
    return {name: _public(getattr(round, name)) for name in SUPPORT_SETTINGS}


def _set_phase(round: Round, to: str, *, by: UserLike, reason: str) -> Round:
    previous = round.phase
    round.phase = to
    now = timezone.now()
    update = ["phase", "updated_at"]
    if to == Phase.VOTING and not round.settings_frozen:
        round.settings_frozen_at = now
        update.append("settings_frozen_at")
    if to == Phase.SUPPORT and round.support_opened_at is None:
        round.support_opened_at = now
        update.append("support_opened_at")
    round.save(update_fields=update)
    actor = _actor(by, round.ward, Role.COUNCILLOR)
    audit.record(
        kinds.ROUND_PHASE_CHANGED,
        ward=round.ward,
        round=round,
        actor=actor,
        payload={
            "from": previous,
            "to": to,
            "reason": reason,
            "scheduled": by is None,
            # Support opens under a rule frozen from now on: the ledger keeps it.
            **({"support_rule": _support_rule(round)} if to == Phase.SUPPORT else {}),
        },
    )
    queue_phase_notice(round)  # emails to the ward's subscribers, in this transaction
    if "settings_frozen_at" in update:
        audit.record(
            kinds.ROUND_SETTINGS_FROZEN,
            ward=round.ward,
            round=round,
            actor=actor,
            payload={
                "settings": _settings_snapshot(round),
                "ballot": sorted(round.proposals.on_ballot().values_list("pk", flat=True)),
            },
        )
    return round


@transaction.atomic
def enter_result_phase(round: Round, to: str, *, by: UserLike, reason: str = "") -> Round:
    """The hook for ballots.services.close_round / publish_round: voting → closed → published.

    The ballots app checks its own rules (voting has ended, ballots are sealed, the result is
    stored) before calling this, inside its transaction; this checks only the phase order.
    """
    if by is not None:
        access.require(by, Action.MANAGE_ROUND, round.ward)
    round = Round.objects.select_for_update().select_related("ward").get(pk=round.pk)
    if to not in RESULT_PHASES:
        raise ValidationError({"phase": "Use change_phase for phases before voting ends."})
    if next_phase(round) != to:
        raise ValidationError({"phase": f"A round in the {round.phase} phase cannot become {to}."})
    return _set_phase(round, to, by=by, reason=_clean_reason(reason, required=False))


def settings_editable(round: Round) -> bool:
    """Whether the round's settings page is open: until voting ends or the round is cancelled
    (update_round refuses ballot settings from when voting opens, field by field)."""
    return not round.finished and not round.cancelled
