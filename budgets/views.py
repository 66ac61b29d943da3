"""Pages for rounds and proposals. Thin: parse the request, call one service, render.

Every page works without JavaScript; htmx only swaps the proposal list's results partial when a
filter changes. Refusals from the services become form errors, a message on the next page, or a
403 page with the reason.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from budgets import access as round_access
from budgets import services
from budgets.forms import ProposalFilterForm, ProposalForm, ReviewForm, RoundForm, WithdrawForm
from budgets.models import MAX_PUBLIC_REASON, Phase, Proposal
from budgets.services.pledges import pledge_panel
from wards import access
from wards.access import Action
from wards.languages import written_in

PROPOSALS_PER_PAGE = 20


def _signed_in(request: HttpRequest) -> HttpResponse | None:
    """A redirect to sign in for anonymous visitors, or None."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return None


def _apply_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put a service's refusal on the form: field errors where the form has the field."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            if field == "budget_pence" and "budget" in form.fields:
                field = "budget"  # the form edits the budget in pounds
            for error in errors:
                target = field if field in form.fields else None
                form.add_error(target, error.messages)
    else:
        form.add_error(None, exc.messages)


# --- rounds -------------------------------------------------------------------------------


@require_safe
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    round = round_access.get_round_for(request.user, round_id)
    return render(request, "budgets/round_detail.html", services.round_page(request.user, round))


@require_http_methods(["GET", "HEAD", "POST"])
def round_new(request: HttpRequest, ward_slug: str) -> HttpResponse:
    ward = access.get_ward(ward_slug)
    if response := _signed_in(request):
        return response
    access.require(request.user, Action.MANAGE_ROUND, ward)
    form = RoundForm(request.POST or None, ward=ward)
    if request.method == "POST" and form.is_valid():
        values = form.round_settings()
        try:
            round = services.create_round(
                ward, by=request.user, title=values.pop("title"), **values
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request, gettext("The round is saved as a draft. Only councillors see it.")
            )
            return redirect(round)
    return render(request, "budgets/round_form.html", {"form": form, "ward": ward, "round": None})


@require_http_methods(["GET", "HEAD", "POST"])
def round_edit(request: HttpRequest, round_id: int) -> HttpResponse:
    round = round_access.get_round_for(request.user, round_id)
    if response := _signed_in(request):
        return response
    round = round_access.get_round_to_manage(request.user, round_id)
    if not services.settings_editable(round):
        messages.error(
            request,
            gettext("Voting in this round has ended, so its settings can no longer change."),
        )
        return redirect(round)
    form = RoundForm(request.POST or None, instance=round, ward=round.ward)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_round(
                round,
                by=request.user,
                reason=form.cleaned_data["reason"],
                **form.round_settings(),
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, gettext("The round's settings are saved."))
            return redirect(round)
    return render(
        request, "budgets/round_form.html", {"form": form, "ward": round.ward, "round": round}
    )


@require_POST
def round_phase(request: HttpRequest, round_id: int) -> HttpResponse:
    round = round_access.get_round_for(request.user, round_id)
    if response := _signed_in(request):
        return response
    to = request.POST.get("phase", "")
    reason = request.POST.get("reason", "")
    try:
        services.change_phase(round, to, by=request.user, reason=reason)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            gettext("The round is now in the %(phase)s phase.")
            % {"phase": Phase(to).label.lower()},
        )
    return redirect(round)


CANCEL_ACTIONS = ("cancel", "ask", "withdraw")


@require_http_methods(["GET", "HEAD", "POST"])
def round_cancel(request: HttpRequest, round_id: int) -> HttpResponse:
    """Cancelling a round, with a public reason and a confirmation: by one councillor before
    voting opens; after that asked for by one and approved by a second (or withdrawn)."""
    round = round_access.get_round_for(request.user, round_id)
    if response := _signed_in(request):
        return response
    round = round_access.get_round_to_manage(request.user, round_id)
    errors: list[str] = []
    reason = request.POST.get("reason", "") if request.method == "POST" else ""
    if request.method == "POST":
        action = request.POST.get("action", "cancel")
        try:
            if action not in CANCEL_ACTIONS:
                raise ValidationError(
                    gettext("Choose to cancel the round, ask to, or withdraw a request.")
                )
            if action == "ask":
                services.request_cancel(round, by=request.user, reason=reason)
                messages.success(
                    request,
                    gettext(
                        "Cancelling the round is asked for. A second councillor of the ward must "
                        "approve it."
                    ),
                )
                return redirect(round)
            if action == "withdraw":
                services.withdraw_cancel_request(round, by=request.user)
                messages.success(request, gettext("Your request to cancel the round is withdrawn."))
                return redirect(round)
            if not request.POST.get("confirm"):
                raise ValidationError(
                    gettext("Tick the box to confirm that the round should be cancelled.")
                )
            services.cancel_round(round, by=request.user, reason=reason)
        except ValidationError as exc:
            errors.extend(exc.messages)
        else:
            messages.success(request, gettext("The round is cancelled."))
            return redirect(round)
    options = services.cancel_options(request.user, round)
    return render(
        request,
        "budgets/round_cancel.html",
        {
            "round": round,
            "options": options,
            "turnout": services.turnout(round) if options.needs_second else None,
            "errors": errors,
            "reason": reason,
            "max_reason": MAX_PUBLIC_REASON,
        },
        status=400 if errors else 200,
    )


