"""Residents' own accounts: sign-up with email confirmation, and password reset.

The rules (which ward a postcode chooses, the confirmation link) live in wards/signup.py; these
views parse, call it and render. Every submitted sign-up or reset form counts against the
client's limit (wards.ratelimit.account_mail_blocked).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import UserCreationForm, UsernameField
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from wards import ratelimit, signup

TOO_MANY_FORMS = _("Too many attempts from your connection. Please wait an hour and try again.")


class SignupForm(UserCreationForm):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_("We send a link to confirm your account to this address."),
    )
    postcode = forms.CharField(
        label=_("Postcode"),
        max_length=10,
        help_text=_(
            "Your home postcode chooses your ward. We keep only your ward, never the postcode."
        ),
    )

    class Meta:
        model = User
        fields = ("username", "email")
        field_classes = {"username": UsernameField}

    def clean_username(self) -> str:
        # Checked in clean(), with the address: an unconfirmed sign-up by the same address
        # does not hold its username against a second try.
        return str(self.cleaned_data.get("username") or "")

    def validate_unique(self) -> None:
        """The username's uniqueness is decided in clean() (see clean_username)."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or self.cleaned_data
        username, email = cleaned.get("username"), cleaned.get("email")
        if username and email and signup.username_taken(username, email):
            self.add_error(
                "username",
                forms.ValidationError(
                    _("A user with that username already exists."), code="unique"
                ),
            )
        return cleaned

    def clean_postcode(self) -> signup.Place:
        try:
            return signup.place_for_postcode(self.cleaned_data["postcode"])
        except signup.SignupError as exc:
            raise forms.ValidationError(str(exc), code="postcode") from None


def _limited(request: HttpRequest) -> bool:
    """Count this submission; True when the client is over its limit (checked first)."""
    client = ratelimit.client_ip(request)
    if ratelimit.account_mail_blocked(client):
        return True
    ratelimit.account_mail_attempted(client)
    return False


@require_http_methods(["GET", "HEAD", "POST"])
def signup_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    status = 200
    if request.method == "POST":
        form = SignupForm(request.POST)
        if _limited(request):
            form.is_valid()
            form.add_error(None, forms.ValidationError(TOO_MANY_FORMS, code="rate_limited"))
            status = 429
        elif form.is_valid():
            try:
                signup.sign_up(
                    username=form.cleaned_data["username"],
                    email=form.cleaned_data["email"],
                    password=form.cleaned_data["password1"],
                    place=form.cleaned_data["postcode"],
                    confirm_url=lambda token: request.build_absolute_uri(
                        reverse("signup-confirm", args=[token])
                    ),
                    reset_url=request.build_absolute_uri(reverse("password_reset")),
                )
            except signup.SignupError as exc:
                form.add_error("username", str(exc))
            else:
                return redirect("signup-sent")
    else:
        form = SignupForm()
    return render(request, "registration/signup.html", {"form": form}, status=status)


@require_safe
def signup_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "registration/signup_sent.html")


@require_http_methods(["GET", "HEAD", "POST"])
def signup_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the link's account and a button (mail scanners that open links activate
    nothing); POST activates it."""
    try:
        if request.method == "POST":
            signup.confirm(token)
            messages.success(request, "Your account is confirmed. You can sign in now.")
            return redirect("login")
        user, place = signup.check_link(token)
    except signup.LinkRefused as exc:
        return render(
            request, "registration/signup_confirm.html", {"problem": str(exc)}, status=400
        )
    context: dict[str, Any] = {"account": user, "ward": place.ward}
    return render(request, "registration/signup_confirm.html", context)


class RateLimitedPasswordResetView(auth_views.PasswordResetView):
    """Django's password reset; each submission counts against the client's limit."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if _limited(request):
            form = self.get_form()
            form.is_valid()
            form.add_error(None, forms.ValidationError(TOO_MANY_FORMS, code="rate_limited"))
            response = self.form_invalid(form)
            response.status_code = 429
            return response
        return super().post(request, *args, **kwargs)
