from __future__ import annotations

import uuid
from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from redis.exceptions import RedisError

from wards import ratelimit

TOO_MANY_SIGN_INS = "Too many failed sign-in attempts. Please wait 15 minutes and try again."


class RateLimitedAuthenticationForm(AuthenticationForm):
    """Refuses further attempts after repeated failures (see ratelimit.sign_in_blocked).

    The refusal reads the same whether or not the account exists.
    """

    def clean(self) -> dict[str, Any]:
        username = str(self.data.get("username") or "")
        client = ratelimit.client_ip(self.request)
        if ratelimit.sign_in_blocked(username, client):
            raise ValidationError(TOO_MANY_SIGN_INS, code="rate_limited")
        try:
            return super().clean()
        except ValidationError:
            # Only a wrong username or password counts; a right password refused for another
            # reason (a non-staff account at /admin/) is no guess.
            if self.user_cache is None:
                ratelimit.sign_in_failed(username, client)
            raise


class RateLimitedAdminAuthenticationForm(RateLimitedAuthenticationForm, AdminAuthenticationForm):
    """The admin's sign-in form with the same limits (config/urls.py installs it)."""


def _too_many(form: Any) -> bool:
    return isinstance(form, AuthenticationForm) and form.has_error(NON_FIELD_ERRORS, "rate_limited")


class RateLimitedLoginView(LoginView):
    form_class = RateLimitedAuthenticationForm
    redirect_authenticated_user = True

    def form_invalid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_invalid(form)
        if _too_many(form):
            response.status_code = 429
        return response


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin sign-in page with the limited form (see config/urls.py); 429 when limited."""
    response = admin.site.login(request)
    context = getattr(response, "context_data", None) or {}
    if _too_many(context.get("form")):
        response.status_code = 429
    return response


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except DatabaseError:
        return False


def _cache_ok() -> bool:
    """A round trip through the shared cache (Redis in production: rate limits and the ballot
    version live there)."""
    key = f"healthz:{uuid.uuid4().hex}"
    try:
        cache.set(key, "1", timeout=10)
        ok = cache.get(key) == "1"
        cache.delete(key)
        return ok
    except (RedisError, OSError):
        return False


@require_safe
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """For the proxy and the monitoring: 200 when the database and the shared cache answer, 503
    naming what failed otherwise. Says nothing else (no versions, no hosts)."""
    checks = {
        "database": "ok" if _database_ok() else "failed",
        "cache": "ok" if _cache_ok() else "failed",
    }
    failed = sorted(name for name, state in checks.items() if state != "ok")
    body: dict[str, object] = {"status": "failed" if failed else "ok", "checks": checks}
    if failed:
        body["failed"] = failed
    return JsonResponse(body, status=503 if failed else 200)


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement (linked from the home page and every page's footer)."""
    return render(request, "pages/accessibility.html")


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice: what is stored about residents, for how long and why."""
    return render(request, "pages/privacy.html")
