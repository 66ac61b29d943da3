"""Who did something, as the ledger names them: one label for a person, whatever they did."""

from __future__ import annotations

from typing import Any

import audit
from wards.access import ledger_actor as ledger_actor_for
from wards.access import roles_in
from wards.models import Role, Ward

# Staff at a terminal (management commands, the demo seeder): no signed-in person to name.
COMMAND_LINE = audit.Actor("staff", "command-line")


def ledger_actor(user: Any, ward: Ward) -> audit.Actor:
    """The role a person acted in, under their stable pseudonym: "councillor" for a councillor of
    the ward (staff or not, as budgets' services name them), "staff" for staff acting without
    that role, "clerk" for a clerk of the ward who is not also its councillor (clerks enter paper
    batches and help at the desk), "councillor" otherwise; `None` is staff on the command line.
    """
    if user is None:
        return COMMAND_LINE
    roles = roles_in(user, ward)
    role = Role.CLERK if Role.CLERK in roles and Role.COUNCILLOR not in roles else Role.COUNCILLOR
    actor: audit.Actor = ledger_actor_for(user, ward, role)
    return actor
