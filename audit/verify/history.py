"""What the ledger says happened, in order: every round's events follow its phases
(check_phase_order, run by scan on the parsed events), and this ledger extends an earlier copy
byte for byte (check_previous, for --previous)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from audit import kinds
from audit.verify.failures import Failure, UsageError
from audit.verify.kinds import ALL_PHASES, CANCELLED, PHASE_KINDS, PHASES, SUPPORT, SUPPORT_STEPS
from audit.verify.lines import BLOCK


@dataclass
class _RoundPhase:
    """What the events so far say about one round's phase."""

    phase: str | None = None  # None: the round's ledger did not start with round.created
    possible: frozenset[str] = frozenset(ALL_PHASES)  # while phase is None: consistent so far
    support_from: str | None = None  # the phase the support phase was entered from, once it was
    closed: bool = False  # round.closed seen (the close is over)
    published: bool = False


def _phase_rule(kind: str) -> str:
    if kind in (kinds.BALLOTS_SEALED,):
        return "ballots are sealed only while voting is open, or by the close itself"
    if kind == kinds.ROUND_CLOSED:
        return "a round is closed once, after voting"
    if kind.startswith("result."):
        return "a result is published after round.closed, in the closed then published phase"
    if kind == kinds.ROUND_CREATED:
        return "a round is created once, before anything else happens to it"
    if kind == kinds.ROUND_CANCELLED:
        return "a round is cancelled once, before voting closes"
    allowed = [p for p in ALL_PHASES if p in PHASE_KINDS[kind]]
    return f"{kind} happens only in the {' or '.join(allowed)} phase"


def _step_problem(state: _RoundPhase, start: str, to: str) -> str:
    """Why start -> to is not one step of a round's order ("" if it is)."""
    if to == SUPPORT:
        if start not in SUPPORT_STEPS:
            return f"the support phase cannot follow {start}"
        if state.support_from is not None:
            return "the round enters the support phase a second time"
        return ""
    if start == SUPPORT:
        allowed = (
            {SUPPORT_STEPS[state.support_from]}
            if state.support_from
            else set(SUPPORT_STEPS.values())
        )
        if to not in allowed:
            return f"the phase goes from support to {to}, not to the phase support came before"
        return ""
    if PHASES.index(to) != PHASES.index(start) + 1:
        how = "back" if PHASES.index(to) <= PHASES.index(start) else "skipping ahead"
        return f"the phase goes {how} from {start} to {to}"
    return ""


def check_phase_order(events: Sequence[tuple[int, dict[str, Any]]]) -> tuple[int, str] | None:
    """(line, why) for the first event out of its round's phase order, or None.

    A round.cancelled event (before round.closed) ends the round: no phase change and no
    phase-bound event may follow it. Reads only kinds, round ids and round.phase_changed's
    from/to. A round whose events begin without round.created (a round made before the
    ledger, or by a test) is given the phase its first phase change starts from, and the events
    before it must all fit that one phase.
    """
    rounds: dict[int, _RoundPhase] = {}
    for n, event in events:
        kind, round_id = event.get("kind"), event.get("round")
        if not isinstance(round_id, int) or isinstance(round_id, bool):
            continue
        if kind != kinds.ROUND_PHASE_CHANGED and kind not in PHASE_KINDS:
            continue
        state = rounds.get(round_id)
        if kind == kinds.ROUND_CREATED:
            if state is not None:
                return n, f"round {round_id}: round.created again ({_phase_rule(kind)})"
            rounds[round_id] = _RoundPhase(phase="draft")
            continue
        if state is None:
            state = rounds[round_id] = _RoundPhase()
        where = state.phase or "/".join(p for p in ALL_PHASES if p in state.possible)
        if kind == kinds.ROUND_PHASE_CHANGED:
            payload = event.get("payload") or {}
            start, to = payload.get("from"), payload.get("to")
            if start not in ALL_PHASES or to not in ALL_PHASES:
                return n, f"round {round_id}: a phase change names an unknown phase"
            problem = _step_problem(state, start, to)
            if problem:
                return n, f"round {round_id}: {problem}"
            if start != state.phase and (state.phase is not None or start not in state.possible):
                return n, (
                    f"round {round_id}: the phase changes from {start}, but the round's events "
                    f"put it in the {where} phase"
                )
            if state.phase is None and start == "closed":
                state.closed = True  # closed before this ledger's record of the round begins
            if to == "published" and not state.closed:
                return n, f"round {round_id}: published before round.closed"
            if to == SUPPORT:
                state.support_from = start
            state.phase = to
            continue
        phases = PHASE_KINDS[kind]
        sealing_at_close = (
            kind == kinds.BALLOTS_SEALED
            and not state.closed
            and (state.phase or "closed") == "closed"
        )
        if state.phase is not None:
            fits = state.phase in phases or (sealing_at_close and state.phase == "closed")
        else:
            narrowed = state.possible & (phases | ({"closed"} if sealing_at_close else set()))
            fits = bool(narrowed)
            if fits:
                state.possible = narrowed
        if fits and kind in (kinds.ROUND_CLOSED, kinds.RESULT_PUBLICATION_REQUESTED):
            fits = not state.closed if kind == kinds.ROUND_CLOSED else state.closed
        if fits and kind == kinds.RESULT_PUBLISHED:
            fits = state.closed and not state.published
        if not fits:
            if state.phase == CANCELLED:
                return n, f"round {round_id}: {kind} after round.cancelled (a cancelled round ends)"
            return n, f"round {round_id}: {kind} in the {where} phase ({_phase_rule(kind)})"
        if kind == kinds.ROUND_CANCELLED:
            state.phase = CANCELLED
        elif kind == kinds.ROUND_CLOSED:
            state.closed = True
        elif kind == kinds.RESULT_PUBLISHED:
            state.published = True
    return None


def check_previous(path: str, older: str, label: str) -> int:
    """Check that `path` extends `older` unchanged. Returns the older copy's line count."""
    try:
        new_f = open(path, "rb")  # noqa: SIM115 - both files are closed below
        old_f = open(older, "rb")  # noqa: SIM115
    except OSError as exc:
        raise UsageError(f"cannot open {exc.filename}: {exc.strerror or exc}") from None
    with new_f, old_f:
        lines_before = 0
        while True:
            old = old_f.read(BLOCK)
            if not old:
                break
            new = new_f.read(len(old))
            if new == old:
                lines_before += old.count(b"\n")
                continue
            same = 0
            limit = min(len(new), len(old))
            while same < limit and new[same] == old[same]:
                same += 1
            line = lines_before + old.count(b"\n", 0, same) + 1
            if same == len(new):
                raise Failure(
                    f"{label} line {line}",
                    f"the earlier copy {older} goes on past the end of this ledger: events it "
                    "holds are missing here (history was cut and re-signed?)",
                    line,
                )
            raise Failure(
                f"{label} line {line}",
                f"differs from the same line of the earlier copy {older}: history was rewritten",
                line,
            )
        return lines_before
