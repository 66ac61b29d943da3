"""Refuse a request holding a NUL character in its path or query string.

PostgreSQL cannot store a text value holding NUL, nor compare one in a query (psycopg2 refuses
it before sending), so a path token or a query value that reached a lookup as it came was a 500
there (the audit trail's `?kind=`) and a lookup that finds nothing on SQLite. One check at the
door covers every view, and every view written later. Form fields are left to the forms and
services, which clean NUL out of free text (wards.text) or refuse it with a message on the form;
uploaded files are bytes and may hold NUL bytes.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse

REFUSED = "This address holds a NUL character, which no page or field can take."


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.GET.lists()
        if "\x00" in request.path or any(
            "\x00" in key or any("\x00" in v for v in values) for key, values in query
        ):
            if request.path.startswith("/api/"):
                return JsonResponse({"reason": REFUSED}, status=400)
            return HttpResponseBadRequest(REFUSED, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
