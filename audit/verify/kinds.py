"""Which event kinds the checks read (NOTABLE_KINDS: every other event is only hashed and
linked), and in which phases of a round each kind may happen (PHASES, PHASE_KINDS). Data only."""

from __future__ import annotations

from audit import kinds

# Kinds whose payload some check reads; every other event is only hashed and linked.
NOTABLE_KINDS = frozenset(
    k.encode()
    for k in (
        kinds.CHECKPOINT_SIGNED,
        kinds.BALLOTS_SEALED,
        kinds.ROUND_CLOSED,
        kinds.RESULT_PUBLISHED,
        kinds.ROUND_SETTINGS_FROZEN,  # names the round's seal batch size K
    )
)

# The phase order check (check_phase_order): a round goes draft -> proposals -> review -> voting
# -> closed -> published, one step at a time (with at most one optional support phase, after
# proposals or after review: SUPPORT_STEPS), or is cancelled before it closes; and each of these
# kinds happens only in the phases named (what the services allow). Kinds not listed
# (checkpoint.signed, code.revoked, ...) may happen in any phase.
PHASES = ("draft", "proposals", "review", "voting", "closed", "published")
# The optional support phase (residents support proposals, then the shortlist is made): entered
# from one phase of PHASES, it leaves to the phase that follows that one.
SUPPORT = "support"
SUPPORT_STEPS: dict[str, str] = {"proposals": "review", "review": "voting"}
ALL_PHASES = (*PHASES, SUPPORT)
# Where round.cancelled leaves a round, off the order above: no phase-bound event may follow.
CANCELLED = "cancelled"
_BEFORE_CLOSE = frozenset((*PHASES[:4], SUPPORT))
PHASE_KINDS: dict[str, frozenset[str]] = {
    kinds.ROUND_CREATED: frozenset({"draft"}),
    kinds.ROUND_UPDATED: _BEFORE_CLOSE,
    kinds.CODES_ISSUED: _BEFORE_CLOSE,
    kinds.POLLING_PLACES_UPDATED: _BEFORE_CLOSE,
    kinds.HELP_DESK_UPDATED: _BEFORE_CLOSE,
    kinds.PROPOSAL_SUBMITTED: frozenset({"proposals"}),
    kinds.PROPOSAL_EDITED: frozenset({"proposals"}),
    kinds.PROPOSAL_WITHDRAWN: frozenset({"proposals"}),
    kinds.PROPOSAL_REVIEWED: frozenset({"review"}),
    kinds.PROPOSAL_MERGED: frozenset({"review"}),
    # The shortlist is made as the support phase ends, before its phase change.
    kinds.ROUND_SHORTLISTED: frozenset({SUPPORT}),
    kinds.ROUND_SETTINGS_FROZEN: frozenset({"voting"}),
    # Counted before voting opens (the phases before "voting", whatever they are).
    kinds.ROUND_TEST_COUNT_PASSED: frozenset((*PHASES[: PHASES.index("voting")], SUPPORT)),
    kinds.ROUND_TEST_COUNT_FAILED: frozenset((*PHASES[: PHASES.index("voting")], SUPPORT)),
    kinds.BALLOT_ASSISTED: frozenset({"voting"}),
    kinds.PAPER_BATCH_ENTERED: frozenset({"voting"}),
    kinds.PAPER_BATCH_ACCEPTED: frozenset({"voting"}),
    kinds.PAPER_BATCH_REJECTED: frozenset({"voting"}),
    # Also inside the close itself, before round.closed (see check_phase_order).
    kinds.BALLOTS_SEALED: frozenset({"voting"}),
    kinds.ROUND_EARLY_CLOSE_REQUESTED: frozenset({"voting"}),
    kinds.ROUND_CLOSED: frozenset({"closed"}),
    kinds.ROUND_CANCEL_REQUESTED: frozenset({"voting"}),
    kinds.ROUND_CANCEL_WITHDRAWN: frozenset({"voting"}),
    # Ends the round: nothing that follows a phase may happen to it afterwards (CANCELLED).
    kinds.ROUND_CANCELLED: _BEFORE_CLOSE,
    kinds.RESULT_PUBLICATION_REQUESTED: frozenset({"closed"}),
    kinds.RESULT_PUBLISHED: frozenset({"published"}),
    # What became of the money: reported only once the result (what was funded) is public.
    kinds.DELIVERY_UPDATED: frozenset({"published"}),
    kinds.DELIVERY_MILESTONE_SET: frozenset({"published"}),
    kinds.DELIVERY_UNSPENT_RECORDED: frozenset({"published"}),
    # Voters' personal data goes only after publication (and its challenge period).
    kinds.PERSONAL_DATA_PURGED: frozenset({"published"}),
}
NOTABLE_KINDS |= {kind.encode() for kind in PHASE_KINDS} | {kinds.ROUND_PHASE_CHANGED.encode()}
# The block search looks for these prefixes (fewer passes over each block than one per kind).
NOTABLE_PREFIXES = (
    b"checkpoint.",
    b"ballot",
    b"round.",
    b"result.",
    b"proposal.",
    b"paper_batch.",
    b"codes.",
    b"delivery.",
    b"personal_data.",
)
assert all(any(k.startswith(p) for p in NOTABLE_PREFIXES) for k in NOTABLE_KINDS)
