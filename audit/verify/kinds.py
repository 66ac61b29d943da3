"""Which event kinds the checks read (NOTABLE_KINDS: every other event is only hashed and
linked), and in which phases of a round each kind may happen (PHASES, PHASE_KINDS). Data only."""

from __future__ import annotations

# Kinds whose payload some check reads; every other event is only hashed and linked.
NOTABLE_KINDS = frozenset({b"checkpoint.signed", b"ballots.sealed", b"round.closed"})
NOTABLE_KINDS |= {b"result.published"}
NOTABLE_KINDS |= {b"round.settings_frozen"}  # names the round's seal batch size K

# The phase order check (check_phase_order): a round goes draft -> proposals -> review -> voting
# -> closed -> published, one step at a time, and each of these kinds happens only in the phases
# named (what the services allow). Kinds not listed (checkpoint.signed, code.revoked, ...) may
# happen in any phase.
PHASES = ("draft", "proposals", "review", "voting", "closed", "published")
_BEFORE_CLOSE = frozenset(PHASES[:4])
PHASE_KINDS: dict[str, frozenset[str]] = {
    "round.created": frozenset({"draft"}),
    "round.updated": _BEFORE_CLOSE,
    "codes.issued": _BEFORE_CLOSE,
    "proposal.submitted": frozenset({"proposals"}),
    "proposal.edited": frozenset({"proposals"}),
    "proposal.withdrawn": frozenset({"proposals"}),
    "proposal.reviewed": frozenset({"review"}),
    "proposal.merged": frozenset({"review"}),
    "round.settings_frozen": frozenset({"voting"}),
    "ballot.assisted": frozenset({"voting"}),
    "paper_batch.entered": frozenset({"voting"}),
    "paper_batch.accepted": frozenset({"voting"}),
    "paper_batch.rejected": frozenset({"voting"}),
    # Also inside the close itself, before round.closed (see check_phase_order).
    "ballots.sealed": frozenset({"voting"}),
    "round.closed": frozenset({"closed"}),
    "result.publication_requested": frozenset({"closed"}),
    "result.published": frozenset({"published"}),
}
NOTABLE_KINDS |= {kind.encode() for kind in PHASE_KINDS} | {b"round.phase_changed"}
# The block search looks for these prefixes (fewer passes over each block than one per kind).
NOTABLE_PREFIXES = (
    b"checkpoint.",
    b"ballot",
    b"round.",
    b"result.",
    b"proposal.",
    b"paper_batch.",
    b"codes.",
)
assert all(any(k.startswith(p) for p in NOTABLE_PREFIXES) for k in NOTABLE_KINDS)
