"""What every page's frame needs to know, decided here rather than in base.html."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The Admin link is offered to those Django's admin will let in: active staff."""
    user = getattr(request, "user", None)
    return {"show_admin_link": bool(user and user.is_active and user.is_staff)}


def ledger_key(request: HttpRequest) -> dict[str, Any]:
    """The current ledger signing key's fingerprint, printed in every page's footer so that a
    copy published elsewhere (a newspaper notice, the council's site) can be compared with it."""
    from audit import signing

    return {"ledger_key_fingerprint": signing.current_fingerprint()}
