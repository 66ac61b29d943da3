"""Residents support a proposal, or stop supporting it, during a round's support phase.

The proposal page and the proposal list show the buttons (plain POST forms); these views take
their posts, call one service and go back to where the button was. A refusal the resident can
act on (the phase, the limit) is a message on that page; one who may not support here gets 403.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from budgets import access as round_access
from budgets.models import Proposal
from budgets.services import support
from budgets.views import _signed_in


def _back(request: HttpRequest, proposal: Proposal) -> HttpResponse:
    """To the page the button was on (the list or the proposal), never off the site."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(proposal)


@require_POST
def proposal_support(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = round_access.get_proposal_for(request.user, proposal_id)
    if response := _signed_in(request):
        return response
    try:
        added = support.support_proposal(proposal, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            (
                gettext("You support “%(title)s”.")
                if added
                else gettext("You already support “%(title)s”.")
            )
            % {"title": proposal.title},
        )
    return _back(request, proposal)


@require_POST
def proposal_unsupport(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = round_access.get_proposal_for(request.user, proposal_id)
    if response := _signed_in(request):
        return response
    try:
        removed = support.withdraw_support(proposal, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            (
                gettext("You no longer support “%(title)s”.")
                if removed
                else gettext("You did not support “%(title)s”.")
            )
            % {"title": proposal.title},
        )
    return _back(request, proposal)
