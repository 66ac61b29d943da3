"""The voting API: cast a ballot, check a receipt, close, publish, and read a result."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from ballots import services
from ballots.models import Result
from budgets.models import Round
from wards.ratelimit import client_ip


def _round(round_id: int) -> Round:
    round = get_object_or_404(Round.objects.select_related("ward"), pk=round_id)
    if round.private:
        raise Http404("No such round.")
    return round


BallotIn = inline_serializer(
    "BallotIn",
    fields={
        "code": serializers.CharField(required=False, help_text="Omit when signed in."),
        "postcode": serializers.CharField(
            required=False,
            help_text="Signed in but not a registered resident: a postcode in the ward's list.",
        ),
        "projects": serializers.ListField(child=serializers.IntegerField(), required=False),
        "points": serializers.DictField(child=serializers.IntegerField(), required=False),
        "ranking": serializers.ListField(child=serializers.IntegerField(), required=False),
        "basis": serializers.ChoiceField(
            ["live", "work", "study"],
            help_text="The voter's declaration: they live, work or study in the area (one the "
            "round allows). Recorded as given.",
        ),
        "age_confirmed": serializers.BooleanField(
            help_text="The voter declares they are at least the round's minimum age."
        ),
    },
)
ReceiptOut = inline_serializer("ReceiptOut", fields={"receipt": serializers.CharField()})
Reason = inline_serializer("Reason", fields={"reason": serializers.CharField()})


@extend_schema(
    request=BallotIn,
    responses={
        201: ReceiptOut,
        200: OpenApiResponse(ReceiptOut, description="Replaced your earlier ballot."),
        400: Reason,
        403: Reason,
        404: Reason,
        429: OpenApiResponse(Reason, description="Too many wrong voting codes from here."),
    },
    summary="Cast or replace a ballot",
    description="Send an `Idempotency-Key` header (any unique text up to 200 characters) to make "
    "retries safe: the same key in the same round casts once and answers with the first "
    "ballot's receipt.",
)
@api_view(["POST"])
@permission_classes([AllowAny])
def cast(request: Request, round_id: int) -> Response:
    round = _round(round_id)
    data = request.data if isinstance(request.data, dict) else {}
    code = data.get("code")
    if code is not None and not isinstance(code, str):
        raise ValidationError("`code` must be text.")
    if code is None and not request.user.is_authenticated:
        return Response(
            {"reason": "Give the voting code from your letter, or sign in."},
            status=status.HTTP_403_FORBIDDEN,
        )
    postcode = data.get("postcode")
    if postcode is not None and not isinstance(postcode, str):
        raise ValidationError("`postcode` must be text.")
    basis = data.get("basis", "")
    age_confirmed = data.get("age_confirmed", False)
    if not isinstance(basis, str) or not isinstance(age_confirmed, bool):
        raise ValidationError("`basis` must be text and `age_confirmed` true or false.")
    selection = services.parse_selection(round, data)
    how: dict[str, Any] = {
        "declaration": services.Declaration(basis=basis, age_confirmed=age_confirmed),
        "code": code,
        "user": request.user,
        "client": client_ip(request),
        "postcode": postcode,
    }
    key = request.headers.get("Idempotency-Key")
    if key is not None:
        result, _ = services.cast_idempotently(round, selection, idempotency_key=key, **how)
    else:
        result = services.cast_ballot(round, selection, **how)
    return Response(
        {"receipt": result.receipt},
        status=status.HTTP_200_OK if result.replaced else status.HTTP_201_CREATED,
    )


@extend_schema(
    responses={
        200: inline_serializer(
            "ReceiptStatus",
            fields={
                "round": serializers.IntegerField(),
                "status": serializers.ChoiceField(services.ReceiptState.values),
                "ballot": serializers.JSONField(required=False),
            },
        ),
        404: Reason,
    },
    summary="Check what happened to a ballot",
)
@api_view(["GET"])
@permission_classes([AllowAny])
def receipt(request: Request, code: str) -> Response:
    found = services.receipt_status(code)
    if found is None:
        return Response({"reason": "No ballot has that receipt."}, status=404)
    body: dict[str, Any] = {"round": found.round.pk, "status": found.status.value}
    if found.selection is not None:
        body["ballot"] = found.selection
    return Response(body)


def _result_body(round: Round, result: Result) -> dict[str, Any]:
    return {
        **result.result_json,
        "round": round.pk,
        "ward": round.ward.slug,
        "title": round.title,
        "phase": round.phase,
        "closed_at": result.closed_at,
        "published_at": result.published_at,
        "turnout": {
            "online": result.online_turnout,
            "paper": result.paper_turnout,
            "total": result.online_turnout + result.paper_turnout,
        },
        "ballots_sha256": result.ballots_sha256,
        "result_sha256": result.result_sha256,
    }


@extend_schema(
    request=None, responses={200: dict, 400: Reason, 403: Reason}, summary="Close voting"
)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def close(request: Request, round_id: int) -> Response:
    round = _round(round_id)
    result = services.close_round(round, by=request.user)
    round.refresh_from_db()
    return Response(_result_body(round, result))


PublishRequested = inline_serializer(
    "PublishRequested",
    fields={
        "status": serializers.ChoiceField(["awaiting_second_approval"]),
        "reason": serializers.CharField(),
    },
)


@extend_schema(
    request=None,
    responses={
        200: dict,
        202: OpenApiResponse(PublishRequested, description="Asked; a second councillor approves."),
        400: Reason,
        403: Reason,
    },
    summary="Publish (two-person)",
)
@api_view(["POST"])
@permission_classes([IsAuthenticated])
def publish(request: Request, round_id: int) -> Response:
    round = _round(round_id)
    result = services.publish_round(round, by=request.user)
    round.refresh_from_db()
    if result.published_at is None:
        return Response(
            {
                "status": "awaiting_second_approval",
                "reason": "Publication requested; a second councillor must approve it.",
            },
            status=status.HTTP_202_ACCEPTED,
        )
    return Response({"status": "published", **_result_body(round, result)})


@extend_schema(responses={200: dict, 404: Reason}, summary="A round's result")
@api_view(["GET"])
@permission_classes([AllowAny])
def result(request: Request, round_id: int) -> Response:
    round = _round(round_id)
    found = Result.objects.filter(round=round).first()
    if found is None or not services.can_see_result(request.user, round):
        return Response({"reason": "This round's result has not been published yet."}, status=404)
    return Response(_result_body(round, found))


@extend_schema(
    responses={
        200: inline_serializer(
            "Turnout",
            fields={
                "online": serializers.IntegerField(),
                "paper": serializers.IntegerField(),
                "total": serializers.IntegerField(),
            },
        )
    },
    summary="Turnout (distinct voters; never vote counts)",
)
@api_view(["GET"])
@permission_classes([AllowAny])
def turnout(request: Request, round_id: int) -> Response:
    return Response(services.turnout(_round(round_id)))
