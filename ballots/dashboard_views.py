"""The public city dashboard and its CSV and Excel exports (the rules are in dashboard.py)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ballots import dashboard

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@require_safe
def city(request: HttpRequest) -> HttpResponse:
    board = dashboard.city_dashboard()
    return render(request, "ballots/dashboard.html", {"rows": board.rows, "totals": board.totals})


@require_safe
def city_csv(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        dashboard.dashboard_csv(dashboard.city_dashboard()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="dashboard.csv"'
    return response


@require_safe
def city_xlsx(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(dashboard.dashboard_xlsx(dashboard.city_dashboard()), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="dashboard.xlsx"'
    return response
