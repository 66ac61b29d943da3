"""API-wide error handling: every refusal is JSON with a human-readable reason."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework import status
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
    if response is not None and isinstance(response.data, dict) and "reason" not in response.data:
        detail = response.data.get("detail")
        if detail is not None:
            response.data = {"reason": str(detail), **response.data}
        else:
            flat = "; ".join(
                f"{field}: {' '.join(str(m) for m in msgs) if isinstance(msgs, list) else msgs}"
                for field, msgs in response.data.items()
            )
            response.data = {"reason": flat, "errors": response.data}
    return response


class ApiDocsView(SpectacularSwaggerSplitView):
    """The Swagger UI page at /api/v1/docs/, for GET (and HEAD) only.

    drf-spectacular's view names its template only inside get(), so DRF's OPTIONS answer (the
    endpoint's description, rendered by the same HTML renderer) found no template and was a 500
    for anyone; a page has nothing to describe, so OPTIONS is a 405 like any other method.
    """

    http_method_names = ["get", "head"]
