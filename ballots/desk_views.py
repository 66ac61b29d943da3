"""The councillors' voting desk: turnout, issuing and revoking codes, closing, publishing, and
paper batches.

Views parse input, call one service, and render; permission checks go through wards.access.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ballots import services
from ballots.forms import IssueCodesForm, PaperBatchForm
from ballots.models import PaperBatch, Result
from ballots.paper_grid import DEFAULT_GRID_ROWS, GridSizeForm, PaperGridForm
from ballots.test_count import last_test_count, run_test_count, test_count_runs
from ballots.views import round_or_404
from budgets.models import Round
from wards.access import Action, require


@login_required
@require_safe
def voting_desk(request: HttpRequest, round_id: int) -> HttpResponse:
    """The councillors' voting desk: turnout (never counts before closing), close, publish."""
    round = round_or_404(round_id)
    require(request.user, Action.MANAGE_ROUND, round.ward)
    result = Result.objects.filter(round=round).first()
    return render(
        request,
        "ballots/voting_desk.html",
        {
            "round": round,
            "turnout": services.turnout(round),
            "assisted": services.assisted_count(round),
            "result": result,
            "batches": round.paper_batches.all(),
            "desk": services.desk_actions(request.user, round, result),
            "test_count": last_test_count(round),
            "can_run_test_count": test_count_runs(round),
        },
    )


