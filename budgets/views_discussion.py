"""Pages for the discussion on proposals and its moderation. Thin: parse, call one service,
redirect (POST-redirect-GET) or render; plain forms, so everything works without JavaScript.

Refusals: anonymous visitors are sent to sign in (except to report, which anyone may); a person
who may not do this gets a 403 page with the reason; a step that is too late (the discussion
closed, the edit window passed) is a message on the proposal's page; a rate limit is the form
again with the reason and status 429; any other refused new comment or reply (bad input, a
reply_to that takes no replies) is the form again with its errors and status 400. A delete sent
again after the comment has gone brings its author (this browser only) back to the proposal with
a message; anyone else gets the 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods, require_safe

from budgets import access as round_access
from budgets import services
from budgets.forms_discussion import CommentEditForm, CommentForm, ModerationForm, ReportForm
from budgets.models import Comment, Proposal
from budgets.views import _apply_errors, _signed_in
from wards import access
from wards.ratelimit import client_ip

COMMENT_THREADS_PER_PAGE = 50
GET_OR_POST = ["GET", "HEAD", "POST"]


def discussion_context(request: HttpRequest, proposal: Proposal) -> dict[str, Any]:
    """What the proposal page shows of its discussion (the proposal view adds this)."""
    user = request.user
    page = Paginator(services.threads(proposal), COMMENT_THREADS_PER_PAGE).get_page(
        request.GET.get("comments")
    )
    ward = proposal.round.ward
    return {
        "hiding": services.proposal_hiding(proposal),
        "comment_page": page,
        "comments": services.thread_rows(proposal, list(page.object_list), user),
        "comment_total": services.comment_count(proposal),
        "can_comment": services.can_comment(user, proposal),
        "discussion_open": services.discussion_open(proposal.round),
        "comment_form": CommentForm(),
        "can_moderate": services.can_moderate(user, ward),
    }


def _to_comment(comment: Comment) -> HttpResponse:
    return redirect(comment.get_absolute_url())


def _refused(request: HttpRequest, exc: ValidationError, proposal: Proposal) -> HttpResponse:
    messages.error(request, " ".join(exc.messages))
    return redirect(proposal)


@require_http_methods(GET_OR_POST)
def comment_new(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Post a comment (the form on the proposal's page posts here), or a reply (?reply_to=)."""
    proposal = round_access.get_proposal_for(request.user, proposal_id)
    if response := _signed_in(request):
        return response
    access.require(request.user, access.Action.COMMENT, proposal.round.ward)
    try:
        services.require_can_comment(request.user, proposal)
    except ValidationError as exc:
        return _refused(request, exc, proposal)
    wanted = services.comment_id(request.POST.get("reply_to") or request.GET.get("reply_to"))
    reply_to = Comment.objects.filter(pk=wanted, proposal=proposal).first() if wanted else None
    form = CommentForm(
        request.POST if request.method == "POST" else None,
        initial={"reply_to": reply_to.pk if reply_to else None},
    )
    # A POST that gets this far was refused (bad input, or a reply_to that takes no replies).
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            comment = services.post_comment(
                proposal,
                by=request.user,
                body=form.cleaned_data["body"],
                parent=form.cleaned_data.get("reply_to"),
                client=client_ip(request),
            )
        except services.TooManyPosts as exc:
            form.add_error(None, str(exc))
            status = 429
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, gettext("Your comment is posted."))
            return _to_comment(comment)
    return render(
        request,
        "budgets/comment_form.html",
        {"form": form, "proposal": proposal, "reply_to": reply_to, "comment": None},
        status=status,
    )


def _author_gate(request: HttpRequest, comment: Comment, verb: str) -> HttpResponse | None:
    """Sign-in redirect, 403 for anyone but the author, or back to the page if it's too late."""
    if response := _signed_in(request):
        return response
    try:
        if verb == "change":
            services.require_can_edit(request.user, comment)
        else:
            services.require_can_delete(request.user, comment)
    except ValidationError as exc:
        return _refused(request, exc, comment.proposal)
    return None


