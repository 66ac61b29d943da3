from __future__ import annotations

from typing import Any

from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from config import ratelimit

LOGIN_FAILURE_LIMIT = 5
LOGIN_WINDOW_SECONDS = 15 * 60


class RateLimitedAuthenticationForm(AuthenticationForm):
    """Refuses further attempts after repeated failures from one address or for one account."""

    def clean(self) -> dict[str, Any]:
        username = (self.data.get("username") or "").strip().lower()
        ip = ratelimit.client_ip(self.request)
        subjects = [("login-ip", ip), ("login-user", username)]
        for scope, subject in subjects:
            if ratelimit.is_limited(
                scope, subject, limit=LOGIN_FAILURE_LIMIT, window=LOGIN_WINDOW_SECONDS
            ):
                raise ValidationError(
                    "Too many failed sign-in attempts. Please wait 15 minutes and try again.",
                    code="rate_limited",
                )
        try:
            return super().clean()
        except ValidationError:
            for scope, subject in subjects:
                ratelimit.record_failure(scope, subject, window=LOGIN_WINDOW_SECONDS)
            raise


class RateLimitedLoginView(LoginView):
    form_class = RateLimitedAuthenticationForm
    redirect_authenticated_user = True


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