@login_required
@require_POST
def test_count(request: HttpRequest, round_id: int) -> HttpResponse:
    """Run the test count: a deck with a known outcome, counted and rolled back."""
    round = round_or_404(round_id)
    try:
        outcome = run_test_count(round, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if outcome.passed:
            messages.success(request, gettext("Test count passed: the deck was counted right."))
        else:
            messages.error(
                request, gettext("Test count failed: %(reason)s") % {"reason": outcome.reason}
            )
    return redirect("ballots:voting_desk", round_id=round.pk)


@login_required
@require_POST
def revoke(request: HttpRequest, round_id: int) -> HttpResponse:
    round = round_or_404(round_id)
    try:
        services.revoke_code(
            round,
            request.POST.get("code", ""),
            by=request.user,
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, gettext("The code is revoked; it can no longer vote."))
    return redirect("ballots:voting_desk", round_id=round.pk)


@login_required
@require_http_methods(["GET", "POST"])
def close(request: HttpRequest, round_id: int) -> HttpResponse:
    """Closing voting, confirmed first; before its end date, asked for with a public reason by
    one councillor and approved by a second."""
    round = round_or_404(round_id)
    require(request.user, Action.MANAGE_ROUND, round.ward)
    errors: list[str] = []
    if request.method == "POST":
        try:
            if request.POST.get("action") == "ask":
                services.request_early_close(
                    round, by=request.user, reason=request.POST.get("reason", "")
                )
                messages.success(
                    request,
                    gettext("Closing early is asked for. A second councillor must approve it."),
                )
                return redirect("ballots:voting_desk", round_id=round.pk)
            if not request.POST.get("confirm"):
                raise ValidationError(
                    gettext("Tick the box to confirm that voting should close now.")
                )
            services.close_round(round, by=request.user)
        except ValidationError as exc:
            errors.extend(exc.messages)
        else:
            messages.success(
                request, gettext("Voting is closed and the ballots have been counted.")
            )
            return redirect("ballots:results", round_id=round.pk)
    return render(
        request,
        "ballots/close.html",
        {
            "round": round,
            "options": services.close_options(request.user, round),
            "turnout": services.turnout(round),
            "errors": errors,
        },
        status=400 if errors else 200,
    )


@login_required
@require_POST
def publish(request: HttpRequest, round_id: int) -> HttpResponse:
    round = round_or_404(round_id)
    try:
        result = services.publish_round(round, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("ballots:voting_desk", round_id=round.pk)
    if result.published_at is None:
        messages.success(
            request,
            gettext("Publication requested. A second councillor must approve it to publish."),
        )
    else:
        messages.success(request, gettext("The result is published."))
    return redirect("ballots:results", round_id=round.pk)


def _enter_batch(request: HttpRequest, round: Round, data: dict[str, Any]) -> PaperBatch:
    """One person's entry of a batch from either paper form (typed or ticked): the same service
    call with the same data, so both are held to the same double-keying."""
    batch = services.enter_paper_batch(
        round,
        polling_place=data["polling_place"],
        by=request.user,
        account=services.PaperAccount(data["issued"], data["spoilt"], data["unused"], data["cast"]),
        ballots=data["ballots"],
    )
    messages.success(
        request,
        gettext("Entry saved: %(status)s.") % {"status": batch.get_status_display().lower()},
    )
    return batch


@login_required
@require_http_methods(["GET", "POST"])
def paper(request: HttpRequest, round_id: int) -> HttpResponse:
    round = round_or_404(round_id)
    require(request.user, Action.ENTER_PAPER, round.ward)
    form = PaperBatchForm(request.POST or None, round=round)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            batch = _enter_batch(request, round, form.cleaned_data)
        except ValidationError as exc:
            errors.extend(exc.messages)
        else:
            return redirect("ballots:paper_batch", round_id=round.pk, batch_id=batch.pk)
    return render(
        request,
        "ballots/paper.html",
        {
            "round": round,
            "form": form,
            "errors": errors,
            "batches": round.paper_batches.prefetch_related("entries"),
            "numbers": services.paper_numbers(round),
        },
        status=400 if (request.method == "POST" and (errors or form.errors)) else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def paper_grid(request: HttpRequest, round_id: int) -> HttpResponse:
    """A paper batch entered on the tick grid: GET ?rows=N lays out N paper ballots, POST enters
    them exactly as the typed form would."""
    round = round_or_404(round_id)
    require(request.user, Action.ENTER_PAPER, round.ward)
    posted = request.method == "POST"
    size = GridSizeForm(
        request.POST if posted else (request.GET if "rows" in request.GET else None), round=round
    )
    form: PaperGridForm | None = None
    errors: list[str] = []
    if not size.is_bound or size.is_valid():
        rows = size.cleaned_data["rows"] if size.is_bound else min(DEFAULT_GRID_ROWS, size.limit)
        form = PaperGridForm(request.POST if posted else None, round=round, rows=rows)
        if posted and form.is_valid():
            try:
                batch = _enter_batch(request, round, form.cleaned_data)
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                return redirect("ballots:paper_batch", round_id=round.pk, batch_id=batch.pk)
    failed = bool(size.errors or errors or (posted and form is not None and form.errors))
    return render(
        request,
        "ballots/paper_grid.html",
        {
            "round": round,
            "size": size,
            "form": form,
            "errors": errors,
            "numbers": services.paper_numbers(round),
        },
        status=400 if failed else 200,
    )


@login_required
@require_safe
def paper_batch(request: HttpRequest, round_id: int, batch_id: int) -> HttpResponse:
    round = round_or_404(round_id)
    require(request.user, Action.ENTER_PAPER, round.ward)
    batch = get_object_or_404(PaperBatch, pk=batch_id, round=round)
    return render(
        request,
        "ballots/paper_batch.html",
        {
            "round": round,
            "batch": batch,
            "differences": services.paper_differences(batch),
            "rejections": batch.rejections.all(),
            "entries": batch.entries.count(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("batch")  # the batch secret: never in an error report
def issue_codes(request: HttpRequest, round_id: int) -> HttpResponse:
    """Issue voting codes: the form, and on POST one ZIP download (codes.csv and letters.html).

    The same form sent twice (a double click) answers the same ZIP and issues nothing more."""
    round = round_or_404(round_id)
    require(request.user, Action.MANAGE_ROUND, round.ward)
    form = IssueCodesForm(request.POST or None, round=round)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            archive = services.issue_code_letters(
                round,
                data["count"],
                by=request.user,
                base_url=settings.PUBLIC_BASE_URL,
                batch_secret=data["batch"],
                polling_place=data["polling_place"],
                language=data["language"],
            )
        except ValidationError as exc:
            errors.extend(exc.messages)
        else:
            response = HttpResponse(archive, content_type="application/zip")
            name = f"voting-codes-round-{round.pk}-{timezone.localdate():%Y-%m-%d}.zip"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            # The codes are in clear in this answer only: no cache may keep a copy.
            response["Cache-Control"] = "no-store"
            return response
    page = render(
        request,
        "ballots/issue_codes.html",
        {"round": round, "form": form, "errors": errors},
        status=400 if (request.method == "POST" and (errors or form.errors)) else 200,
    )
    # The form carries its batch's secret, from which (with the round's key) the codes come.
    page["Cache-Control"] = "no-store"
    return page
