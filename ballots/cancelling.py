"""A cancelled round's ballots: never counted, and nothing left that links a voter to one.

budgets.services.cancel_round decides who may cancel and when (budgets owns the phases); when
voting had opened it calls `discard_casting` through the hook registered in BallotsConfig.ready(),
inside its transaction and under the round's row lock, so no ballot can arrive meanwhile (casting
holds a shared lock on the round row).
"""

from __future__ import annotations

from django.db import transaction

from ballots.lifecycle import forget_casting, vacuum_secrecy_tables
from ballots.models import CastToken, Participation
from ballots.paper import scrub_unresolved_paper_codes
from ballots.receipts import turnout
from budgets.models import Round


def discard_casting(round: Round) -> dict[str, int]:
    """Forget who cast what in a round being cancelled, as closing does, without counting.

    The ballots and the register are rewritten in a random order without voters, codes or dates
    (forget_casting); paper codes still in clear and the confirmation tokens go; and each voter's
    participation is released, so the cancelled vote does not count towards their yearly limit
    of wards. Receipts still say the ballot was not counted. Returns the turnout so far.
    """
    counts = turnout(round)
    forget_casting(round)
    scrub_unresolved_paper_codes(round)
    CastToken.objects.filter(round=round).delete()
    Participation.objects.filter(round=round).delete()
    # As after a close: the old row versions go once committed (VACUUM needs no transaction).
    transaction.on_commit(lambda: vacuum_secrecy_tables([round.pk]), robust=True)
    return counts
