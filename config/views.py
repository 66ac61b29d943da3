from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

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


@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_safe
def accessibility(request: HttpRequest) -> HttpResponse:
    """The accessibility statement (linked from the home page and every page's footer)."""
    return render(request, "pages/accessibility.html")


@require_safe
def privacy(request: HttpRequest) -> HttpResponse:
    """The privacy notice: what is stored about residents, for how long and why."""
    return render(request, "pages/privacy.html")
