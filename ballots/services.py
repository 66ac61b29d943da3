"""The voting half of a round, one import away: `from ballots import services`.

Each job lives in its own module, named for what it may touch; this module only re-exports their
public names, so views, the API, commands and tests keep calling `services.cast_ballot(...)`:

- `ballots.selection`: the ballot paper, reading and checking a selection
- `ballots.eligibility`: who may vote here and how, the declaration, the voting window
- `ballots.casting`: casting and replacing an online ballot, one-time tokens, idempotency keys
- `ballots.voting_codes`: issuing, revoking and exporting codes, limiting wrong guesses
- `ballots.code_batches`: the voting desk's batches (the same form sent twice issues once)
- `ballots.sealing`: sealing commitments in the ledger
- `ballots.receipts`: what a receipt says, turnout
- `ballots.paper`: paper batches entered twice
- `ballots.counting`: the one crossing into the tally core (`ballots.tally`)
- `ballots.lifecycle`: closing, forgetting who cast what, publishing, seeing the result
- `ballots.actors`: how the ledger names whoever acted

Patch a name where it is used (e.g. `ballots.lifecycle.turnout`), not here: this module holds
only references.
"""

from __future__ import annotations

from ballots import codes
from ballots.actors import (
    COMMAND_LINE,
    ledger_actor,
)
from ballots.casting import (
    ACCOUNT_ROW_SQL,
    ACCOUNT_VOTED,
    ALREADY_VOTED_ELSEWHERE,
    CAST_TOKEN_SALT,
    CAST_TOKEN_SECONDS,
    INVALID_CODE,
    CastResult,
    cast_ballot,
    cast_by_token,
    cast_idempotently,
    cast_token_used,
    cast_with_token,
    new_cast_token,
)
from ballots.code_batches import (
    CODE_BATCH_REPLAY_WINDOW,
    IssuedBatch,
    issue_code_batch,
    issue_code_letters,
    new_batch_secret,
)
from ballots.counting import (
    build_profile,
    sha256_hex,
    shuffled,
    tally_round,
)
from ballots.early_close import (
    CloseOptions,
    close_options,
    closes_early,
    request_early_close,
)
from ballots.eligibility import (
    VOTING_CANCELLED,
    VOTING_CLOSED,
    VOTING_NOT_OPEN,
    Declaration,
    VotingOptions,
    area_postcodes,
    check_declaration,
    check_postcode,
    code_format_problem,
    help_desk_problem,
    is_resident_voter,
    lock_phase,
    postcode_voting_open_to,
    refuse_outside_window,
    refuse_outside_window_locked,
    refuse_unless_voting,
    voting_options,
    voting_window_problem,
)
from ballots.lifecycle import (
    SECRECY_TABLES,
    DeskActions,
    awaiting_publication,
    can_see_result,
    close_round,
    desk_actions,
    forget_casting,
    publish_round,
    reclaim_space,
    result_csv,
    voting_open,
)
from ballots.paper import (
    PAPER_CODE_LABEL,
    PaperAccount,
    enter_paper_batch,
    paper_differences,
    paper_entries_agree,
    scrub_unresolved_paper_codes,
)
from ballots.paper_ballot import (
    PaperBallot,
    ballot_rules,
    paper_ballot,
    paper_numbers,
    selection_from_numbers,
)
from ballots.receipts import (
    ReceiptState,
    ReceiptStatus,
    assisted_count,
    receipt_status,
    turnout,
)
from ballots.sealing import (
    PENDING_LIST_SQL,
    PENDING_SQL,
    SEAL_ALL_SQL,
    SEAL_HOLDING_BACK_SQL,
    SEAL_INTERVAL,
    seal_if_due,
)
from ballots.selection import (
    BALLOT_CACHE_SECONDS,
    PB_VOTE_TYPE,
    Selection,
    SelectionCheck,
    ballot_projects,
    canonical_selection,
    check_selection,
    parse_selection,
)
from ballots.voting_codes import (
    CODE_FAILURE_LIMIT_PER_CLIENT,
    CODE_FAILURE_LIMIT_PER_ROUND,
    CODE_FAILURE_WINDOW,
    LETTER_LANGUAGES,
    MAX_CODES_PER_REQUEST,
    TooManyAttempts,
    ballot_url,
    code_attempts_blocked,
    code_failed,
    codes_can_be_issued,
    codes_csv,
    codes_zip,
    issue_codes,
    letters_html,
    revoke_code,
)

__all__ = [
    "ACCOUNT_ROW_SQL",
    "ACCOUNT_VOTED",
    "ALREADY_VOTED_ELSEWHERE",
    "BALLOT_CACHE_SECONDS",
    "CAST_TOKEN_SALT",
    "CAST_TOKEN_SECONDS",
    "CODE_BATCH_REPLAY_WINDOW",
    "CODE_FAILURE_LIMIT_PER_CLIENT",
    "CODE_FAILURE_LIMIT_PER_ROUND",
    "CODE_FAILURE_WINDOW",
    "COMMAND_LINE",
    "INVALID_CODE",
    "LETTER_LANGUAGES",
    "MAX_CODES_PER_REQUEST",
    "PAPER_CODE_LABEL",
    "PB_VOTE_TYPE",
    "PENDING_LIST_SQL",
    "PENDING_SQL",
    "SEAL_ALL_SQL",
    "SEAL_HOLDING_BACK_SQL",
    "SEAL_INTERVAL",
    "SECRECY_TABLES",
    "VOTING_CANCELLED",
    "VOTING_CLOSED",
    "VOTING_NOT_OPEN",
    "CastResult",
    "CloseOptions",
    "Declaration",
    "DeskActions",
    "IssuedBatch",
    "PaperAccount",
    "PaperBallot",
    "ReceiptState",
    "ReceiptStatus",
    "Selection",
    "SelectionCheck",
    "TooManyAttempts",
    "VotingOptions",
    "area_postcodes",
    "assisted_count",
    "awaiting_publication",
    "ballot_projects",
    "ballot_rules",
    "ballot_url",
    "build_profile",
    "can_see_result",
    "canonical_selection",
    "cast_ballot",
    "cast_by_token",
    "cast_idempotently",
    "cast_token_used",
    "cast_with_token",
    "check_declaration",
    "check_postcode",
    "check_selection",
    "close_options",
    "close_round",
    "closes_early",
    "code_attempts_blocked",
    "code_failed",
    "code_format_problem",
    "codes",
    "codes_can_be_issued",
    "codes_csv",
    "codes_zip",
    "desk_actions",
    "enter_paper_batch",
    "forget_casting",
    "help_desk_problem",
    "is_resident_voter",
    "issue_code_batch",
    "issue_code_letters",
    "issue_codes",
    "ledger_actor",
    "letters_html",
    "lock_phase",
    "new_batch_secret",
    "new_cast_token",
    "paper_ballot",
    "paper_differences",
    "paper_entries_agree",
    "paper_numbers",
    "parse_selection",
    "postcode_voting_open_to",
    "publish_round",
    "receipt_status",
    "reclaim_space",
    "refuse_outside_window",
    "refuse_outside_window_locked",
    "refuse_unless_voting",
    "request_early_close",
    "result_csv",
    "revoke_code",
    "scrub_unresolved_paper_codes",
    "seal_if_due",
    "selection_from_numbers",
    "sha256_hex",
    "shuffled",
    "tally_round",
    "turnout",
    "voting_open",
    "voting_options",
    "voting_window_problem",
]
