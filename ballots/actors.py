"""Who did something, as the ledger names them: one label for a person, whatever they did."""

from __future__ import annotations

from typing import Any

import audit

# Staff at a terminal (management commands, the demo seeder): no signed-in person to name.
COMMAND_LINE = audit.Actor("staff", "command-line")


def ledger_actor(user: Any) -> audit.Actor:
    """A staff member as "staff", anyone else acting in a ward (a councillor, a clerk) as
    "councillor", under their stable pseudonym; `None` is staff on the command line."""
    if user is None:
        return COMMAND_LINE
    role = "staff" if getattr(user, "is_staff", False) else "councillor"
    return audit.actor_for(user, role)
