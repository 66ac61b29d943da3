"""The budgets API under /api/v1/: rounds, their proposals and reviews.

Thin: each endpoint parses input with a serializer, calls one service and renders the result.
Refusals are the services' ValidationError/PermissionDenied, which config.api turns into 4xx JSON
with a `reason`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from budgets import access as round_access
from budgets import services
from budgets.models import (
    Phase,
    Proposal,
    ProposalQuerySet,
    ProposalStatus,
    Round,
    RoundQuerySet,
)
from budgets.serializers import (
    CancelSerializer,
    PhaseChangeSerializer,
    ProposalCreateSerializer,
    ProposalDetailSerializer,
    ProposalSerializer,
    ReviewRequestSerializer,
    RoundSerializer,
    RoundWriteSerializer,
    SupportStateSerializer,
)
from wards.models import Neighbourhood, Ward


def _round_settings(data: dict[str, Any], ward: Ward) -> dict[str, Any]:
    """Validated API input → service keyword arguments (the neighbourhood slug becomes a row)."""
    data = dict(data)
    data.pop("ward", None)
    data.pop("reason", None)
    if "neighbourhood" in data:
        slug = data["neighbourhood"]
        if slug is None:
            data["neighbourhood"] = None
        else:
            hood = Neighbourhood.objects.filter(ward=ward, slug=slug).first()
            if hood is None:
                raise ValidationError(
                    {"neighbourhood": f"{ward.name} has no neighbourhood {slug!r}."}
                )
            data["neighbourhood"] = hood
    return data


@extend_schema(tags=["rounds"])
class RoundListCreate(generics.ListCreateAPIView[Round]):
    """Budget rounds. Draft rounds are listed only for the councillors who manage them."""

    serializer_class = RoundSerializer

    def get_queryset(self) -> RoundQuerySet:
        qs = services.visible_rounds(self.request.user)
        ward = self.request.query_params.get("ward")
        if ward:
            qs = qs.filter(ward__slug=ward)
        phase = self.request.query_params.get("phase")
        if phase:
            if phase not in Phase.values:
                raise ValidationError(
                    {"phase": "Unknown phase; use one of " + ", ".join(Phase.values) + "."}
                )
            qs = qs.filter(phase=phase)
        return qs.order_by("-created_at", "-id")

    @extend_schema(
        parameters=[
            OpenApiParameter("ward", OpenApiTypes.STR, description="A ward's slug."),
            OpenApiParameter("phase", OpenApiTypes.STR, enum=Phase.values),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=RoundWriteSerializer, responses={201: RoundSerializer})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Create a round in draft (councillors of the ward, or staff)."""
        incoming = RoundWriteSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        if not data.get("ward"):
            raise ValidationError({"ward": "Say which ward the round is for (its slug)."})
        if not data.get("title"):
            raise ValidationError({"title": "Give the round a title."})
        ward = get_object_or_404(Ward, slug=data["ward"])
        settings = _round_settings(data, ward)
        title = settings.pop("title")
        round = services.create_round(ward, by=request.user, title=title, **settings)
        return Response(RoundSerializer(round).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["rounds"])
class RoundDetail(generics.RetrieveAPIView[Round]):
    serializer_class = RoundSerializer

    def get_object(self) -> Round:
        return round_access.get_round_for(self.request.user, self.kwargs["round_id"])

    @extend_schema(request=RoundWriteSerializer, responses={200: RoundSerializer})
    def patch(self, request: Request, round_id: int) -> Response:
        """Change settings; ballot settings are refused once voting has opened."""
        round = self.get_object()
        incoming = RoundWriteSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        if "ward" in data and data["ward"] != round.ward.slug:
            raise ValidationError({"ward": "A round cannot move to another ward."})
        reason = data.get("reason", "")
        round = services.update_round(
            round, by=request.user, reason=reason, **_round_settings(data, round.ward)
        )
        return Response(RoundSerializer(round).data)


@extend_schema(tags=["rounds"], request=PhaseChangeSerializer, responses={200: RoundSerializer})
class RoundPhase(APIView):
    """Move a round one phase forward: draft → proposals → review → voting."""

    def post(self, request: Request, round_id: int) -> Response:
        round = round_access.get_round_for(request.user, round_id)
        incoming = PhaseChangeSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        round = services.change_phase(
            round,
            incoming.validated_data["phase"],
            by=request.user,
            reason=incoming.validated_data.get("reason", ""),
        )
        return Response(RoundSerializer(round).data)