@require_http_methods(GET_OR_POST)
def comment_edit(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = round_access.get_comment_for(request.user, comment_id)
    if response := _author_gate(request, comment, "change"):
        return response
    form = CommentEditForm(
        request.POST if request.method == "POST" else None, initial={"body": comment.body}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.edit_comment(comment, by=request.user, body=form.cleaned_data["body"])
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, gettext("Your comment is changed."))
            return _to_comment(comment)
    return render(
        request,
        "budgets/comment_form.html",
        {"form": form, "proposal": comment.proposal, "reply_to": None, "comment": comment},
    )


# The comments this browser's signed-in person deleted outright, so the delete sent again (a
# double click, or Back to the confirmation and Delete) lands on the proposal with a message, not
# a 404. In the session, not the database: the row is gone, and nobody else (another browser, a
# neighbour guessing ids) may learn that it existed, so they get the 404 of an id that never was.
DELETED_HERE = "comments_deleted"
DELETED_REMEMBERED = 20


def _remember_deletion(request: HttpRequest, comment_id: int, proposal_id: int) -> None:
    done = dict(request.session.get(DELETED_HERE, {}))
    done[str(comment_id)] = [request.user.pk, proposal_id]
    request.session[DELETED_HERE] = dict(list(done.items())[-DELETED_REMEMBERED:])


def _deleted_here(request: HttpRequest, comment_id: int) -> Proposal | None:
    """The proposal of the comment this person deleted from this browser, if it is gone."""
    entry = request.session.get(DELETED_HERE, {}).get(str(comment_id))
    if not entry or entry[0] != request.user.pk or Comment.objects.filter(pk=comment_id).exists():
        return None
    return round_access.get_proposal_for(request.user, entry[1])


@require_http_methods(GET_OR_POST)
def comment_delete(request: HttpRequest, comment_id: int) -> HttpResponse:
    if request.user.is_authenticated and (proposal := _deleted_here(request, comment_id)):
        messages.info(request, gettext("Your comment was already deleted."))
        return redirect(proposal.get_absolute_url() + "#discussion")
    comment = round_access.get_comment_for(request.user, comment_id)
    if response := _author_gate(request, comment, "delete"):
        return response
    if request.method == "POST":
        try:
            kept = services.delete_comment(comment, by=request.user)
        except ValidationError as exc:
            return _refused(request, exc, comment.proposal)
        if not kept:
            _remember_deletion(request, comment_id, comment.proposal_id)
        messages.success(
            request,
            gettext("Your comment is deleted: its replies stay, under “deleted by its author”.")
            if kept
            else gettext("Your comment is deleted."),
        )
        return redirect(comment.proposal.get_absolute_url() + "#discussion")
    return render(request, "budgets/comment_delete.html", {"comment": comment})


def _report_page(request: HttpRequest, proposal: Proposal, comment: Comment | None) -> HttpResponse:
    form = ReportForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        values = {
            "by": request.user,
            "reason": form.cleaned_data["reason"],
            "detail": form.cleaned_data["detail"],
            "client": client_ip(request),
        }
        try:
            if comment is not None:
                services.report_comment(comment, **values)
            else:
                services.report_proposal(proposal, **values)
        except services.TooManyPosts as exc:
            form.add_error(None, str(exc))
            status = 429
        except ValidationError as exc:
            return _refused(request, exc, proposal)
        else:
            messages.success(
                request,
                gettext("Thank you: the ward's councillors will look at what you reported."),
            )
            return redirect(comment.get_absolute_url() if comment else proposal.get_absolute_url())
    context = {"form": form, "proposal": proposal, "comment": comment}
    return render(request, "budgets/report_form.html", context, status=status)


@require_http_methods(GET_OR_POST)
def comment_report(request: HttpRequest, comment_id: int) -> HttpResponse:
    """Report a comment: open to everyone who can see it, signed in or not."""
    comment = round_access.get_comment_for(request.user, comment_id)
    if comment.is_deleted or comment.is_hidden:
        messages.error(
            request, gettext("That comment is no longer shown, so there is nothing to report.")
        )
        return redirect(comment.proposal)
    return _report_page(request, comment.proposal, comment)


@require_http_methods(GET_OR_POST)
def proposal_report(request: HttpRequest, proposal_id: int) -> HttpResponse:
    """Report a proposal's text: open to everyone who can see it, signed in or not."""
    proposal = round_access.get_proposal_for(request.user, proposal_id)
    if services.proposal_hiding(proposal) is not None:
        messages.error(
            request, gettext("The ward's councillors have already hidden this proposal's text.")
        )
        return redirect(proposal)
    return _report_page(request, proposal, None)


# --- moderation ----------------------------------------------------------------------------


@require_safe
def moderation_queue(request: HttpRequest, ward_slug: str) -> HttpResponse:
    ward = access.get_ward(ward_slug)
    if response := _signed_in(request):
        return response
    services.require_can_moderate(request.user, ward)
    return render(
        request,
        "budgets/moderation_queue.html",
        {"ward": ward, "items": services.moderation_queue(ward)},
    )


def _moderate_page(
    request: HttpRequest, proposal: Proposal, comment: Comment | None
) -> HttpResponse:
    if response := _signed_in(request):
        return response
    ward = proposal.round.ward
    services.require_can_moderate(request.user, ward)
    hidden = comment.is_hidden if comment else services.proposal_hiding(proposal) is not None
    if hidden or (comment is not None and comment.is_deleted):
        messages.error(request, "That is no longer shown, so there is nothing to decide.")
        return redirect("budgets:moderation", ward_slug=ward.slug)
    form = ModerationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            done = services.moderate(
                proposal,
                comment=comment,
                by=request.user,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect("budgets:moderation", ward_slug=ward.slug)
    return render(
        request,
        "budgets/moderate.html",
        {
            "form": form,
            "ward": ward,
            "proposal": proposal,
            "comment": comment,
            "item": services.queue_item(proposal, comment),
        },
    )


@require_http_methods(GET_OR_POST)
def comment_moderate(request: HttpRequest, comment_id: int) -> HttpResponse:
    comment = round_access.get_comment_for(request.user, comment_id)
    return _moderate_page(request, comment.proposal, comment)


@require_http_methods(GET_OR_POST)
def proposal_moderate(request: HttpRequest, proposal_id: int) -> HttpResponse:
    proposal = round_access.get_proposal_for(request.user, proposal_id)
    return _moderate_page(request, proposal, None)
