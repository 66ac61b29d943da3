"""API-wide error handling: every refusal is JSON with a human-readable reason."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
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


def _flatten(errors: dict[str, Any]) -> str:
    return "; ".join(
        f"{field}: {' '.join(str(m) for m in msgs) if isinstance(msgs, list) else msgs}"
        for field, msgs in errors.items()
    )
