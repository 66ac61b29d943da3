"""Demo discussion: a few comments on one project in Sparkbrook's round (in voting), a
councillor's reply, and one comment reported and hidden by a councillor with a public reason.

Made by the services a resident's and a councillor's clicks use (post_comment, report_comment,
hide_comment), so the hiding is a real `comment.hidden` ledger event. BudgetsConfig.seed_demo
runs this after budgets.demo. Idempotent: a round whose proposals have comments is left alone.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.db import transaction

from budgets import services
from budgets.demo import councillors
from budgets.models import Comment, Round

DEMO_WARD = "sparkbrook"
DEMO_ROUND = "Sparkbrook Community Chest 2026"
HIDDEN_REASON = "It named a private household. Please report fly-tipping to the council instead."


@transaction.atomic
def seed(say: Callable[[str], None]) -> None:
    round = Round.objects.filter(ward__slug=DEMO_WARD, title=DEMO_ROUND).first()
    if round is None or not services.discussion_open(round):
        return
    if Comment.objects.filter(proposal__round=round).exists():
        return
    proposal = round.proposals.on_ballot().order_by("id").first()
    residents = list(
        get_user_model()
        .objects.filter(username__startswith=f"resident-{DEMO_WARD}-")
        .order_by("username")
    )
    if proposal is None or len(residents) < 3:
        return
    councillor = councillors(round.ward)[0]
    first, second, third = residents[:3]
    question = services.post_comment(
        proposal,
        by=first,
        body="I walk this way home after late shifts. Would the work reach the stretch by the "
        "bus stop too?",
    )
    services.post_comment(
        proposal,
        by=councillor,
        parent=question,
        body="Yes: the officers' estimate covers the whole route up to the bus stop. The "
        "review above has the details.",
    )
    services.post_comment(
        proposal,
        by=second,
        body="Good idea.\nMy children would use this every week, and so would their friends.",
    )
    rude = services.post_comment(
        proposal,
        by=third,
        body="Everyone on our road knows who dumps rubbish here: the family at number 12.",
    )
    services.report_comment(rude, by=first, reason="personal", detail="Names a family.")
    services.hide_comment(rude, by=councillor, reason=HIDDEN_REASON)
    say(f"Discussion: 4 comments on '{proposal.title}' ({round.title}), one hidden.")
