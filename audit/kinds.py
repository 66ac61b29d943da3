"""Every kind of event the ledger records, named once.

The apps record them (`audit.record(kinds.ROUND_CLOSED, ...)`), the plain-words pages label them
(audit/describe.py) and the verifier checks their order (audit/verify/kinds.py). Data only: no
Django, so `python -m audit.verify` can read it too. The strings are part of the public ledger
format (audit/README.md): never change one, only add.
"""

from __future__ import annotations

ROUND_CREATED = "round.created"
ROUND_UPDATED = "round.updated"
ROUND_PHASE_CHANGED = "round.phase_changed"
ROUND_SETTINGS_FROZEN = "round.settings_frozen"
ROUND_TEST_COUNT_PASSED = "round.test_count_passed"
ROUND_TEST_COUNT_FAILED = "round.test_count_failed"
PROPOSAL_SUBMITTED = "proposal.submitted"
PROPOSAL_EDITED = "proposal.edited"
PROPOSAL_WITHDRAWN = "proposal.withdrawn"
PROPOSAL_REVIEWED = "proposal.reviewed"
PROPOSAL_MERGED = "proposal.merged"
CODES_ISSUED = "codes.issued"
CODE_REVOKED = "code.revoked"
BALLOTS_SEALED = "ballots.sealed"
BALLOT_ASSISTED = "ballot.assisted"
PAPER_BATCH_ENTERED = "paper_batch.entered"
PAPER_BATCH_ACCEPTED = "paper_batch.accepted"
PAPER_BATCH_REJECTED = "paper_batch.rejected"
ROUND_EARLY_CLOSE_REQUESTED = "round.early_close_requested"
ROUND_CLOSED = "round.closed"
ROUND_CANCEL_REQUESTED = "round.cancel_requested"
ROUND_CANCEL_WITHDRAWN = "round.cancel_withdrawn"
ROUND_CANCELLED = "round.cancelled"
RESULT_PUBLICATION_REQUESTED = "result.publication_requested"
RESULT_PUBLISHED = "result.published"
CHECKPOINT_SIGNED = "checkpoint.signed"
WARD_POSTCODES_UPDATED = "ward.postcodes_updated"
ROLE_GRANTED = "role.granted"
ROLE_REVOKED = "role.revoked"
POLLING_PLACES_UPDATED = "round.polling_places_updated"
HELP_DESK_UPDATED = "round.help_desk_updated"
PLEDGE_MADE = "pledge.made"
PLEDGE_WITHDRAWN = "pledge.withdrawn"
DELIVERY_UPDATED = "delivery.updated"
DELIVERY_MILESTONE_SET = "delivery.milestone_set"
DELIVERY_UNSPENT_RECORDED = "delivery.unspent_recorded"
COMMENT_HIDDEN = "comment.hidden"
PROPOSAL_HIDDEN = "proposal.hidden"
REPORTS_DISMISSED = "reports.dismissed"
PERSONAL_DATA_PURGED = "personal_data.purged"
ACCOUNTS_PURGED = "accounts.purged"
ROUND_SHORTLISTED = "round.shortlisted"

ALL: frozenset[str] = frozenset(
    value for name, value in dict(globals()).items() if name.isupper() and isinstance(value, str)
)
