"""Public pages for wards: the city's list and each ward's page."""

from __future__ import annotations

from django.db.models import Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from wards import access, hooks
from wards.access import Action
from wards.models import Role, Ward


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
        },
    )


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
            "roles": access.roles_in(request.user, ward),
            # Provided by the budgets app through wards.hooks: wards never imports budgets.
            "rounds": hooks.rounds_for(request.user, ward),
            "can_manage": access.can(request.user, Action.MANAGE_ROUND, ward),
        },
    )
