"""Ledger events in plain words, for the audit pages, in the reader's language.

The sentences themselves are in audit/sentences_round.py and audit/sentences_people.py, their
pieces in audit/words.py. Payload keys are read leniently (several apps write them): a sentence
uses what it finds and stays true when a detail is missing. Unknown kinds get a generic sentence.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit import kinds, sentences_people, sentences_round, words
from audit.sentences_round import Sentence

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


def actor_words(role: str, actor_id: str) -> str:
    """'Councillor 3f2a…': the role and the start of the pseudonym, never a name."""
    return words.actor(role, actor_id)


SENTENCES: dict[str, Sentence] = {**sentences_round.SENTENCES, **sentences_people.SENTENCES}


def describe(kind: str, payload: Any, actor_role: str, actor_id: str) -> str:
    """One sentence saying what an event records, in the reader's language.

    Translated when the page is drawn: the ledger's payload is read, never changed. What people
    typed (titles, reasons, place names) appears as they typed it.
    """
    who = actor_words(actor_role, actor_id)
    p = payload if isinstance(payload, Mapping) else {}
    sentence = SENTENCES.get(kind)
    if sentence is None:
        return gettext("%(who)s recorded “%(kind)s”") % {"who": who, "kind": kind}
    try:
        return sentence(who, p)
    # A detail missing, or an odd payload, never breaks the page: the event's label instead.
    except (words.Missing, TypeError, ValueError, AttributeError, KeyError):
        label = KIND_LABELS.get(kind, kind)
        return gettext("%(who)s: %(what)s") % {"who": who, "what": label}


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
