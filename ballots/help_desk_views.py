"""The help desk: a clerk or councillor, signed in on a shared device, lets voters with a code
vote one after another, each on a fresh ballot.

The ballot's steps are the voting page's own (views.ballot_page): the same review step, one-time
token and POST-redirect-GET. What the desk adds: only the ward's clerks and councillors open it,
every page says "store nothing" to the browser, and the receipt is shown once, then the session
holds nothing of the voter.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ballots.views import ballot_page, round_or_404, take_help_desk_receipt
from wards.access import Action, require


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def help_desk(request: HttpRequest, round_id: int) -> HttpResponse:
    """A fresh ballot for the next voter (GET), and its review and confirmation (POST)."""
    round = round_or_404(round_id)
    require(request.user, Action.ENTER_PAPER, round.ward)
    return ballot_page(request, round, help_desk=True)


@never_cache
@login_required
# GET only: showing the receipt uses it up, which a HEAD request must not do unseen.
@require_GET
def help_desk_receipt(request: HttpRequest, round_id: int) -> HttpResponse:
    """The receipt of the ballot just cast at the desk, shown once; then the next voter."""
    round = round_or_404(round_id)
    require(request.user, Action.ENTER_PAPER, round.ward)
    done = take_help_desk_receipt(request, round)
    if done is None:
        # Reloaded, reached by the back button, or never cast here: a fresh ballot instead.
        return redirect("ballots:help_desk", round_id=round.pk)
    return render(
        request,
        "ballots/help_desk_receipt.html",
        {"round": round, "receipt": done.receipt, "replaced": done.replaced},
    )
