"""The end of a round's vote: closing (the count, then forgetting who cast what), publishing with
two councillors, what the voting desk offers whom, and who may see the result."""

from __future__ import annotations

import csv
import io
import json
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

import audit
from audit import kinds
from ballots.actors import ledger_actor
from ballots.counting import count_profile, no_queries, read_ballots, sha256_hex
from ballots.early_close import approve_early_close, closes_early
from ballots.eligibility import help_desk_problem
from ballots.forgetting import forget_casting
from ballots.models import (
    CastToken,
    Result,
)
from ballots.paper import scrub_unresolved_paper_codes
from ballots.receipts import turnout
from ballots.sealing import seal_if_due
from ballots.voting_codes import codes_can_be_issued
from budgets.models import Phase, Round
from budgets.services import cancel_refusal, enter_result_phase
from wards.access import Action, can, require
from wards.text import spreadsheet_safe

logger = logging.getLogger(__name__)


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
        if locked.phase == Phase.CANCELLED:
            raise ValidationError("This round was cancelled: there is no vote to close.")
        if locked.phase != Phase.VOTING:
            raise ValidationError(
                "Only a round in voting can be closed; this one is in "
                f"{locked.get_phase_display()}."
            )
        # Before voting_end a councillor's close needs a second councillor's request first.
        early = approve_early_close(locked, by)
        build = read_ballots(locked, shuffle=True)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="count") as pool:
            # Once the ballots are read the count needs no database: it runs on one core while the
            # database, on the other, seals and forgets who cast what (psycopg2 frees the GIL).
            counting = pool.submit(_count, locked, build)
            # Listed here, marked sealed by forget_casting's rewrite below.
            seal_if_due(locked, force=True, mark=False)
            counts = turnout(locked)
            # Secret ballot: from here on nothing links a voter or code to a ballot, nor tells
            # the order in which ballots were cast (see "What is stored about voters" in the
            # README).
            forget_casting(locked)
            # Paper codes still in clear (batches never resolved) and the confirmation tokens
            # that lead to receipts go too.
            scrub_unresolved_paper_codes(locked)
            CastToken.objects.filter(round=locked).delete()
            outcome, ballots_pb, comparison = counting.result()
        # The published result.json is exactly these bytes, so anyone can check its hash
        # against the round.closed and result.published events.
        result_text = json.dumps(outcome, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
        result = Result.objects.create(
            round=locked,
            result_json=outcome,
            result_text=result_text,
            result_sha256=sha256_hex(result_text),
            ballots_pb=ballots_pb,
            ballots_sha256=outcome["ballots_sha256"],
            comparison=comparison,
            online_turnout=counts["online"],
            paper_turnout=counts["paper"],
        )
        enter_result_phase(locked, Phase.CLOSED, by=by, reason="voting closed; ballots counted")
        audit.record(
            kinds.ROUND_CLOSED,
            ward=locked.ward,
            round=locked,
            actor=ledger_actor(by, locked.ward),
            payload={
                "result_sha256": result.result_sha256,
                "ballots_sha256": result.ballots_sha256,
                "rule": outcome["rule"],
                "sat": outcome["sat"],
                # Nothing about the outcome is public before publication: result.published
                # lists what was selected; here only the hashes bind the result.
                "turnout": counts,
                **({"early": early} if early else {}),
            },
        )
        _checkpoint("round closed", locked)
        # VACUUM cannot run inside a transaction: reclaim the old row versions once committed
        # (robust: whatever happens there, the close stands and advance_rounds retries).
        transaction.on_commit(lambda: reclaim_space(locked.pk), robust=True)
    round.phase = Phase.CLOSED
    return result


def _count(round: Round, build: Callable[[], tuple[Any, Any]]) -> Any:
    with no_queries():
        return count_profile(round, *build())


# --- Forgetting who cast what, at close --------------------------------------------------------

# The tables whose old row versions still hold the links that close cuts, until reclaimed.
SECRECY_TABLES = (
    "ballots_ballot",
    "ballots_voter",
    "ballots_votingcode",
    "ballots_paperentry",
    "ballots_casttoken",
)


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
    if not vacuum_secrecy_tables(rounds):
        return False
    # SQLite: secure_delete already overwrote the deleted rows while closing.
    Result.objects.filter(round_id__in=rounds).update(space_reclaimed_at=timezone.now())
    return True


def vacuum_secrecy_tables(rounds: list[int]) -> bool:
    """PostgreSQL: rewrite these rounds' code rows, then VACUUM the secrecy tables (outside any
    transaction). False, logged without personal data, if it could not run; SQLite: nothing to
    do (secure_delete overwrote the rows)."""
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
                "Reclaiming ballot rows failed (%s); advance_rounds will retry after a close",
                type(exc).__name__,
            )
            return False
    return True


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
        if locked.phase == Phase.CANCELLED:
            raise ValidationError("This round was cancelled: it has no result to publish.")
        if locked.phase != Phase.CLOSED:
            raise ValidationError("Close the round before publishing its result.")
        result = Result.objects.select_for_update().get(round=locked)
        if by is not None:
            if result.publish_requested_by_id is None:
                result.publish_requested_by = by
                result.save(update_fields=["publish_requested_by"])
                audit.record(
                    kinds.RESULT_PUBLICATION_REQUESTED,
                    ward=locked.ward,
                    round=locked,
                    actor=ledger_actor(by, locked.ward),
                    payload={"result_sha256": result.result_sha256},
                )
                return result
            if _asked_to_publish(by, result):
                raise ValidationError(
                    "A second councillor must approve publication: you asked for it already."
                )
        result.published_at = timezone.now()
        result.save(update_fields=["published_at"])
        enter_result_phase(locked, Phase.PUBLISHED, by=by, reason="result published")
        audit.record(
            kinds.RESULT_PUBLISHED,
            ward=locked.ward,
            round=locked,
            actor=ledger_actor(by, locked.ward),
            payload={
                "result_sha256": result.result_sha256,
                "ballots_sha256": result.ballots_sha256,
                "selected": result.result_json.get("selected", []),
            },
        )
        _checkpoint("result published", locked)
    round.phase = Phase.PUBLISHED
    return result


