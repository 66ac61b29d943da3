"""Refuse a request holding a NUL character in its path, query string or form fields.

PostgreSQL cannot store a text value holding NUL, nor compare one in a query (psycopg2 refuses
it before sending), so any raw value that reached the database as it came was a 500 there and
a lookup that finds nothing on SQLite. Django's form and DRF fields already refuse NUL, but views
read some values straight from the request (a username, a postcode, a token in the path); one
check at the door covers them all, and every view written later. Uploaded files are bytes and
are not looked at: a photo or a CSV may hold NUL bytes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest

REFUSED = "This request holds a NUL character, which no field can take. Nothing was saved."


def _holds_nul(pairs: Iterable[tuple[str, list[str]]]) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in pairs)


class RefuseNulMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            "\x00" in request.path
            or _holds_nul(request.GET.lists())
            or (request.method == "POST" and _holds_nul(request.POST.lists()))
        ):
            return HttpResponseBadRequest(REFUSED, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
