"""Residents' pledges of help to a proposal: make or change one's pledge, withdraw it.

The proposal page shows the pledge form (budgets/_pledges.html); these views take its posts.
Refusals become form errors on the pledge page (400), 403 with the reason, or 429 when limited.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from budgets import access as round_access
from budgets.models import MAX_IN_KIND, MAX_PLEDGE_HOURS
from budgets.services import pledges
from budgets.views import _apply_errors, _signed_in
from wards import access
from wards.access import Action
from wards.fields import SingleLineField
from wards.ratelimit import TooManyActions


class PledgeForm(forms.Form):
    hours = forms.IntegerField(
        label=_("Volunteer hours you can give, in all"),
        required=False,
        min_value=0,
        max_value=MAX_PLEDGE_HOURS,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    in_kind = SingleLineField(
        label=_("Help in kind"),
        help_text=_(
            "For example tools, a van, plants or a room. Shown on the proposal's page, "
            "without your name."
        ),
        required=False,
        max_length=MAX_IN_KIND,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["hours"].help_text = gettext(
            "A whole number from 0 to %(max)s: 4 hours a month for a year is 48."
        ) % {"max": MAX_PLEDGE_HOURS}


@require_http_methods(["GET", "HEAD", "POST"])
def pledge(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = round_access.get_proposal_for(request.user, proposal_id)
    if response := _signed_in(request):
        return response
    access.require(request.user, Action.PLEDGE, proposal.round.ward)
    panel = pledges.pledge_panel(request.user, proposal)
    mine = panel.mine
    initial = {"hours": mine.hours, "in_kind": mine.in_kind} if mine else {}
    form = PledgeForm(request.POST or None, initial=initial)
    status = 400
    if request.method == "POST" and form.is_valid():
        try:
            pledges.make_pledge(
                proposal,
                by=request.user,
                hours=form.cleaned_data["hours"],
                in_kind=form.cleaned_data["in_kind"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        except TooManyActions as exc:
            form.add_error(None, str(exc))
            status = 429
        else:
            messages.success(request, gettext("Thank you: your pledge is recorded."))
            return redirect(proposal)
    return render(
        request,
        "budgets/pledge.html",
        {"proposal": proposal, "form": form, "panel": panel},
        status=status if form.errors else 200,
    )


@require_POST
def pledge_withdraw(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = round_access.get_proposal_for(request.user, proposal_id)
    if response := _signed_in(request):
        return response
    try:
        pledges.withdraw_pledge(proposal, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except TooManyActions as exc:
        return HttpResponse(str(exc), status=429, content_type="text/plain; charset=utf-8")
    else:
        messages.success(request, gettext("Your pledge is withdrawn."))
    return redirect(proposal)
