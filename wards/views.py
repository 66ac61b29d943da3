"""Pages for wards: the city's list, each ward's page, and its councillors' team and postcode
pages (views parse, call one service in wards.services, render)."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from wards import access, hooks, services
from wards.access import Action
from wards.models import Role, Ward
from wards.subscription_views import SubscribeForm


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    wards = Ward.objects.all()
    total = wards.aggregate(total=Sum("chest_pence"))["total"] or 0
    return render(
        request,
        "wards/home.html",
        {
            "wards": wards,
            "total_pence": total,
            "my_wards": access.wards_with_role(request.user, Role.RESIDENT),
            "councillor_wards": access.wards_with_role(request.user, Role.COUNCILLOR),
            # What residents can take part in now (the budgets app's rounds), first.
            "sections": hooks.home_sections(request.user),
        },
    )


@require_safe
def find_ward(request: HttpRequest) -> HttpResponse:
    """Find your ward by postcode: straight to it when one ward's list holds the postcode."""
    postcode = request.GET.get("postcode", "")
    error, found = "", []
    if postcode.strip():
        try:
            found = services.wards_for_postcode(postcode)
        except ValidationError as exc:
            error = exc.messages[0]
        if len(found) == 1:
            return redirect(found[0])
    elif "postcode" in request.GET:
        error = gettext("Enter your postcode, like B11 1AA.")
    return render(
        request,
        "wards/find.html",
        {"postcode": postcode, "error": error, "found": found, "wards": Ward.objects.all()},
        status=400 if error else 200,
    )


# "You are a resident here.", one whole sentence per role so each language words it its own way.
ROLE_SENTENCES = {
    Role.RESIDENT: gettext_noop("You are a resident here."),
    Role.COUNCILLOR: gettext_noop("You are a councillor here."),
    Role.AUDITOR: gettext_noop("You are an auditor here."),
    Role.CLERK: gettext_noop("You are a clerk here."),
}


def roles_sentence(roles: Iterable[Role]) -> str:
    """The person's roles in a ward, in the page's language ('' for none)."""
    held = set(roles)
    return " ".join(gettext(text) for role, text in ROLE_SENTENCES.items() if role in held)


@require_safe
def ward_detail(request: HttpRequest, slug: str) -> HttpResponse:
    ward = access.get_ward(slug)
    councillors = (
        ward.memberships.filter(role=Role.COUNCILLOR)
        .select_related("user")
        .order_by("user__last_name", "user__first_name")
    )
    return render(
        request,
        "wards/ward_detail.html",
        {
            "ward": ward,
            "neighbourhoods": ward.neighbourhoods.all(),
            "councillors": [m.user for m in councillors],
            "roles_sentence": roles_sentence(access.roles_in(request.user, ward)),
            # Provided by the budgets app through wards.hooks: wards never imports budgets.
            "rounds": hooks.rounds_for(request.user, ward),
            # Sections other apps add (the delivery app's history of past rounds), likewise.
            "sections": hooks.ward_sections(request.user, ward),
            "can_manage": access.can(request.user, Action.MANAGE_ROUND, ward),
            "can_manage_ward": services.may_manage(request.user, ward),
            "subscribe_form": SubscribeForm(),
        },
    )


@login_required
@require_safe
def team(request: HttpRequest, slug: str) -> HttpResponse:
    """Who holds which role in the ward; councillors add and remove clerks here."""
    ward = access.get_ward(slug)
    return render(
        request,
        "wards/team.html",
        {"ward": ward, "team": services.team(ward, viewer=request.user)},
    )


@login_required
@require_POST
def team_add(request: HttpRequest, slug: str) -> HttpResponse:
    ward = access.get_ward(slug)
    username = request.POST.get("username", "")
    try:
        services.grant_role(ward, username, Role.CLERK, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            gettext("%(username)s is now a clerk for %(ward)s.")
            % {"username": username.strip(), "ward": ward.name},
        )
    return redirect("wards:team", slug=ward.slug)


@login_required
@require_http_methods(["GET", "POST"])
def team_remove(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    """GET asks for confirmation; POST removes the clerk."""
    ward = access.get_ward(slug)
    if request.method == "POST":
        try:
            services.revoke_role(ward, username, Role.CLERK, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request,
                gettext("%(username)s is no longer a clerk for %(ward)s.")
                % {"username": username, "ward": ward.name},
            )
        return redirect("wards:team", slug=ward.slug)
    clerk = next(
        (c for c in services.team(ward, viewer=request.user).clerks if c.username == username),
        None,
    )
    if clerk is None:
        raise Http404("No such clerk in this ward.")
    return render(request, "wards/team_remove.html", {"ward": ward, "clerk": clerk})


class PostcodeUploadForm(forms.Form):
    postcodes_csv = forms.FileField(
        label=_("Postcode list (CSV)"),
        help_text=_(
            "A CSV with a column headed 'postcode' (or postcodes in the first column), and "
            "optionally one headed 'neighbourhood' naming the ward's neighbourhood each is in. "
            "Lines starting with # are ignored. Up to 5 MB."
        ),
    )
    replace = forms.BooleanField(
        label=_("Replace the whole list"),
        required=False,
        help_text=_("Remove postcodes that are not in this file. Otherwise the file's are added."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def postcodes(request: HttpRequest, slug: str) -> HttpResponse:
    """The ward's postcode list: how many, in which neighbourhoods; upload a CSV to change it."""
    ward = access.get_ward(slug)
    form = PostcodeUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.upload_postcodes(
                ward,
                form.cleaned_data["postcodes_csv"],
                replace=form.cleaned_data["replace"],
                by=request.user,
            )
        except ValidationError as exc:
            form.add_error("postcodes_csv", exc.messages)
        else:
            messages.success(
                request,
                gettext(
                    "Postcodes for %(ward)s: %(added)s added, %(removed)s removed, "
                    "%(unchanged)s already listed."
                )
                % {
                    "ward": ward.name,
                    "added": result.added,
                    "removed": result.removed,
                    "unchanged": result.unchanged,
                },
            )
            return redirect("wards:postcodes", slug=ward.slug)
    return render(
        request,
        "wards/postcodes.html",
        {
            "ward": ward,
            "form": form,
            "postcodes": services.postcode_list(ward, viewer=request.user),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def neighbourhood_add(request: HttpRequest, slug: str) -> HttpResponse:
    ward = access.get_ward(slug)
    try:
        area = services.add_neighbourhood(ward, request.POST.get("name", ""), by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            gettext("%(area)s is now a neighbourhood of %(ward)s.")
            % {"area": area.name, "ward": ward.name},
        )
    return redirect("wards:postcodes", slug=ward.slug)