def _asked_to_publish(user: Any, result: Result) -> bool:
    """The two-person rule: whoever asked for publication cannot also approve it."""
    return result.publish_requested_by_id is not None and result.publish_requested_by_id == user.pk


def voting_open(round: Round) -> bool:
    """Ballots (online and paper) are taken, and voting can be closed."""
    return round.phase == Phase.VOTING


def awaiting_publication(round: Round) -> bool:
    """Counted, and waiting for two councillors to publish the result."""
    return round.phase == Phase.CLOSED


@dataclass(frozen=True)
class DeskActions:
    """What the voting desk offers this person now; the services refuse anything else."""

    can_close: bool
    closes_early: bool  # voting is set to run on: closing needs a reason and a second councillor
    can_issue_codes: bool  # may issue codes and letters (GET /rounds/<id>/codes/)
    can_revoke_codes: bool
    can_enter_paper: bool  # may see and enter paper batches
    can_add_paper_batch: bool
    can_run_help_desk: bool  # may open the help desk (GET /rounds/<id>/help-desk/) now
    publishing: bool  # the result awaits publication and this person may take part in it
    can_ask_to_publish: bool
    can_approve_publication: bool
    asked_by_you: bool  # this person asked for publication; a second councillor must approve
    can_cancel: bool  # may open the cancel page (budgets.services.cancelling has the rules)


def desk_actions(user: Any, round: Round, result: Result | None = None) -> DeskActions:
    """The voting desk's buttons for `user`, decided by the same rules as close_round,
    issue_codes, revoke_code, enter_paper_batch, the help desk and publish_round."""
    manages = can(user, Action.MANAGE_ROUND, round.ward)
    paper = can(user, Action.ENTER_PAPER, round.ward)
    voting = voting_open(round)
    if result is None:
        result = Result.objects.filter(round=round).first()
    publishing = manages and awaiting_publication(round) and result is not None
    asked = publishing and result is not None and result.publish_requested_by_id is not None
    mine = asked and result is not None and _asked_to_publish(user, result)
    return DeskActions(
        can_close=manages and voting,
        closes_early=closes_early(round),
        can_issue_codes=manages and codes_can_be_issued(round),
        can_revoke_codes=manages and voting,
        can_enter_paper=paper,
        can_add_paper_batch=paper and voting,
        can_run_help_desk=paper and help_desk_problem(round) is None,
        publishing=publishing,
        can_ask_to_publish=publishing and not asked,
        can_approve_publication=asked and not mine,
        asked_by_you=mine,
        can_cancel=manages and cancel_refusal(round) is None,
    )


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
