"""Pages for voting, receipts and results (the voting desk's pages are in desk_views.py).

Views parse input, call one service, and render; permission checks go through wards.access.
"""

from __future__ import annotations

import time
from typing import Any

from django.contrib.auth import logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from ballots import charts, hooks, plain_words, services
from ballots.ballot_form import FieldError, ballot_rows, declaration_field, selection_field
from ballots.forms import ReceiptForm
from ballots.models import Result
from budgets.models import BallotType, Phase, Round
from wards.access import Action, can
from wards.ratelimit import client_ip


def round_or_404(round_id: int) -> Round:
    """A round by id for any page of this app (desk_views.py too); a draft is not found."""
    round = get_object_or_404(Round.objects.select_related("ward", "neighbourhood"), pk=round_id)
    if round.private:  # a draft, or a draft cancelled as such
        raise Http404("No such round.")
    return round


def _voting_context(voter: Any, round: Round, *, help_desk: bool) -> dict[str, Any]:
    options = services.voting_options(voter, round)
    return {
        "round": round,
        "help_desk": help_desk,
        "form_url": reverse("ballots:help_desk" if help_desk else "ballots:vote", args=[round.pk]),
        "projects": services.ballot_projects(round),
        "options": options,
        "signed_in_voter": options.as_resident,
        "by_postcode": options.by_postcode,
        "needs_code": options.needs_code,
        "ballot_kind": round.ballot_type,
        "bases": options.basis_choices,
    }


def _selection_from_post(round: Round, request: HttpRequest) -> services.Selection:
    data: dict[str, Any] = {k: v for k, v in request.POST.items()}
    data["projects"] = request.POST.getlist("projects")
    return services.parse_selection(round, data)


def _declaration_from_post(request: HttpRequest) -> services.Declaration:
    return services.Declaration(
        basis=request.POST.get("basis", "").strip(),
        age_confirmed=bool(request.POST.get("age_confirmed")),
    )


@require_http_methods(["GET", "POST"])
def vote(request: HttpRequest, round_id: int) -> HttpResponse:
    """The ballot: choose, review, confirm. Works without JavaScript; htmx adds a running total.

    Confirming carries a one-time token from the review step and answers with a redirect to the
    receipt (POST-redirect-GET): a refresh, back-and-resubmit or double click never casts again.
    """
    return ballot_page(request, round_or_404(round_id), help_desk=False)


