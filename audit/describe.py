"""Ledger events in plain words, for the audit pages.

Payload keys are read leniently (several apps write them): a sentence uses what it finds and
stays true when a detail is missing. Unknown kinds get a generic sentence.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Any

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from audit import kinds

# Short labels for the filter, in the order a round lives through them.
KIND_LABELS: dict[str, str | Promise] = {
    kinds.ROUND_CREATED: _("Round created"),
    kinds.ROUND_UPDATED: _("Round details changed"),
    kinds.ROUND_PHASE_CHANGED: _("Round phase changed"),
    kinds.ROUND_SETTINGS_FROZEN: _("Ballot settings frozen"),
    kinds.ROUND_TEST_COUNT_PASSED: _("Test count passed"),
    kinds.ROUND_TEST_COUNT_FAILED: _("Test count failed"),
    kinds.PROPOSAL_SUBMITTED: _("Proposal submitted"),
    kinds.PROPOSAL_EDITED: _("Proposal edited"),
    kinds.PROPOSAL_WITHDRAWN: _("Proposal withdrawn"),
    kinds.PROPOSAL_REVIEWED: _("Proposal reviewed"),
    kinds.PROPOSAL_MERGED: _("Proposals merged"),
    kinds.CODES_ISSUED: _("Voting codes issued"),
    kinds.CODE_REVOKED: _("Voting code revoked"),
    kinds.BALLOTS_SEALED: _("Ballots sealed"),
    kinds.BALLOT_ASSISTED: _("Assisted vote"),
    kinds.PAPER_BATCH_ENTERED: _("Paper ballots entered"),
    kinds.PAPER_BATCH_ACCEPTED: _("Paper batch accepted"),
    kinds.PAPER_BATCH_REJECTED: _("Paper batch rejected"),
    kinds.ROUND_EARLY_CLOSE_REQUESTED: _("Early close requested"),
    kinds.ROUND_CLOSED: _("Round closed"),
    kinds.ROUND_CANCEL_REQUESTED: _("Cancellation requested"),
    kinds.ROUND_CANCEL_WITHDRAWN: _("Cancellation request withdrawn"),
    kinds.ROUND_CANCELLED: _("Round cancelled"),
    kinds.RESULT_PUBLICATION_REQUESTED: _("Result awaiting approval"),
    kinds.RESULT_PUBLISHED: _("Result published"),
    kinds.CHECKPOINT_SIGNED: _("Ledger signed"),
    kinds.WARD_POSTCODES_UPDATED: _("Ward postcode list updated"),
    kinds.ROLE_GRANTED: _("Role given"),
    kinds.ROLE_REVOKED: _("Role taken away"),
    kinds.POLLING_PLACES_UPDATED: _("Polling places changed"),
    kinds.HELP_DESK_UPDATED: _("Help desk changed"),
    kinds.PLEDGE_MADE: _("Help pledged"),
    kinds.PLEDGE_WITHDRAWN: _("Pledge withdrawn"),
    kinds.DELIVERY_UPDATED: _("Delivery update"),
    kinds.DELIVERY_MILESTONE_SET: _("Delivery milestone"),
    kinds.DELIVERY_UNSPENT_RECORDED: _("Unspent money recorded"),
    kinds.COMMENT_HIDDEN: _("Comment hidden"),
    kinds.PROPOSAL_HIDDEN: _("Proposal text hidden"),
    kinds.REPORTS_DISMISSED: _("Reports dismissed"),
    kinds.PERSONAL_DATA_PURGED: _("Voters' personal data deleted"),
    kinds.ACCOUNTS_PURGED: _("Inactive accounts deleted"),
    kinds.ROUND_SHORTLISTED: _("Shortlist decided"),
}

PHASE_WORDS = {
    "draft": "moved the round back to draft",
    "proposals": "opened proposals",
    "review": "closed proposals and started the review",
    "support": "opened support: residents support the proposals they want shortlisted",
    "voting": "opened voting",
    "closed": "closed voting",
    "published": "published the result",
}

DECISION_WORDS = {
    "accepted": "accepted it for the ballot",
    "accept": "accepted it for the ballot",
    "approved": "accepted it for the ballot",
    "rejected": "rejected it",
    "reject": "rejected it",
    "changes_requested": "asked for changes",
    "needs_changes": "asked for changes",
}


def actor_words(role: str, actor_id: str) -> str:
    """'Councillor 3f2a…': the role and the start of the pseudonym, never a name."""
    if role == "system" or not actor_id:
        return "The system"
    return f"{role.replace('_', ' ').capitalize()} {actor_id[:4]}…"


def _first(payload: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        value = payload.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def _proposal(p: Mapping[str, Any]) -> str:
    pid = _first(p, "proposal", "proposal_id", "id")
    title = _first(p, "title")
    text = f"proposal #{pid}" if pid is not None else "a proposal"
    return f"{text} “{title}”" if title else text


def _count(p: Mapping[str, Any], *keys: str) -> int | None:
    value = _first(p, *keys)
    if isinstance(value, list):
        return len(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def _round_created(who: str, p: Mapping[str, Any]) -> str:
    title = _first(p, "title", "name")
    return f"{who} created the budget round “{title}”" if title else f"{who} created the round"


def _round_updated(who: str, p: Mapping[str, Any]) -> str:
    changed = _first(p, "changed", "fields")
    if isinstance(changed, list | dict):
        names = ", ".join(str(c).replace("_", " ") for c in changed)
        return f"{who} changed the round's {names}"
    return f"{who} changed the round's details"


def _phase(who: str, p: Mapping[str, Any]) -> str:
    to = _first(p, "to", "phase", "new")
    if isinstance(to, str):
        return f"{who} {PHASE_WORDS.get(to, f'moved the round to {to}')}"
    return f"{who} moved the round to its next phase"


def _reviewed(who: str, p: Mapping[str, Any]) -> str:
    decision = _first(p, "decision", "outcome", "status")
    text = f"{who} reviewed {_proposal(p)}"
    if isinstance(decision, str):
        text += f" and {DECISION_WORDS.get(decision, decision.replace('_', ' '))}"
    return text


def _merged(who: str, p: Mapping[str, Any]) -> str:
    into = _first(p, "into", "merged_into", "target")
    merged = _first(p, "merged", "sources", "proposals")
    if into is not None and isinstance(merged, list):
        ids = ", ".join(f"#{m}" for m in merged)
        return f"{who} merged proposals {ids} into #{into}"
    if into is not None:
        return f"{who} merged {_proposal(p)} into #{into}"
    return f"{who} merged proposals"


def _codes(who: str, p: Mapping[str, Any]) -> str:
    n = _count(p, "count", "codes", "issued")
    return f"{who} issued {_plural(n, 'voting code')}" if n is not None else f"{who} issued codes"


def _sealed(who: str, p: Mapping[str, Any]) -> str:
    n = _count(p, "commitments") or 0
    replaced = _count(p, "superseded") or 0
    text = f"{_plural(n, 'ballot')} sealed"
    if replaced:
        text += f" ({_plural(replaced, 'earlier ballot')} replaced by a new one)"
    return text


def _batch(verb: str) -> Callable[[str, Mapping[str, Any]], str]:
    def sentence(who: str, p: Mapping[str, Any]) -> str:
        batch = _first(p, "batch", "batch_id", "id")
        n = _count(p, "count", "ballots")
        what = f"paper batch {batch}" if batch is not None else "a paper batch"
        place = _first(p, "polling_place")
        if isinstance(place, str):
            what += f" from {place}"
        if verb == "entered":
            size = f" of {_plural(n, 'paper ballot')}" if n is not None else ""
            return f"{who} entered {what}{size}"
        reason = _first(p, "reason")
        return f"{who} {verb} {what}" + (f": {reason}" if isinstance(reason, str) else "")

    return sentence


def _closed(who: str, p: Mapping[str, Any]) -> str:
    # The event holds the result's fingerprint only: what was funded is public at publication.
    turnout = p.get("turnout")
    total = turnout.get("total") if isinstance(turnout, Mapping) else None
    voters = f" ({_plural(total, 'voter')})" if isinstance(total, int) else ""
    return (
        f"{who} closed the round{voters}, sealed its last ballots and recorded a fingerprint of "
        "the result, which stays private until it is published"
    )


def _reason(p: Mapping[str, Any]) -> str:
    reason = _first(p, "reason")
    return f": “{reason}”" if isinstance(reason, str) else ""


def _cancelled(who: str, p: Mapping[str, Any]) -> str:
    turnout = p.get("turnout")
    total = turnout.get("total") if isinstance(turnout, Mapping) else None
    text = f"{who} cancelled the round"
    if p.get("second_councillor"):
        text += ", approving a colleague's request"
    if isinstance(total, int):
        text += f" ({_plural(total, 'ballot')} cast, not counted)"
    return text + _reason(p)


def _published(who: str, p: Mapping[str, Any]) -> str:
    n = _count(p, "selected", "funded")
    if n is not None:
        return f"{who} published the result: {_plural(n, 'project')} funded"
    return f"{who} published the result"


def _role(p: Mapping[str, Any]) -> str:
    role = _first(p, "role")
    return role.replace("_", " ") if isinstance(role, str) else "team member"


def _person(p: Mapping[str, Any]) -> str:
    person = _first(p, "person")
    return f"person {person[:4]}…" if isinstance(person, str) else "someone"


def _polling_place(who: str, p: Mapping[str, Any]) -> str:
    action = _first(p, "action")
    place = p.get("place")
    name = _first(place, "name") if isinstance(place, Mapping) else None
    what = f"the polling place “{name}”" if isinstance(name, str) else "a polling place"
    verb = {"added": "added", "changed": "changed", "removed": "removed"}.get(str(action))
    return f"{who} {verb} {what}" if verb else f"{who} changed the round's polling places"


def _hidden(what: str) -> Callable[[str, Mapping[str, Any]], str]:
    def sentence(who: str, p: Mapping[str, Any]) -> str:
        if what == "comment":
            cid = _first(p, "comment")
            thing = f"comment #{cid}" if cid is not None else "a comment"
            pid = _first(p, "proposal")
            thing += f" on proposal #{pid}" if pid is not None else ""
        else:
            thing = f"the text of {_proposal(p)}"
        reason = _first(p, "reason")
        return f"{who} hid {thing}" + (f": {reason}" if isinstance(reason, str) else "")

    return sentence


def _dismissed(who: str, p: Mapping[str, Any]) -> str:
    n = _count(p, "reports")
    reports = _plural(n, "report") if n is not None else "reports"
    cid = _first(p, "comment")
    thing = f"comment #{cid}" if cid is not None else _proposal(p)
    return f"{who} dismissed {reports} about {thing} and left it as it was"


def _shortlisted(who: str, p: Mapping[str, Any]) -> str:
    through = _count(p, "shortlisted")
    missed = _count(p, "missed_by")
    text = f"{who} made the shortlist from the residents' supports"
    if through is not None:
        text += f": {_plural(through, 'proposal')} went through"
        if missed is not None:
            text += f", {missed:,} missed it"
    bar = _count(p, "bar")
    return text + (f" (the bar was {_plural(bar, 'support')})" if bar is not None else "")


def _checkpoint(who: str, p: Mapping[str, Any]) -> str:
    seq = p.get("seq")
    reason = _first(p, "reason")
    text = "The ledger was signed"
    if seq is not None:
        text += f" up to event #{seq}"
    return text + (f" ({reason})" if isinstance(reason, str) else "")


def _pledge(who: str, p: Mapping[str, Any]) -> str:
    hours = _count(p, "hours")
    help_words = []
    if hours:
        help_words.append(_plural(hours, "volunteer hour"))
    if p.get("in_kind"):
        help_words.append("help in kind")
    what = " and ".join(help_words) or "help"
    return f"{who} pledged {what} to {_proposal(p)}"


STATUS_WORDS = {
    "not_started": "not started",
    "in_progress": "in progress",
    "delivered": "delivered",
    "cancelled": "cancelled",
}


def _test_count(passed: bool) -> Callable[[str, Mapping[str, Any]], str]:
    def sentence(who: str, p: Mapping[str, Any]) -> str:
        deck = p.get("deck_sha256")
        text = f"{who} counted a test deck of ballots before voting"
        if isinstance(deck, str) and deck:
            text += f" (deck SHA-256 {deck[:16]}…)"
        if passed:
            return text + ": it selected the projects known by construction"
        return text + f": it FAILED{_reason(p)}"

    return sentence


def _delivery(who: str, p: Mapping[str, Any]) -> str:
    text = f"{who} posted a delivery update on {_proposal(p)}"
    status = _first(p, "status")
    if isinstance(status, str):
        text += f": {STATUS_WORDS.get(status, status.replace('_', ' '))}"
    if p.get("photo_sha256"):
        text += " (with a photo)"
    return text


def _milestone(who: str, p: Mapping[str, Any]) -> str:
    title = _first(p, "milestone")
    what = f"the milestone “{title}”" if isinstance(title, str) else "a milestone"
    done = " as reached" if p.get("reached_on") else ""
    return f"{who} recorded {what}{done} for {_proposal(p)}"


def _unspent(who: str, p: Mapping[str, Any]) -> str:
    amount = _first(p, "amount_pence")
    how = {"carried_over": "carried over to next year's chest", "returned": "returned"}
    decision = how.get(str(p.get("decision")), "accounted for")
    if isinstance(amount, int) and not isinstance(amount, bool):
        pounds, pence = divmod(amount, 100)
        money = f"£{pounds:,}" + (f".{pence:02d}" if pence else "")
        return f"{who} recorded that {money} left unspent was {decision}"
    return f"{who} recorded what became of the money left unspent"


def _purged(who: str, p: Mapping[str, Any]) -> str:
    def n(key: str) -> str:
        return f"{_count(p, key) or 0:,}"

    return (
        f"{who} deleted what identified the round's voters once its challenge period ended: "
        f"{n('voting_codes')} voting code hashes, {n('register_keys')} register keys, "
        f"{n('assisted_flags')} assisted flags, {n('paper_codes')} paper ballots' code hashes "
        f"and {n('participations')} participation records"
    )


def _accounts_purged(who: str, p: Mapping[str, Any]) -> str:
    def n(key: str) -> str:
        return f"{_count(p, key) or 0:,}"

    return (
        f"{who} deleted {n('deleted')} accounts unused for {n('inactive_days')} days, each "
        f"warned by email first ({n('notices_sent')} new warnings sent)"
    )


SENTENCES: dict[str, Callable[[str, Mapping[str, Any]], str]] = {
    kinds.ROUND_CREATED: _round_created,
    kinds.ROUND_UPDATED: _round_updated,
    kinds.ROUND_PHASE_CHANGED: _phase,
    kinds.ROUND_SETTINGS_FROZEN: lambda who, p: f"{who} froze the ballot settings for voting",
    kinds.ROUND_TEST_COUNT_PASSED: _test_count(passed=True),
    kinds.ROUND_TEST_COUNT_FAILED: _test_count(passed=False),
    kinds.PROPOSAL_SUBMITTED: lambda who, p: f"{who} submitted {_proposal(p)}",
    kinds.PROPOSAL_EDITED: lambda who, p: f"{who} edited {_proposal(p)}",
    kinds.PROPOSAL_WITHDRAWN: lambda who, p: f"{who} withdrew {_proposal(p)}",
    kinds.PROPOSAL_REVIEWED: _reviewed,
    kinds.PROPOSAL_MERGED: _merged,
    kinds.CODES_ISSUED: _codes,
    kinds.CODE_REVOKED: lambda who, p: f"{who} revoked a voting code",
    kinds.BALLOTS_SEALED: _sealed,
    kinds.BALLOT_ASSISTED: lambda who, p: f"{who} helped a voter cast their ballot at a help desk",
    kinds.PAPER_BATCH_ENTERED: _batch("entered"),
    kinds.PAPER_BATCH_ACCEPTED: _batch("accepted"),
    kinds.PAPER_BATCH_REJECTED: _batch("rejected"),
    kinds.ROUND_CLOSED: _closed,
    kinds.ROUND_CANCEL_REQUESTED: lambda who, p: (
        f"{who} asked to cancel the round (a second approval is needed){_reason(p)}"
    ),
    kinds.ROUND_CANCEL_WITHDRAWN: lambda who, p: (
        f"{who} withdrew their request to cancel the round"
    ),
    kinds.ROUND_CANCELLED: _cancelled,
    kinds.RESULT_PUBLICATION_REQUESTED: lambda who, p: (
        f"{who} asked for the result to be published (a second approval is needed)"
    ),
    kinds.RESULT_PUBLISHED: _published,
    kinds.CHECKPOINT_SIGNED: _checkpoint,
    kinds.ROLE_GRANTED: lambda who, p: f"{who} made {_person(p)} a {_role(p)} of the ward",
    kinds.ROLE_REVOKED: lambda who, p: f"{who} removed {_person(p)} as a {_role(p)} of the ward",
    kinds.POLLING_PLACES_UPDATED: _polling_place,
    kinds.HELP_DESK_UPDATED: lambda who, p: f"{who} changed the round's help desk details",
    kinds.PLEDGE_MADE: _pledge,
    kinds.PLEDGE_WITHDRAWN: lambda who, p: f"{who} withdrew a pledge of help to {_proposal(p)}",
    kinds.DELIVERY_UPDATED: _delivery,
    kinds.DELIVERY_MILESTONE_SET: _milestone,
    kinds.DELIVERY_UNSPENT_RECORDED: _unspent,
    kinds.COMMENT_HIDDEN: _hidden("comment"),
    kinds.PROPOSAL_HIDDEN: _hidden("proposal"),
    kinds.REPORTS_DISMISSED: _dismissed,
    kinds.PERSONAL_DATA_PURGED: _purged,
    kinds.ACCOUNTS_PURGED: _accounts_purged,
    kinds.ROUND_SHORTLISTED: _shortlisted,
}


def describe(kind: str, payload: Any, actor_role: str, actor_id: str) -> str:
    """One sentence saying what an event records."""
    who = actor_words(actor_role, actor_id)
    p = payload if isinstance(payload, Mapping) else {}
    sentence = SENTENCES.get(kind)
    if sentence is None:
        return f"{who} recorded “{kind}”"
    try:
        return sentence(who, p)
    except (TypeError, ValueError, AttributeError):  # an odd payload never breaks the page
        return f"{who}: {KIND_LABELS.get(kind, kind)}"


def when(at: str) -> str:
    """'24 Nov 2026, 23:41 UTC', or only the day for ballot events ('24 Nov 2026')."""
    try:
        if len(at) == 10:
            return date_format(datetime.date.fromisoformat(at), "j M Y")
        moment = datetime.datetime.fromisoformat(at.replace("Z", "+00:00"))
    except ValueError:
        return at
    # The month's short name in the reader's language; the time stays UTC, as recorded.
    return date_format(moment, "j M Y, H:i") + " UTC"
