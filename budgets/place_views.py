"""A round's polling places and help desk, kept by its councillors: one page to list, add and
remove places and set the help desk, and one to change a place. Thin, as budgets.views: parse,
call one service, render or redirect."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from budgets import access as round_access
from budgets import services
from budgets.models import PollingPlace, Round
from budgets.place_forms import HelpDeskForm, PollingPlaceForm
from budgets.views import _apply_errors, _signed_in


def _round_to_manage(request: HttpRequest, round_id: int) -> Round | HttpResponse:
    """The round for its councillors; a sign-in redirect, 404 (a draft to others) or 403 else;
    back to the round page once voting has ended."""
    round_access.get_round_for(request.user, round_id)
    if response := _signed_in(request):
        return response
    round = round_access.get_round_to_manage(request.user, round_id)
    if not services.places_editable(round):
        messages.error(request, services.places.ENDED)
        return redirect(round)
    return round


def _places_url(round: Round) -> str:
    return reverse("budgets:round_places", kwargs={"round_id": round.pk})


@require_http_methods(["GET", "HEAD", "POST"])
def round_places(request: HttpRequest, round_id: int) -> HttpResponse:
    round = _round_to_manage(request, round_id)
    if isinstance(round, HttpResponse):
        return round
    current = services.voting_places(round)
    action = request.POST.get("action", "")
    add_form = PollingPlaceForm(request.POST if action == "add" else None, prefix="place")
    desk_form = HelpDeskForm(
        request.POST if action == "help_desk" else None,
        prefix="desk",
        initial=HelpDeskForm.initial_from(current.help_desk),
    )
    errors: list[str] = []
    if request.method == "POST":
        try:
            if action == "add" and add_form.is_valid():
                services.add_polling_place(round, by=request.user, **add_form.cleaned_data)
                messages.success(request, gettext("The polling place is added."))
                return redirect(_places_url(round))
            if action == "help_desk" and desk_form.is_valid():
                services.set_help_desk(round, by=request.user, **desk_form.cleaned_data)
                messages.success(request, gettext("The help desk details are saved."))
                return redirect(_places_url(round))
            if action == "remove":
                place = _place(round, request.POST.get("place", ""))
                services.remove_polling_place(place, by=request.user)
                messages.success(
                    request,
                    gettext("%(place)s is no longer a polling place.") % {"place": place.name},
                )
                return redirect(_places_url(round))
            if action not in ("add", "help_desk"):
                errors.append(
                    gettext("Choose what to do: add a place, remove one or save the help desk.")
                )
        except ValidationError as exc:
            form = add_form if action == "add" else desk_form
            if action in ("add", "help_desk"):
                _apply_errors(form, exc)
            else:
                errors.extend(exc.messages)
    failed = request.method == "POST"
    return render(
        request,
        "budgets/round_places.html",
        {
            "round": round,
            "places": current.polling_places,
            "add_form": add_form,
            "desk_form": desk_form,
            "errors": errors,
        },
        status=400 if failed else 200,
    )


def _place(round: Round, place_id: object) -> PollingPlace:
    try:
        return PollingPlace.objects.get(pk=int(str(place_id)), round=round)
    except (PollingPlace.DoesNotExist, ValueError):
        raise Http404("No such polling place in this round.") from None


@require_http_methods(["GET", "HEAD", "POST"])
def polling_place_edit(request: HttpRequest, round_id: int, place_id: int) -> HttpResponse:
    round = _round_to_manage(request, round_id)
    if isinstance(round, HttpResponse):
        return round
    place = _place(round, place_id)
    form = PollingPlaceForm(request.POST or None, initial=PollingPlaceForm.initial_from(place))
    if request.method == "POST" and form.is_valid():
        try:
            services.change_polling_place(place, by=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, "The polling place is saved.")
            return redirect(_places_url(round))
    return render(
        request,
        "budgets/polling_place_form.html",
        {"round": round, "place": place, "form": form},
        status=400 if request.method == "POST" else 200,
    )
