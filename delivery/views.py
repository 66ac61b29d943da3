"""Delivery pages: a round's funded projects, one project's updates, and the forms the ward's
councillors and clerks report with. Thin: parse, call one service, render.

Public pages answer 404 before the result is published. Forms answer 403 with the reason to
anyone who may not report, 400 with the errors on the page for bad input, 429 when limited.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_safe

from budgets.models import Proposal, Round
from delivery import pages, services
from delivery.forms import MilestoneForm, ReachedForm, UnspentForm, UpdateForm
from wards.access import Action, require
from wards.ratelimit import TooManyActions


def _apply_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """A service's refusal on the form: field errors where the form has the field."""
    aliases = {"spent_pence": "spent", "final_cost_pence": "final_cost", "amount_pence": "amount"}
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            name = aliases.get(field, field)
            for error in errors:
                form.add_error(name if name in form.fields else None, error.messages)
    else:
        form.add_error(None, exc.messages)


def _project_url(round: Round, proposal: Proposal) -> str:
    return reverse("delivery:project", args=[round.pk, proposal.pk])


@require_safe
def overview(request: HttpRequest, round_id: int) -> HttpResponse:
    round = pages.get_published_round(request.user, round_id)
    return render(
        request,
        "delivery/overview.html",
        {
            "round": round,
            "summary": pages.round_delivery(round),
            **pages.delivery_flags(request.user, round),
        },
    )


@require_safe
def project(request: HttpRequest, round_id: int, proposal_id: int) -> HttpResponse:
    round = pages.get_published_round(request.user, round_id)
    proposal = pages.get_funded_project(round, proposal_id)
    return render(
        request,
        "delivery/project.html",
        {
            "round": round,
            "project": pages.project_delivery(round, proposal),
            **pages.delivery_flags(request.user, round),
        },
    )


def _reporter_gate(
    request: HttpRequest, round_id: int, proposal_id: int, action: Action
) -> tuple[Round, Proposal] | HttpResponse:
    round = pages.get_published_round(request.user, round_id)
    proposal = pages.get_funded_project(round, proposal_id)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    require(request.user, action, round.ward)
    return round, proposal


def _form_page(
    request: HttpRequest, template: str, context: dict[str, Any], *, status: int
) -> HttpResponse:
    return render(request, template, context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def post_update(request: HttpRequest, round_id: int, proposal_id: int) -> HttpResponse:
    gate = _reporter_gate(request, round_id, proposal_id, Action.UPDATE_DELIVERY)
    if isinstance(gate, HttpResponse):
        return gate
    round, proposal = gate
    form = UpdateForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.post_update(round, proposal.pk, by=request.user, **form.update_fields())
            except ValidationError as exc:
                _apply_errors(form, exc)
            except TooManyActions as exc:
                form.add_error(None, str(exc))
                status = 429
            else:
                messages.success(request, gettext("Your update is published."))
                return redirect(_project_url(round, proposal))
    return _form_page(
        request,
        "delivery/update_form.html",
        {"round": round, "project": pages.project_delivery(round, proposal), "form": form},
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def milestones(request: HttpRequest, round_id: int, proposal_id: int) -> HttpResponse:
    """Add a milestone, or (with `milestone`) record the day one was reached."""
    gate = _reporter_gate(request, round_id, proposal_id, Action.UPDATE_DELIVERY)
    if isinstance(gate, HttpResponse):
        return gate
    round, proposal = gate
    reaching = request.method == "POST" and "milestone" in request.POST
    form = MilestoneForm(request.POST if request.method == "POST" and not reaching else None)
    reached = ReachedForm(request.POST if reaching else None)
    status = 200
    if request.method == "POST":
        status = 400
        active: forms.Form = reached if reaching else form
        if active.is_valid():
            data = active.cleaned_data
            try:
                services.set_milestone(
                    round,
                    proposal.pk,
                    by=request.user,
                    title=data.get("title"),
                    planned_on=data.get("planned_on"),
                    reached_on=data.get("reached_on"),
                    milestone_id=data.get("milestone"),
                )
            except ValidationError as exc:
                _apply_errors(active, exc)
            except TooManyActions as exc:
                active.add_error(None, str(exc))
                status = 429
            else:
                messages.success(request, gettext("The milestone is recorded."))
                return redirect(_project_url(round, proposal))
    return _form_page(
        request,
        "delivery/milestones.html",
        {
            "round": round,
            "project": pages.project_delivery(round, proposal),
            "form": form,
            "reached_form": reached,
        },
        status=status,
    )


@require_http_methods(["GET", "HEAD", "POST"])
def unspent(request: HttpRequest, round_id: int) -> HttpResponse:
    """The round's councillors record what became of the money the vote left unspent."""
    round = pages.get_published_round(request.user, round_id)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    require(request.user, Action.MANAGE_ROUND, round.ward)
    summary = pages.round_delivery(round)
    assert summary is not None  # get_published_round checked
    current = summary.unspent
    initial: dict[str, Any] = (
        {"decision": current.decision, "amount": current.amount_pence, "note": current.note}
        if current
        else {"amount": summary.left_unallocated_pence}
    )
    form = UnspentForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.record_unspent(
                    round,
                    by=request.user,
                    decision=form.cleaned_data["decision"],
                    amount_pence=form.cleaned_data["amount"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, gettext("What became of the unspent money is published."))
                return redirect("delivery:overview", round_id=round.pk)
    return _form_page(
        request,
        "delivery/unspent.html",
        {"round": round, "summary": summary, "form": form},
        status=status,
    )
