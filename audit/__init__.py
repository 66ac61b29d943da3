"""The append-only, hash-chained public ledger.

This package's top level stays free of Django imports so that `python -m audit.verify` runs on an
auditor's machine with nothing but the standard library and `cryptography`. Inside the app,
`audit.record(...)` appends an event in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["SYSTEM", "Actor", "record"]


@dataclass(frozen=True)
class Actor:
    """Who did something, pseudonymously: a role and a stable opaque id, never a name."""

    role: str
    id: str

    def as_dict(self) -> dict[str, str]:
        return {"role": self.role, "id": self.id}


SYSTEM = Actor("system", "system")


def record(
    kind: str, *, ward: Any, round: Any = None, actor: Actor, payload: dict[str, Any]
) -> Any:
    """Append one event to the ledger inside the current database transaction.

    `ward` is a ward (anything with a `slug`) or a slug; `round` a round (anything with a `pk`), an
    id or None. Returns the stored event.
    """
    from audit.ledger import append

    return append(kind, ward=ward, round=round, actor=actor, payload=payload)


def actor_for(user: Any, role: str) -> Actor:
    """A stable pseudonym for a signed-in person acting in a role (HMAC of their id)."""
    from audit.ledger import pseudonym

    return Actor(role, pseudonym(user))