# --- proposals ----------------------------------------------------------------------------


@require_safe
def proposal_list(request: HttpRequest, round_id: int) -> HttpResponse:
    round = round_access.get_round_for(request.user, round_id)
    filters = ProposalFilterForm(request.GET or None, round=round)
    chosen = filters.values()
    proposals = services.list_proposals(
        round, status=chosen["status"], category=chosen["category"], sort=chosen["sort"] or "newest"
    )
    page = Paginator(proposals, PROPOSALS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "round": round,
        "filters": filters,
        "page": page,
        "query": query.urlencode(),
        "can_propose": access.can(request.user, Action.PROPOSE, round.ward)
        and services.proposals_open_now(round),
        "support": services.support_list_state(round, request.user),
        "here": request.get_full_path(),
    }
    template = "budgets/proposal_list.html"
    if getattr(request, "htmx", False):
        template += "#results"
    return render(request, template, context)


@require_http_methods(["GET", "HEAD", "POST"])
def proposal_new(request: HttpRequest, round_id: int) -> HttpResponse:
    round = round_access.get_round_for(request.user, round_id)
    if response := _signed_in(request):
        return response
    access.require(request.user, Action.PROPOSE, round.ward)
    closed_reason = ""
    try:
        services.require_can_propose(request.user, round)
    except ValidationError as exc:
        closed_reason = " ".join(exc.messages)
    form = ProposalForm(request.POST or None, round=round)
    if request.method == "POST" and not closed_reason and form.is_valid():
        try:
            proposal = services.submit_proposal(round, by=request.user, **form.proposal_fields())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                gettext(
                    "Thank you: your proposal is published. You can change or withdraw it until "
                    "proposals close."
                ),
            )
            return redirect(proposal)
    return render(
        request,
        "budgets/proposal_form.html",
        {"form": form, "round": round, "proposal": None, "closed_reason": closed_reason},
    )


@require_safe
def proposal_detail(request: HttpRequest, proposal_id: int) -> HttpResponse:
    # The discussion's pages reuse this module's helpers, so their module is imported here.
    from budgets.views_discussion import discussion_context

    proposal = round_access.get_proposal_for(request.user, proposal_id)
    round = proposal.round
    return render(
        request,
        "budgets/proposal_detail.html",
        {
            "proposal": proposal,
            "round": round,
            "reviews": proposal.reviews.select_related("merged_into"),
            "merged_from": proposal.merged_from.all(),
            "proposal_lang": written_in(proposal.language),
            "can_change": services.can_change_proposal(request.user, proposal),
            "can_review": services.can_review_now(request.user, proposal),
            "pledges": pledge_panel(request.user, proposal),
            "support": services.support_panel(proposal, request.user),
            **discussion_context(request, proposal),
        },
    )


def _proposer_gate(request: HttpRequest, proposal: Proposal) -> HttpResponse | None:
    """Sign-in redirect, 403 for anyone but the proposer, or back to the page if it's too late."""
    if response := _signed_in(request):
        return response
    try:
        services.require_can_change_proposal(request.user, proposal)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(proposal)
    return None


@require_http_methods(["GET", "HEAD", "POST"])
def proposal_edit(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = round_access.get_proposal_for(request.user, proposal_id)
    if response := _proposer_gate(request, proposal):
        return response
    form = ProposalForm(
        request.POST or None, round=proposal.round, initial=ProposalForm.initial_from(proposal)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_proposal(proposal, by=request.user, **form.proposal_fields())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, gettext("Your changes are saved."))
            return redirect(proposal)
    return render(
        request,
        "budgets/proposal_form.html",
        {"form": form, "round": proposal.round, "proposal": proposal, "closed_reason": ""},
    )


@require_http_methods(["GET", "HEAD", "POST"])
def proposal_withdraw(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = round_access.get_proposal_for(request.user, proposal_id)
    if response := _proposer_gate(request, proposal):
        return response
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.withdraw_proposal(
                proposal, by=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, gettext("Your proposal is withdrawn."))
            return redirect(proposal.round)
    return render(request, "budgets/proposal_withdraw.html", {"form": form, "proposal": proposal})


@require_http_methods(["GET", "HEAD", "POST"])
def proposal_review(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = round_access.get_proposal_for(request.user, proposal_id)
    if response := _signed_in(request):
        return response
    proposal = round_access.get_proposal_to_review(request.user, proposal_id)
    try:
        services.require_can_review(request.user, proposal)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(proposal)
    form = ReviewForm(request.POST or None, proposal=proposal)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_review(proposal, by=request.user, **form.review_fields())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, gettext("The decision and its reason are published."))
            return redirect(proposal)
    return render(
        request,
        "budgets/proposal_review.html",
        {"form": form, "proposal": proposal, "last_review": proposal.reviews.last()},
    )
