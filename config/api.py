"""API-wide error handling: every refusal is JSON with a human-readable reason."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import status
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        messages = exc.messages
        body: dict[str, Any] = {"reason": " ".join(messages)}
        if hasattr(exc, "error_dict"):
            body["errors"] = {
                k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()
            }
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoPermissionDenied):
        reason = str(exc) or "You do not have permission to do that."
        # Rate limits subclass PermissionDenied with status_code 429.
        code = getattr(exc, "status_code", status.HTTP_403_FORBIDDEN)
        return Response({"reason": reason}, status=code)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, DRFValidationError):
        # Always field by field: a request field may itself be called "reason" (a review's, a
        # phase change's), and its errors must not stand in for the answer's own reason.
        errors = data if isinstance(data, dict) else {"non_field_errors": data}
        response.data = {"reason": _flatten(errors), "errors": errors}
    elif isinstance(data, dict) and "reason" not in data:
        detail = data.get("detail")
        if detail is not None:
            response.data = {"reason": str(detail), **data}
        else:
            response.data = {"reason": _flatten(data), "errors": data}
    return response


def _flatten(errors: dict[Any, Any]) -> str:
    """Field errors as one sentence: "categories: item 1: This field may not be blank."."""
    return "; ".join(
        f"{f'item {key + 1}' if isinstance(key, int) else key}: {_messages(msgs)}"
        for key, msgs in errors.items()
    )


def _messages(msgs: Any) -> str:
    if isinstance(msgs, dict):  # a list's items or a nested object's fields
        return _flatten(msgs)
    if isinstance(msgs, list):
        return " ".join(text for text in (_messages(m) for m in msgs) if text)
    return str(msgs)


class ApiDocsView(SpectacularSwaggerSplitView):
    """The Swagger UI page at /api/v1/docs/, for GET (and HEAD) only.

    drf-spectacular's view names its template only inside get(), so DRF's OPTIONS answer (the
    endpoint's description, rendered by the same HTML renderer) found no template and was a 500
    for anyone; a page has nothing to describe, so OPTIONS is a 405 like any other method.
    """

    http_method_names = ["get", "head"]
