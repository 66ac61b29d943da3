"""The pieces the plain-words sentences of audit/sentences.py are made of.

Everything here is translated when a page is drawn (gettext in the reader's language), never
stored: the ledger keeps its payloads as they were recorded. What people typed (a proposal's
title, a councillor's reason, a polling place's name) is shown as they typed it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Missing(Exception):
    """A payload lacks a detail a sentence needs: the event gets its short label instead."""


# The roles an actor is recorded in (wards.models.Role, plus staff and the system).
ROLE_NAMES = {
    "councillor": _("Councillor"),
    "clerk": _("Clerk"),
    "resident": _("Resident"),
    "auditor": _("Auditor"),
    "staff": _("Staff"),
}


def first(payload: Mapping[str, Any], *keys: str) -> Any:
    """The first of these keys with a value (apps name some details differently)."""
    for key in keys:
        value = payload.get(key)
        if value not in (None, "", [], {}):
            return value
    return None


def count(payload: Mapping[str, Any], *keys: str) -> int | None:
    """A number recorded as an integer or as a list of things."""
    value = first(payload, *keys)
    if isinstance(value, list | dict):
        return len(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def need(value: Any) -> Any:
    if value is None:
        raise Missing
    return value


def number(n: int) -> str:
    return f"{n:,}"


def text(value: Any) -> str | None:
    """A string someone typed, or None."""
    return value if isinstance(value, str) and value.strip() else None


def role_name(role: str) -> str:
    return str(ROLE_NAMES.get(role, role.replace("_", " ").capitalize()))


def actor(role: str, actor_id: str) -> str:
    """'Councillor 3f2a…': the role and the start of the pseudonym, never a name."""
    if role == "system" or not actor_id:
        return gettext("The system")
    if actor_id == "command-line":
        return gettext("%(role)s (at the server's command line)") % {"role": role_name(role)}
    return gettext("%(role)s %(id)s…") % {"role": role_name(role), "id": actor_id[:4]}


def proposal(p: Mapping[str, Any]) -> str:
    """'#12 “Play area”': a proposal's number, and its title when the event recorded it."""
    pid = need(first(p, "proposal", "proposal_id", "id"))
    title = text(first(p, "title"))
    if title:
        return gettext("#%(id)s “%(title)s”") % {"id": pid, "title": title}
    return f"#{pid}"


def money(pence: Any) -> str:
    """£1,234.50 with Western digits in every language, as the ledger and the notices have it."""
    if not isinstance(pence, int) or isinstance(pence, bool):
        raise Missing
    pounds, rest = divmod(pence, 100)
    return f"£{pounds:,}" + (f".{rest:02d}" if rest else "")


def with_reason(sentence: str, p: Mapping[str, Any]) -> str:
    """The sentence, then the reason as its author typed it (never translated)."""
    reason = text(first(p, "reason"))
    if reason is None:
        return sentence
    return gettext("%(sentence)s: “%(reason)s”") % {"sentence": sentence, "reason": reason}


def also(sentence: str, extra: str) -> str:
    """A sentence with a detail after it in brackets."""
    return gettext("%(sentence)s (%(detail)s)") % {"sentence": sentence, "detail": extra}
