"""The rules of budget rounds and proposals. Views, the API, commands and tests all call these.

Every function checks who may act (through wards.access and budgets.access), checks the round's
phase, changes the database and records a ledger event in one transaction, and refuses with a
ValidationError or PermissionDenied whose message a resident can read.

By job, one module each:
- rounds: create a round, change its settings, move it through its phases (and the result
  phases the ballots app enters through enter_result_phase);
- proposals: submit, edit, withdraw and list residents' proposals;
- reviews: councillors' decisions and merges (decide_review dispatches to them);
- cancelling: cancel a round with a public reason (a second councillor once voting opened);
- two_person: the two-councillor rule (ask, approve, withdraw) cancelling and early close share;
- schedule: advance_due_rounds, what `advance_rounds` runs;
- display: words and dates (when, timeline, phase explanations, the rule table);
- pages: the round page's flags, so templates decide nothing;
- places: the round's polling places and help desk (printed on letters and paper ballots).
- discussion: residents' comments and replies on proposals, and the thread as pages show it;
- reports: anyone asks the ward's councillors to look at a comment or a proposal;
- moderation: the councillors' decisions to hide or dismiss (ledger events), and their queue;
- support: residents' supports in the optional support phase, and the shortlist made from them.

`from budgets.services import X` keeps working for every name below.
"""

from __future__ import annotations

from budgets.access import can_manage, can_review, can_see_round
from budgets.models import MIN_COST_PENCE, Round, RoundQuerySet, UserLike
from budgets.services._common import _actor, _check_cost, _clean_reason, _full_clean, _public
from budgets.services.cancelling import (
    CancelOptions,
    cancel_options,
    cancel_refusal,
    cancel_round,
    needs_second_councillor,
    request_cancel,
    withdraw_cancel_request,
)
from budgets.services.discussion import (
    DISCUSSION_PHASES,
    EDIT_WINDOW,
    CommentRow,
    TooManyPosts,
    can_comment,
    comment_count,
    comment_id,
    delete_comment,
    discussion_open,
    display_name,
    edit_comment,
    post_comment,
    require_can_comment,
    require_can_delete,
    require_can_edit,
    thread_rows,
    threads,
)
from budgets.services.display import (
    PHASE_EXPLANATIONS,
    WHAT_NEXT,
    TimelineStep,
    allowed_rules_text,
    timeline,
    when,
)
from budgets.services.moderation import (
    Decision,
    QueueItem,
    can_moderate,
    dismiss_reports,
    hide_comment,
    hide_proposal,
    moderate,
    moderation_queue,
    proposal_hiding,
    queue_item,
    require_can_moderate,
    text_sha256,
    waiting_count,
)
from budgets.services.pages import (
    RoundCard,
    ballot_summary,
    eligibility_summary,
    round_page,
    turnout,
    ward_round_cards,
)
from budgets.services.places import (
    VotingPlaces,
    add_polling_place,
    change_polling_place,
    places_editable,
    remove_polling_place,
    set_help_desk,
    voting_places,
)
from budgets.services.proposals import (
    PROPOSAL_FIELDS,
    PROPOSAL_SORTS,
    can_change_proposal,
    edit_proposal,
    list_proposals,
    proposals_open_now,
    require_can_change_proposal,
    require_can_propose,
    submit_proposal,
    withdraw_proposal,
)
from budgets.services.reports import report_comment, report_proposal
from budgets.services.reviews import (
    REVIEW_STATUS,
    can_review_now,
    decide_review,
    merge_proposals,
    require_can_review,
    review_proposal,
)
from budgets.services.rounds import (
    BALLOT_SETTINGS,
    NEXT_PHASE,
    RESULT_PHASE_SERVICE,
    RESULT_PHASES,
    ROUND_FIELDS,
    SUPPORT_SETTINGS,
    change_phase,
    create_round,
    enter_result_phase,
    next_phase,
    settings_editable,
    update_round,
    voting_blockers,
)
from budgets.services.schedule import PHASE_DEADLINE, Advance, advance_due_rounds, due_rounds
from budgets.services.support import (
    Shortlist,
    SupportPanel,
    apply_shortlist,
    can_support,
    decide_shortlist,
    shortlist_rule_words,
    support_counts,
    support_counts_for,
    support_list_state,
    support_panel,
    support_problem,
    support_proposal,
    withdraw_support,
)
from budgets.services.support import (
    candidates as support_candidates,
)


def visible_rounds(user: UserLike) -> RoundQuerySet:
    """Rounds a user may see: public ones, plus drafts in wards they manage (staff: all)."""
    return Round.objects.visible_to(user).select_related("ward", "neighbourhood")


__all__ = [
    "BALLOT_SETTINGS",
    "DISCUSSION_PHASES",
    "EDIT_WINDOW",
    "MIN_COST_PENCE",
    "NEXT_PHASE",
    "PHASE_DEADLINE",
    "PHASE_EXPLANATIONS",
    "PROPOSAL_FIELDS",
    "PROPOSAL_SORTS",
    "RESULT_PHASES",
    "RESULT_PHASE_SERVICE",
    "REVIEW_STATUS",
    "ROUND_FIELDS",
    "SUPPORT_SETTINGS",
    "WHAT_NEXT",
    "Advance",
    "CancelOptions",
    "CommentRow",
    "Decision",
    "QueueItem",
    "RoundCard",
    "Shortlist",
    "SupportPanel",
    "TimelineStep",
    "TooManyPosts",
    "UserLike",
    "VotingPlaces",
    "_actor",
    "_check_cost",
    "_clean_reason",
    "_full_clean",
    "_public",
    "add_polling_place",
    "advance_due_rounds",
    "allowed_rules_text",
    "apply_shortlist",
    "ballot_summary",
    "can_change_proposal",
    "can_comment",
    "can_manage",
    "can_moderate",
    "can_review",
    "can_review_now",
    "can_see_round",
    "can_support",
    "cancel_options",
    "cancel_refusal",
    "cancel_round",
    "change_phase",
    "change_polling_place",
    "comment_count",
    "comment_id",
    "create_round",
    "decide_review",
    "decide_shortlist",
    "delete_comment",
    "discussion_open",
    "dismiss_reports",
    "display_name",
    "due_rounds",
    "edit_comment",
    "edit_proposal",
    "eligibility_summary",
    "enter_result_phase",
    "hide_comment",
    "hide_proposal",
    "list_proposals",
    "merge_proposals",
    "moderate",
    "moderation_queue",
    "needs_second_councillor",
    "next_phase",
    "places_editable",
    "post_comment",
    "proposal_hiding",
    "proposals_open_now",
    "queue_item",
    "remove_polling_place",
    "report_comment",
    "report_proposal",
    "request_cancel",
    "require_can_change_proposal",
    "require_can_comment",
    "require_can_delete",
    "require_can_edit",
    "require_can_moderate",
    "require_can_propose",
    "require_can_review",
    "review_proposal",
    "round_page",
    "set_help_desk",
    "settings_editable",
    "shortlist_rule_words",
    "submit_proposal",
    "support_candidates",
    "support_counts",
    "support_counts_for",
    "support_list_state",
    "support_panel",
    "support_problem",
    "support_proposal",
    "text_sha256",
    "thread_rows",
    "threads",
    "timeline",
    "turnout",
    "update_round",
    "visible_rounds",
    "voting_blockers",
    "voting_places",
    "waiting_count",
    "ward_round_cards",
    "when",
    "withdraw_cancel_request",
    "withdraw_proposal",
    "withdraw_support",
]
