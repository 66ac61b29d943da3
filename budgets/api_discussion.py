"""The discussion in the API under /api/v1/: a proposal's comments, and posting one.

Thin, like budgets/api.py: a serializer parses, one service decides, and refusals are the
services' ValidationError/PermissionDenied (429 for a rate limit), which config.api turns into
JSON with a `reason`. Hidden comments are listed as hidden, with the councillors' reason and no
text; deleted ones that still have replies are listed as deleted, with no author and no text.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from budgets import access as round_access
from budgets import services
from budgets.models_discussion import MAX_COMMENT
from wards.fields import MultiLineCharField
from wards.ratelimit import client_ip


class CommentSerializer(serializers.Serializer[Any]):
    """One comment as everyone sees it (budgets.services.discussion.CommentRow)."""

    id = serializers.IntegerField()
    # Not "parent": every DRF field already has a `parent` (its serializer).
    reply_to = serializers.IntegerField(
        source="parent", allow_null=True, help_text="The comment this replies to, if any."
    )
    author = serializers.CharField(help_text="A display name (a username), never an address.")
    author_role = serializers.CharField(help_text="Resident or Councillor.")
    state = serializers.ChoiceField(choices=["shown", "hidden", "deleted"])
    text = serializers.CharField(allow_null=True, help_text="Null when hidden or deleted.")
    notice = serializers.CharField(
        help_text='Why there is no text: "Hidden by the ward\'s councillors: <reason>" or '
        '"Deleted by its author."; empty when shown.'
    )
    hidden_reason = serializers.CharField(help_text="The councillors' public reason, if hidden.")
    created_at = serializers.DateTimeField()
    edited = serializers.BooleanField()


class ThreadSerializer(CommentSerializer):
    replies = CommentSerializer(many=True)


class CommentCreateSerializer(serializers.Serializer[Any]):
    body = MultiLineCharField(max_length=MAX_COMMENT, help_text="Plain text.")
    reply_to = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="To reply: the id of a top-level comment on the same proposal.",
    )


TooManyPostsOut = inline_serializer("TooManyPosts", fields={"reason": serializers.CharField()})


@extend_schema(tags=["proposals"])
class ProposalComments(generics.GenericAPIView[Any]):
    """A proposal's discussion: top-level comments, oldest first, each with its replies."""

    serializer_class = ThreadSerializer

    @extend_schema(responses={200: ThreadSerializer(many=True)})
    def get(self, request: Request, proposal_id: int) -> Response:
        proposal = round_access.get_proposal_for(request.user, proposal_id)
        page = self.paginate_queryset(services.threads(proposal))
        assert page is not None  # every list in the API is paginated
        rows = services.thread_rows(proposal, list(page), request.user)
        return self.get_paginated_response(ThreadSerializer(rows, many=True).data)

    @extend_schema(
        request=CommentCreateSerializer,
        responses={
            201: ThreadSerializer,
            429: OpenApiResponse(TooManyPostsOut, description="Posting too fast: wait a little."),
        },
    )
    def post(self, request: Request, proposal_id: int) -> Response:
        """Comment, or reply (signed-in residents and councillors of the ward, while the round
        takes proposals, is in review or in voting)."""
        proposal = round_access.get_proposal_for(request.user, proposal_id)
        incoming = CommentCreateSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        comment = services.post_comment(
            proposal,
            by=request.user,
            body=incoming.validated_data["body"],
            parent=incoming.validated_data.get("reply_to"),
            client=client_ip(request),
        )
        rows = services.thread_rows(proposal, [comment], request.user)
        return Response(ThreadSerializer(rows[0]).data, status=status.HTTP_201_CREATED)