def ballot_page(request: HttpRequest, round: Round, *, help_desk: bool) -> HttpResponse:
    """The ballot's steps, for a voter on their own device and at the help desk alike.

    At the help desk (help_desk_views.py, which checks who may run it) the signed-in person is
    the clerk or councillor, not the voter: the ballot is offered as to a visitor with a code,
    the staff member stays signed in, and the receipt is shown once by a page of its own.
    """
    # At the desk the voter is never the signed-in account: they vote with their code.
    voter = None if help_desk else request.user
    context = _voting_context(voter, round, help_desk=help_desk)
    if help_desk and (problem := services.help_desk_problem(round)):
        return render(request, "ballots/help_desk_closed.html", {**context, "problem": problem})
    if problem := services.voting_window_problem(round):
        context["voting_ended"] = problem == services.VOTING_CLOSED
        context["voting_cancelled"] = problem == services.VOTING_CANCELLED
        context["can_see_result"] = services.can_see_result(request.user, round)
        return render(request, "ballots/not_voting.html", context, status=200)
    projects = context["projects"]
    selection: services.Selection = {} if round.ballot_type == BallotType.CUMULATIVE else []
    errors: list[FieldError] = []
    step = request.POST.get("step", "") if request.method == "POST" else ""
    code = request.POST.get("code", "").strip() if request.method == "POST" else ""
    postcode = request.POST.get("postcode", "").strip() if request.method == "POST" else ""
    declaration = _declaration_from_post(request)
    choices_field = selection_field(round, projects)
    checked: services.SelectionCheck | None = None
    if request.method == "GET" and help_desk:
        # A fresh ballot for the next voter: nothing of the last one stays in the session.
        forget_voter(request)
    elif request.method == "GET":
        selection = _saved_selection(request, round) or selection
    if request.method == "POST":
        if step == "confirm":
            done = services.cast_token_used(round, request.POST.get("cast_token", ""))
            if done is not None and help_desk:
                # Shown once: a resubmitted review page never brings a receipt back.
                return redirect("ballots:help_desk_receipt", round_id=round.pk)
            if done is not None:
                return redirect("ballots:cast", round_id=round.pk, token=done)
        parse_problems: list[str] = []
        try:
            selection = _selection_from_post(round, request)
        except ValidationError as exc:
            parse_problems = exc.messages
        if request.POST.get("sign_in") and not help_desk:
            # Keep the choices across the sign-in redirect, so nobody has to choose twice.
            _save_selection(request, round, selection)
            return redirect(f"{reverse('login')}?next={request.path}")
        checked = services.check_selection(round, selection, projects)
        if parse_problems:
            checked = services.SelectionCheck([], 0, 0, parse_problems)
        if step == "check":
            # "Check my total" without JavaScript: the same ballot back, with its total.
            return _render_ballot(
                request, context, round, selection, checked, [], code, postcode, declaration
            )
        errors.extend(FieldError(m, choices_field) for m in checked.problems)
        if context["needs_code"] and not code:
            errors.append(FieldError(gettext("Enter the voting code from your letter."), "code"))
        if context["by_postcode"] and not (code or postcode):
            errors.append(
                FieldError(
                    gettext(
                        "Enter the postcode where you live, work or study in %(area)s, "
                        "or the voting code from your letter."
                    )
                    % {"area": round.area_name},
                    "postcode",
                )
            )
        if code and (problem := services.code_format_problem(code)):
            errors.append(FieldError(problem, "code"))
        try:
            services.check_declaration(round, declaration)
        except ValidationError as exc:
            basis_ok = declaration.basis in {value for value, _ in context["bases"]}
            field = declaration_field(declaration.basis, context["bases"], basis_ok=basis_ok)
            errors.extend(FieldError(m, field) for m in exc.messages)
        if not errors and step == "confirm":
            try:
                token = services.cast_with_token(
                    round,
                    selection,
                    token=request.POST.get("cast_token", ""),
                    declaration=declaration,
                    code=code or None,
                    postcode=postcode or None,
                    user=request.user,
                    client=client_ip(request),
                    projects=projects,
                )
            except (ValidationError, PermissionDenied) as exc:
                field = "code" if (code or context["needs_code"]) else choices_field
                messages = getattr(exc, "messages", None) or [str(exc)]
                errors.extend(FieldError(m, field) for m in messages)
            else:
                _forget_selection(request, round)
                if help_desk:
                    request.session[HELP_DESK_RECEIPT] = {"round": round.pk, "token": token}
                    return redirect("ballots:help_desk_receipt", round_id=round.pk)
                # A shared device must not stay signed in as the voter.
                if request.user.is_authenticated:
                    logout(request)
                return redirect("ballots:cast", round_id=round.pk, token=token)
        if not errors and step == "review":
            return render(
                request,
                "ballots/review.html",
                {
                    **context,
                    "checked": checked,
                    "selection": selection,
                    "code": code,
                    "postcode": postcode,
                    "declaration": declaration,
                    "cast_token": services.new_cast_token(round),
                },
            )
    elif selection:
        checked = services.check_selection(round, selection, projects)
    return _render_ballot(
        request, context, round, selection, checked, errors, code, postcode, declaration
    )


def _render_ballot(
    request: HttpRequest,
    context: dict[str, Any],
    round: Round,
    selection: services.Selection,
    checked: services.SelectionCheck | None,
    errors: list[FieldError],
    code: str,
    postcode: str,
    declaration: services.Declaration,
) -> HttpResponse:
    """The ballot with every box as the voter left it (typed values kept, even unreadable ones)."""
    typed = request.POST if request.method == "POST" else None
    return render(
        request,
        "ballots/vote.html",
        {
            **context,
            "rows": ballot_rows(round, context["projects"], selection=selection, typed=typed),
            "checked": checked,
            "errors": errors,
            "code": code,
            "postcode": postcode,
            "declaration": declaration,
            "min_age": round.min_age,
        },
        status=400 if errors else 200,
    )


