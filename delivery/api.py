"""The delivery API: what became of a published round's money, project by project."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response

from delivery import pages

Reason = inline_serializer("DeliveryReason", fields={"reason": serializers.CharField()})

MILESTONE_FIELDS: dict[str, serializers.Field] = {
    "title": serializers.CharField(),
    "planned_on": serializers.DateField(),
    "reached_on": serializers.DateField(allow_null=True),
}
UPDATE_FIELDS: dict[str, serializers.Field] = {
    "posted_at": serializers.DateTimeField(),
    "posted_by_role": serializers.ChoiceField(["councillor", "clerk", "staff"]),
    "text": serializers.CharField(),
    "status": serializers.CharField(allow_null=True, help_text="The status set, if changed."),
    "spent_pence": serializers.IntegerField(allow_null=True),
    "final_cost_pence": serializers.IntegerField(allow_null=True),
    "hours_delivered": serializers.IntegerField(),
    "photo_url": serializers.URLField(allow_null=True),
    "photo_alt": serializers.CharField(allow_null=True),
    "photo_sha256": serializers.CharField(
        allow_null=True, help_text="SHA-256 of the published photo, as the ledger records."
    ),
}
PROJECT_FIELDS: dict[str, serializers.Field] = {
    "proposal": serializers.IntegerField(),
    "title": serializers.CharField(),
    "cost_pence": serializers.IntegerField(help_text="The cost on the ballot."),
    "status": serializers.ChoiceField(["not_started", "in_progress", "delivered", "cancelled"]),
    "cancelled_reason": serializers.CharField(allow_null=True),
    "spent_pence": serializers.IntegerField(),
    "final_cost_pence": serializers.IntegerField(allow_null=True),
    "pledged_hours": serializers.IntegerField(),
    "pledges": serializers.IntegerField(help_text="How many people pledged help."),
    "in_kind": serializers.ListField(child=serializers.CharField()),
    "delivered_hours": serializers.IntegerField(),
    "milestones": inline_serializer("DeliveryMilestone", MILESTONE_FIELDS, many=True),
    "updates": inline_serializer("DeliveryUpdate", UPDATE_FIELDS, many=True),
}
DeliveryOut = inline_serializer(
    "RoundDelivery",
    fields={
        "round": serializers.IntegerField(),
        "ward": serializers.CharField(),
        "title": serializers.CharField(),
        "budget_pence": serializers.IntegerField(),
        "allocated_pence": serializers.IntegerField(),
        "unspent": inline_serializer(
            "UnspentMoney",
            fields={
                "decision": serializers.ChoiceField(["carried_over", "returned"]),
                "decision_label": serializers.CharField(),
                "amount_pence": serializers.IntegerField(),
                "note": serializers.CharField(),
                "recorded_at": serializers.DateTimeField(),
            },
            allow_null=True,
        ),
        "projects": inline_serializer("DeliveryProject", PROJECT_FIELDS, many=True),
    },
)


@extend_schema(
    responses={200: DeliveryOut, 404: Reason},
    summary="What a published round's funded projects delivered",
    description="Every project the published result funded: its status, milestones, money spent "
    "and final cost (pence), updates with photo URLs, and volunteer hours pledged against hours "
    "delivered; and what became of the money left unspent. 404 before publication.",
)
@api_view(["GET"])
@permission_classes([AllowAny])
def round_delivery(request: Request, round_id: int) -> Response:
    try:
        round = pages.get_published_round(request.user, round_id)
    except Http404 as exc:
        return Response({"reason": str(exc) or "No such round."}, status=404)
    summary = pages.round_delivery(round)
    assert summary is not None
    return Response(pages.api_body(summary, request.build_absolute_uri))
