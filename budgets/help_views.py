"""Help with voting: how to vote on paper, where the polling places and help desks are."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from budgets.services.happening import voting_help


@require_safe
def help_page(request: HttpRequest) -> HttpResponse:
    return render(request, "budgets/help.html", {"rounds": voting_help()})