@require_safe
def cast(request: HttpRequest, round_id: int, token: str) -> HttpResponse:
    """The answer to a confirmed ballot, reached by redirect: reloading it never casts again."""
    round = round_or_404(round_id)
    done = services.cast_by_token(round, token)
    if done is None:
        return render(request, "ballots/cast_gone.html", {"round": round}, status=404)
    return render(
        request,
        "ballots/receipt_issued.html",
        {"round": round, "receipt": done.receipt, "replaced": done.replaced},
    )


SAVED_SELECTIONS = "ballot_choices"
# Choices kept across the sign-in redirect live only this long, and go once used or cast.
SAVED_SELECTION_SECONDS = 30 * 60


def _save_selection(request: HttpRequest, round: Round, selection: services.Selection) -> None:
    saved = request.session.get(SAVED_SELECTIONS, {})
    saved[str(round.pk)] = {
        "choices": (
            {str(k): v for k, v in selection.items()} if isinstance(selection, dict) else selection
        ),
        "until": int(time.time()) + SAVED_SELECTION_SECONDS,
    }
    request.session[SAVED_SELECTIONS] = saved
    # An abandoned ballot's choices go with the session: it expires with them, and signing in
    # or reading them back restores the usual lifetime.
    request.session.set_expiry(SAVED_SELECTION_SECONDS)


# The receipt waiting to be shown once at the help desk: {"round": id, "token": cast token}.
HELP_DESK_RECEIPT = "help_desk_receipt"
# Everything the ballot pages keep in a session about one voter; the help desk clears them all.
PER_VOTER_SESSION_KEYS = (SAVED_SELECTIONS, HELP_DESK_RECEIPT)


def forget_voter(request: HttpRequest) -> None:
    """Clear every per-voter key from the session (choices kept across a sign-in, a receipt
    waiting to be shown), so the next person at a shared device finds nothing of the last."""
    if any(key in request.session for key in PER_VOTER_SESSION_KEYS):
        for key in PER_VOTER_SESSION_KEYS:
            request.session.pop(key, None)
        request.session.set_expiry(None)


def take_help_desk_receipt(request: HttpRequest, round: Round) -> services.CastResult | None:
    """The receipt waiting at this round's help desk, once: taking it clears the voter's keys."""
    pending = request.session.get(HELP_DESK_RECEIPT)
    forget_voter(request)
    if not isinstance(pending, dict) or pending.get("round") != round.pk:
        return None
    return services.cast_by_token(round, str(pending.get("token", "")))


def _forget_selection(request: HttpRequest, round: Round) -> None:
    saved = request.session.get(SAVED_SELECTIONS)
    if saved is None:
        return
    saved.pop(str(round.pk), None)
    if saved:
        request.session[SAVED_SELECTIONS] = saved
    else:
        del request.session[SAVED_SELECTIONS]
        request.session.set_expiry(None)


def _saved_selection(request: HttpRequest, round: Round) -> services.Selection | None:
    """The choices saved before signing in, once: reading them deletes them."""
    entry = request.session.get(SAVED_SELECTIONS, {}).get(str(round.pk))
    _forget_selection(request, round)
    if not isinstance(entry, dict) or entry.get("until", 0) < time.time():
        return None
    saved = entry.get("choices")
    try:
        return services.parse_selection(
            round,
            {"points": saved} if isinstance(saved, dict) else {"projects": saved, "ranking": saved},
        )
    except ValidationError:
        return None


@require_POST
def running_total(request: HttpRequest, round_id: int) -> HttpResponse:
    """The htmx fragment under the ballot: what the current choices add up to."""
    round = round_or_404(round_id)
    if round.phase != Phase.VOTING:
        return HttpResponse(status=204)
    projects = services.ballot_projects(round)
    try:
        selection = _selection_from_post(round, request)
        checked = services.check_selection(round, selection, projects)
    except ValidationError as exc:
        checked = services.SelectionCheck([], 0, 0, exc.messages)
    return render(
        request,
        "ballots/vote.html#running-total",
        {"round": round, "checked": checked, "projects": projects},
    )


