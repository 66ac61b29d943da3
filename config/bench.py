"""A bare one-row-insert endpoint, mounted only when BENCH_ENDPOINTS=1, as the yardstick that
bench/load.py compares ballot submissions with (same server, same database, same run)."""

from __future__ import annotations

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST


@csrf_exempt
@require_POST
def insert_one_row(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO bench_ping (body) VALUES (%s)", [request.body[:200].decode()])
    return HttpResponse(status=201)
