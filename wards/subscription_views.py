"""Email subscriptions to a ward: the subscribe form, the confirm link and the unsubscribe link.

The rules are in wards.notices; these views parse, call it and render. The subscribe form answers
the same "check your email" page whatever the address (no one learns who is subscribed), and every
submission counts against the client's limit (wards.ratelimit.subscribe_blocked).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from wards import access, notices, outbox, ratelimit

TOO_MANY_FORMS = _("Too many attempts from your connection. Please wait an hour and try again.")


class SubscribeForm(forms.Form):
    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        help_text=_(
            "We email you when a budget round here takes proposals, when voting opens and "
            "closes, and when the result is published. Nothing else. We first send a link to "
            "confirm, and every email has a link to stop them."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_email(self) -> str:
        try:
            return notices.normalise_email(self.cleaned_data["email"])
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None


def _limited(request: HttpRequest) -> bool:
    """Count this submission; True when the client is over its limit (checked first)."""
    client = ratelimit.client_ip(request)
    if ratelimit.subscribe_blocked(client):
        return True
    ratelimit.subscribe_attempted(client)
    return False


@require_http_methods(["GET", "HEAD", "POST"])
def subscribe(request: HttpRequest, slug: str) -> HttpResponse:
    """GET shows the form (the ward page has it too); POST asks for the confirmation email."""
    ward = access.get_ward(slug)
    status = 200
    if request.method == "POST":
        form = SubscribeForm(request.POST)
        if _limited(request):
            form.is_valid()
            form.add_error(None, forms.ValidationError(TOO_MANY_FORMS, code="rate_limited"))
            status = 429
        elif form.is_valid():
            email_id = notices.subscribe(ward, form.cleaned_data["email"])
            if email_id is not None:
                # The visitor is waiting for the link; if sending fails it stays queued and
                # send_ward_emails retries it.
                outbox.send_now(email_id)
            return redirect("wards:subscribe_sent", slug=ward.slug)
        else:
            status = 400
    else:
        form = SubscribeForm()
    return render(request, "wards/subscribe.html", {"ward": ward, "form": form}, status=status)


@require_safe
def subscribe_sent(request: HttpRequest, slug: str) -> HttpResponse:
    ward = access.get_ward(slug)
    context = {"ward": ward, "days": notices.SUBSCRIPTION_LINK_MAX_AGE.days}
    return render(request, "wards/subscribe_sent.html", context)


def _refused(request: HttpRequest, template: str, problem: notices.LinkRefused) -> HttpResponse:
    status = 404 if problem.forged else 400
    return render(request, template, {"problem": str(problem)}, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows which ward and a button (mail scanners that open links confirm nothing);
    POST confirms."""
    template = "wards/subscription_confirm.html"
    try:
        if request.method == "POST":
            ward = notices.confirm(token)
            messages.success(
                request,
                gettext("You are subscribed: we will email you about %(ward)s's budget rounds.")
                % {"ward": ward.name},
            )
            return redirect(ward)
        target = notices.check_confirm_link(token)
    except notices.LinkRefused as problem:
        return _refused(request, template, problem)
    return render(request, template, {"target": target})


# Mail providers that honour List-Unsubscribe-Post (RFC 8058) POST to this address themselves,
# with no cookie and no CSRF token. The signed link is the only credential it takes, so a forged
# cross-site request could do nothing its sender could not do by following the link.
@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks to confirm (link scanners must not unsubscribe anyone); POST unsubscribes at
    once, and answers the same when already unsubscribed."""
    template = "wards/unsubscribe.html"
    try:
        if request.method == "POST":
            ward = notices.unsubscribe(token)
            return render(request, template, {"done": True, "ward": ward})
        target = notices.check_unsubscribe_link(token)
    except notices.LinkRefused as problem:
        return _refused(request, template, problem)
    return render(request, template, {"target": target})
