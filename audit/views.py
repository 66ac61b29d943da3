"""Public audit pages and downloads: no sign-in, nothing here changes anything.

Downloads are streamed from a database cursor, so a city-wide ledger never sits in memory.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from django.core.paginator import Paginator
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseNotFound,
    JsonResponse,
    StreamingHttpResponse,
)
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from audit import hooks, kinds
from audit.canonical import KEYS_FORMAT, ledger_line, subset_header
from audit.describe import KIND_LABELS, describe, when
from audit.models import Checkpoint, Event, EventQuerySet

EVENTS_PER_PAGE = 50
STREAM_CHUNK = 64 * 1024
LEDGER_CONTENT_TYPE = "application/jsonl; charset=us-ascii"


# --- Pages ------------------------------------------------------------------------------------


@require_safe
def city(request: HttpRequest) -> HttpResponse:
    return _events_page(
        request,
        Event.objects.all(),
        title=_("Audit trail"),
        intro=_("Everything every ward's budget rounds have recorded, newest first."),
        context={"scope": "city"},
    )


@require_safe
def ward(request: HttpRequest, slug: str) -> HttpResponse:
    # Every app records events, so audit imports none of them: the wards app registers how to
    # name a ward (audit/hooks.py).
    name = hooks.ward_name(slug)
    if name is None:
        raise Http404("There is no ward with that name.")
    return _events_page(
        request,
        Event.objects.for_ward(slug),
        title=_("Audit trail for %(name)s") % {"name": name},
        intro=_("Everything recorded about budget rounds in %(name)s, newest first.")
        % {"name": name},
        context={"scope": "ward", "ward_name": name},
    )


@require_safe
def round_page(request: HttpRequest, round_id: int) -> HttpResponse:
    events = Event.objects.for_round(round_id)
    created = events.of_kind(kinds.ROUND_CREATED).only("payload").first()
    if created is None and not events.exists():
        raise Http404("Nothing is recorded for that budget round.")
    title = created.payload.get("title") if created and isinstance(created.payload, dict) else None
    closed = Event.objects.round_is_closed(round_id)
    if isinstance(title, str) and title:
        page_title = _("Audit trail for “%(title)s”") % {"title": title}
        intro = _("Everything recorded about “%(title)s”, newest first.") % {"title": title}
    else:
        page_title = _("Audit trail for round %(id)s") % {"id": round_id}
        intro = _("Everything recorded about round %(id)s, newest first.") % {"id": round_id}
    return _events_page(
        request,
        events,
        title=page_title,
        intro=intro,
        context={"scope": "round", "round_id": round_id, "closed": closed},
    )


def _events_page(
    request: HttpRequest,
    events: EventQuerySet,
    *,
    title: str,
    intro: str,
    context: dict[str, Any],
) -> HttpResponse:
    kind = request.GET.get("kind", "").strip()[:60]
    if kind:
        events = events.of_kind(kind)
    paginator = Paginator(
        events.order_by("-seq").only(
            "seq", "kind", "ward", "round_id", "actor_role", "actor_id", "at", "payload", "hash"
        ),
        EVENTS_PER_PAGE,
    )
    page = paginator.get_page(request.GET.get("page"))
    rows = [
        {
            "seq": e.seq,
            "when": when(e.at),
            "at": e.at,
            "sentence": describe(e.kind, e.payload, e.actor_role, e.actor_id),
            "kind": e.kind,
            "label": KIND_LABELS.get(e.kind, e.kind),
            "ward": e.ward,
            "round_id": e.round_id,
            "hash": e.hash,
        }
        for e in page.object_list
    ]
    kinds = list(KIND_LABELS.items())
    if kind and kind not in KIND_LABELS:
        kinds.append((kind, kind))
    template = "audit/events.html"
    if getattr(request, "htmx", False):
        template += "#events"
    return render(
        request,
        template,
        {
            "title": title,
            "intro": intro,
            "page": page,
            "rows": rows,
            "kind": kind,
            "kind_label": KIND_LABELS.get(kind, kind),
            "kinds": kinds,
            "query_kind": f"kind={kind}&" if kind else "",
            # The event sentences are English (as the ledger is); other pages say so.
            **context,
        },
    )


# --- Downloads --------------------------------------------------------------------------------


def _chunked(lines: Iterable[bytes]) -> Iterator[bytes]:
    buffer: list[bytes] = []
    size = 0
    for line in lines:
        buffer.append(line)
        size += len(line)
        if size >= STREAM_CHUNK:
            yield b"".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield b"".join(buffer)


def ledger_lines(events: EventQuerySet) -> Iterator[bytes]:
    """The events as ledger lines, in order, read through a server-side cursor."""
    rows = events.order_by("seq").values_list("body", "hash").iterator(chunk_size=2000)
    for body, digest in rows:
        yield ledger_line(body.encode("ascii"), digest)


def _ledger_response(lines: Iterable[bytes], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_chunked(lines), content_type=LEDGER_CONTENT_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def ledger_download(request: HttpRequest) -> StreamingHttpResponse:
    return _ledger_response(ledger_lines(Event.objects.all()), "ledger.jsonl")


@require_safe
def round_ledger_download(request: HttpRequest, round_id: int) -> HttpResponseBase:
    events = Event.objects.for_round(round_id)
    if not events.exists():
        return _plain_404(f"Nothing is recorded for round {round_id}.")
    if not Event.objects.round_is_closed(round_id):
        return _plain_404(
            f"Round {round_id} has not closed yet. Its ledger is published here when it closes; "
            f"until then the whole ledger is at {reverse('audit:ledger')}."
        )

    def lines() -> Iterator[bytes]:
        yield subset_header(round_id)
        yield from ledger_lines(events)

    return _ledger_response(lines(), f"round-{round_id}-ledger.jsonl")


@require_safe
def checkpoints_download(request: HttpRequest) -> JsonResponse:
    from audit import signing

    try:
        current: str | None = signing.current_key_id()
    except signing.SigningKeyMissing:
        current = None
    data = {
        "format": "community-chest-checkpoints-v1",
        "key_id": current,
        "key_url": reverse("audit:key"),
        "checkpoints": [c.as_dict() for c in Checkpoint.objects.order_by("seq", "id")],
    }
    response = JsonResponse(data, json_dumps_params={"indent": 1})
    response["Cache-Control"] = "no-cache"
    return response


@require_safe
def public_key(request: HttpRequest) -> HttpResponse:
    """The public key as PEM (SubjectPublicKeyInfo), the form `openssl pkey -pubin` reads."""
    from audit import signing

    try:
        pem = signing.public_key_pem()
    except signing.SigningKeyMissing as exc:
        return HttpResponse(str(exc), status=503, content_type="text/plain; charset=utf-8")
    response = HttpResponse(pem, content_type="text/plain; charset=us-ascii")
    response["Content-Disposition"] = 'inline; filename="audit-key.pem"'
    response["X-Key-Id"] = signing.current_key_id()
    return response


@require_safe
def public_keys(request: HttpRequest) -> JsonResponse:
    """Every signing key, current and retired, with its validity period: the key set that
    `python -m audit.verify --keys` checks each checkpoint against (the key valid at its time)."""
    from audit import signing

    keys = signing.signing_keys()
    current = next((k["key_id"] for k in keys if k["current"]), None)
    data = {"format": KEYS_FORMAT, "current": current, "keys": keys}
    response = JsonResponse(data, json_dumps_params={"indent": 1})
    response["Cache-Control"] = "no-cache"
    return response


def _plain_404(reason: str) -> HttpResponseNotFound:
    return HttpResponseNotFound(reason + "\n", content_type="text/plain; charset=utf-8")
