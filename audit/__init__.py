"""The append-only, hash-chained public ledger.

This package's top level stays free of Django imports so that `python -m audit.verify` runs on an
auditor's machine with nothing but the standard library and `cryptography`. Inside the app,
`audit.record(...)` appends an event in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["SYSTEM", "Actor", "actor_for", "record", "sign_checkpoint"]


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


def sign_checkpoint(reason: str, *, ward: Any = None, round: Any = None, actor: Any = None) -> Any:
    """Sign the ledger's head with the server's Ed25519 key; returns the stored Checkpoint.

    Call it when a round closes and when its result is published (passing `round=` puts the
    `checkpoint.signed` event in that round's own ledger too), or on demand.
    """
    from audit.signing import sign_checkpoint as sign

    return sign(reason, ward=ward, round=round, actor=actor)
