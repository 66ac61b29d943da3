"""Structured logs: one JSON object a line, with no personal data.

What could carry personal data is kept out where it enters:
- a request is logged by its URL pattern (`receipts/<str:code>`), never its path, so no receipt,
  voting code, confirmation token or username in a URL reaches the log; never the query string;
- anything that looks like an email address in a message or a traceback becomes "[email]"
  (an SMTP refusal quotes the recipient).
Voting codes, postcodes and names are never passed to a logger by the app's own code; the test
tests/config/test_logs.py walks voting, sign-up and subscription and finds none of them.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

EMAIL = re.compile(r"[^\s@<>()\[\]\"',;:]+@[^\s@<>()\[\]\"',;:]+")
UNMATCHED = "[no route]"


def scrub(text: str) -> str:
    return EMAIL.sub("[email]", text)


def route_of(request: Any) -> str:
    """The URL pattern that answered `request`, or "[no route]" (a 404 path says nothing)."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        from django.urls import Resolver404, resolve

        try:
            match = resolve(str(getattr(request, "path_info", "")))
        except Resolver404:
            return UNMATCHED
    return "/" + str(match.route)


def _reason(status: Any) -> str:
    try:
        return HTTPStatus(int(status)).phrase
    except (TypeError, ValueError):
        return "Request"


class JsonLinesFormatter(logging.Formatter):
    """A log record as one line of JSON: time, level, logger, message; for a request, its
    method, route and status instead of its path."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
        }
        request = getattr(record, "request", None)
        if request is not None and hasattr(request, "method"):
            # django.request and django.server put the path in the message: replace it.
            entry["message"] = _reason(getattr(record, "status_code", None))
            entry["method"] = str(request.method)
            entry["route"] = route_of(request)
            if hasattr(record, "status_code"):
                entry["status"] = int(record.status_code)
        else:
            entry["message"] = scrub(record.getMessage())
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)