@require_safe
def receipt_lookup(request: HttpRequest) -> HttpResponse:
    form = ReceiptForm(request.GET or None)
    if form.is_valid():
        return redirect("ballots:receipt", code=form.cleaned_data["receipt"])
    return render(request, "ballots/receipt_lookup.html", {"form": form})


@require_safe
def receipt(request: HttpRequest, code: str) -> HttpResponse:
    status = services.receipt_status(code)
    if status is None:
        return render(
            request,
            "ballots/receipt_lookup.html",
            {"form": ReceiptForm(), "not_found": code},
            status=404,
        )
    return render(request, "ballots/receipt.html", {"status": status})


def _comparison(round: Round, result: Result) -> list[dict[str, Any]]:
    titles = {str(pk): title for pk, title in round.proposals.values_list("pk", "title")}
    rows = []
    for row in result.comparison:
        rows.append(
            {
                **row,
                "funded_titles": [titles.get(str(pid), pid) for pid in row.get("selected", [])],
                "rule_name": plain_words.rule_name(str(row.get("rule", ""))),
            }
        )
    return rows


@require_safe
def results(request: HttpRequest, round_id: int) -> HttpResponse:
    round = round_or_404(round_id)
    result = Result.objects.filter(round=round).first()
    if result is None or not services.can_see_result(request.user, round):
        return render(
            request,
            "ballots/results_pending.html",
            {
                "round": round,
                "turnout": services.turnout(round),
                "voting_open": services.voting_open(round),
                "awaiting_publication": services.awaiting_publication(round),
            },
        )
    titles = {str(pk): title for pk, title in round.proposals.values_list("pk", "title")}
    plain = plain_words.plain_result(round, result.result_json, titles)
    return render(
        request,
        "ballots/results.html",
        {
            "round": round,
            "result": result,
            "outcome": result.result_json,
            "plain": plain,
            "funded": [p for p in plain.projects if p.selected],
            "chart": charts.votes_chart(plain_words.plain_rows(plain.projects)),
            "precise_note": plain_words.precise_note(),
            "comparison": _comparison(round, result),
            "turnout": {
                "online": result.online_turnout,
                "paper": result.paper_turnout,
                "total": result.online_turnout + result.paper_turnout,
            },
            "can_manage": can(request.user, Action.MANAGE_ROUND, round.ward),
            # What became of the money, from the delivery app through ballots.hooks.
            "sections": hooks.result_sections(request.user, round),
        },
    )


def _published_result(request: HttpRequest, round_id: int) -> tuple[Round, Result]:
    round = round_or_404(round_id)
    result = Result.objects.filter(round=round).first()
    if result is None or not services.can_see_result(request.user, round):
        raise Http404("This round's result has not been published yet.")
    return round, result


@require_safe
def ballots_pb(request: HttpRequest, round_id: int) -> HttpResponse:
    round, result = _published_result(request, round_id)
    response = HttpResponse(result.ballots_pb, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="round-{round.pk}-ballots.pb"'
    return response


@require_safe
def result_json(request: HttpRequest, round_id: int) -> HttpResponse:
    round, result = _published_result(request, round_id)
    response = HttpResponse(result.result_text, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="round-{round.pk}-result.json"'
    return response


@require_safe
def result_csv(request: HttpRequest, round_id: int) -> HttpResponse:
    round, result = _published_result(request, round_id)
    response = HttpResponse(services.result_csv(result), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="round-{round.pk}-result.csv"'
    return response


@require_safe
def paper_ballot(request: HttpRequest, round_id: int) -> HttpResponse:
    """The printable paper ballot: projects by short number, the rules, a box for the code."""
    round = round_or_404(round_id)
    ballot = services.paper_ballot(request.user, round)
    if ballot is None:
        raise Http404("The paper ballot is published when voting opens.")
    return render(request, "ballots/paper_ballot.html", {"round": round, "ballot": ballot})
