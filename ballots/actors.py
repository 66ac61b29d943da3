"""Who did something, as the ledger names them: one label for a person, whatever they did."""

from __future__ import annotations

from typing import Any

import audit
from wards.access import ledger_actor as ledger_actor_for
from wards.models import Role, Ward

# Staff at a terminal (management commands, the demo seeder): no signed-in person to name.
COMMAND_LINE = audit.Actor("staff", "command-line")


def ledger_actor(user: Any, ward: Ward) -> audit.Actor:
    """The role a person acted in, under their stable pseudonym: "councillor" for a councillor of
    the ward (staff or not, as budgets' services name them), "staff" for staff acting without
    that role, "councillor" otherwise; `None` is staff on the command line.

    Everyone who can act on a round's ballots (close, publish, codes, paper) is a councillor of
    its ward or staff, so these are the only roles the ballots app records.
    """
    if user is None:
        return COMMAND_LINE
    actor: audit.Actor = ledger_actor_for(user, ward, Role.COUNCILLOR)
    return actor
