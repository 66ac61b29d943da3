"""What a ward's email subscribers are told when a round moves on (wards.notices queues it).

A round that starts taking proposals, opens support for shortlisting, opens voting, closes or
publishes its result queues one email per confirmed subscriber of its ward, in the phase
change's own transaction (rounds._set_phase), so the emails exist exactly when the change
does; `send_ward_emails` sends them. Other phases (draft, review) are not announced. The
text is plain and short, with one link: the round's page, whose address comes from
PUBLIC_BASE_URL.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils.translation import gettext, gettext_noop

from budgets.models import Phase, Round
from budgets.services.display import when
from budgets.services.support import shortlist_rule_words
from wards import notices
from wards.numbers import display_pence

# Translated when each subscriber language's email is written (wards.notices.queue_ward_notice).
SUBJECTS: dict[str, str] = {
    Phase.PROPOSALS: gettext_noop("%(area)s: propose projects for %(title)s"),
    Phase.SUPPORT: gettext_noop(
        "%(area)s: support the proposals you want shortlisted for %(title)s"
    ),
    Phase.VOTING: gettext_noop("%(area)s: voting is open for %(title)s"),
    Phase.CLOSED: gettext_noop("%(area)s: voting has closed for %(title)s"),
    Phase.PUBLISHED: gettext_noop("%(area)s: the result of %(title)s is published"),
    Phase.CANCELLED: gettext_noop("%(area)s: %(title)s is cancelled"),
}


def queue_phase_notice(round: Round) -> int:
    """Queue the email the round's new phase calls for, if any; how many were queued."""
    subject = SUBJECTS.get(round.phase)
    if subject is None:
        return 0

    def compose() -> tuple[str, str]:
        context = {
            "round": round,
            "area": round.area_name,
            "ward": round.ward,
            "budget": display_pence(round.budget_pence),
            "url": notices.public_url(round.get_absolute_url()),
            "proposals_end": when(round.proposals_end) if round.proposals_end else "",
            "voting_end": when(round.voting_end) if round.voting_end else "",
            "reason": round.cancel_reason,
            "support_end": when(round.support_end) if round.support_end else "",
            "rule": shortlist_rule_words(round),
        }
        return (
            gettext(subject) % {"area": round.area_name, "title": round.title},
            render_to_string(f"budgets/email/round_{round.phase}.txt", context),
        )

    return notices.queue_ward_notice(
        round.ward, event_key=f"round-{round.pk}-{round.phase}", compose=compose
    )