@extend_schema(
    tags=["rounds"],
    request=CancelSerializer,
    responses={200: RoundSerializer, 202: RoundSerializer},
)
class RoundCancel(APIView):
    """Cancel a round with a public reason: one councillor of the ward before voting opens;
    once it has, one asks (`ask`, answered 202) and a second approves (`cancel`), or the one who
    asked withdraws (`withdraw`). The ballots of a cancelled round are never counted."""

    def post(self, request: Request, round_id: int) -> Response:
        round = round_access.get_round_for(request.user, round_id)
        incoming = CancelSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        action = incoming.validated_data["action"]
        reason = incoming.validated_data.get("reason", "")
        if action == "ask":
            services.request_cancel(round, by=request.user, reason=reason)
            round.refresh_from_db()
            return Response(RoundSerializer(round).data, status=status.HTTP_202_ACCEPTED)
        if action == "withdraw":
            services.withdraw_cancel_request(round, by=request.user)
        else:
            services.cancel_round(round, by=request.user, reason=reason)
        round.refresh_from_db()
        return Response(RoundSerializer(round).data)


@extend_schema(tags=["proposals"])
class RoundProposals(generics.ListCreateAPIView[Proposal]):
    """A round's proposals (withdrawn ones only with ?status=withdrawn)."""

    serializer_class = ProposalSerializer

    def get_queryset(self) -> ProposalQuerySet:
        round = round_access.get_round_for(self.request.user, self.kwargs["round_id"])
        params = self.request.query_params
        status_ = params.get("status", "")
        if status_ and status_ not in ProposalStatus.values:
            raise ValidationError(
                {"status": "Unknown status; use one of " + ", ".join(ProposalStatus.values) + "."}
            )
        sort = params.get("sort", "oldest")
        if sort not in services.PROPOSAL_SORTS:
            raise ValidationError(
                {"sort": "Unknown sort; use one of " + ", ".join(services.PROPOSAL_SORTS) + "."}
            )
        return services.list_proposals(
            round, status=status_, category=params.get("category", ""), sort=sort
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("status", OpenApiTypes.STR, enum=ProposalStatus.values),
            OpenApiParameter("category", OpenApiTypes.STR),
            OpenApiParameter("sort", OpenApiTypes.STR, enum=list(services.PROPOSAL_SORTS)),
        ]
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ProposalCreateSerializer, responses={201: ProposalDetailSerializer})
    def post(self, request: Request, round_id: int) -> Response:
        """Propose a project (a signed-in resident of the ward, while proposals are open)."""
        round = round_access.get_round_for(request.user, round_id)
        incoming = ProposalCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        cost = data.pop("cost_pence")
        proposal = services.submit_proposal(
            round, by=request.user, estimated_cost_pence=cost, **data
        )
        return Response(ProposalDetailSerializer(proposal).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["proposals"])
class ProposalDetail(generics.RetrieveAPIView[Proposal]):
    """One proposal with its public review history."""

    serializer_class = ProposalDetailSerializer

    def get_object(self) -> Proposal:
        return round_access.get_proposal_for(self.request.user, self.kwargs["proposal_id"])


@extend_schema(
    tags=["proposals"], request=ReviewRequestSerializer, responses={200: ProposalDetailSerializer}
)
class ProposalReview(APIView):
    """Review a proposal during the review phase (councillors of the ward, or staff).

    decision: feasible | feasible_changed_cost (with new_cost_pence) | not_feasible |
    merged (with merged_into, the id of the proposal it duplicates). The reason is public.
    """

    def post(self, request: Request, proposal_id: int) -> Response:
        proposal = round_access.get_proposal_for(request.user, proposal_id)
        incoming = ReviewRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        services.decide_review(
            proposal,
            by=request.user,
            decision=data["decision"],
            reason=data["reason"],
            new_cost_pence=data.get("new_cost_pence"),
            merged_into=data.get("merged_into"),
        )
        proposal.refresh_from_db()
        return Response(ProposalDetailSerializer(proposal).data)


@extend_schema(tags=["proposals"], request=None, responses={200: SupportStateSerializer})
class ProposalSupport(APIView):
    """Support a proposal (POST) or stop supporting it (DELETE) during the round's support
    phase: signed-in residents of the round's area, at most the round's support_limit each."""

    def _state(self, proposal: Proposal, supported: bool, changed: bool) -> Response:
        round = proposal.round
        used = services.support_counts_for(round, self.request.user)
        return Response(
            SupportStateSerializer(
                {
                    "supported": supported,
                    "changed": changed,
                    "support_count": proposal.supports.count(),
                    "used": used,
                    "limit": round.support_limit or 0,
                }
            ).data
        )

    def post(self, request: Request, proposal_id: int) -> Response:
        proposal = round_access.get_proposal_for(request.user, proposal_id)
        added = services.support_proposal(proposal, by=request.user)
        return self._state(proposal, supported=True, changed=added)

    def delete(self, request: Request, proposal_id: int) -> Response:
        proposal = round_access.get_proposal_for(request.user, proposal_id)
        removed = services.withdraw_support(proposal, by=request.user)
        return self._state(proposal, supported=False, changed=removed)
