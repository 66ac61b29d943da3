"""API routes of this app, mounted under /api/v1/ by config/urls.py."""

from django.urls import path

from budgets import api, api_discussion

urlpatterns = [
    path("rounds/", api.RoundListCreate.as_view(), name="api-rounds"),
    path("rounds/<int:round_id>/", api.RoundDetail.as_view(), name="api-round"),
    path("rounds/<int:round_id>/phase/", api.RoundPhase.as_view(), name="api-round-phase"),
    path("rounds/<int:round_id>/cancel/", api.RoundCancel.as_view(), name="api-round-cancel"),
    path(
        "rounds/<int:round_id>/proposals/",
        api.RoundProposals.as_view(),
        name="api-round-proposals",
    ),
    path("proposals/<int:proposal_id>/", api.ProposalDetail.as_view(), name="api-proposal"),
    path(
        "proposals/<int:proposal_id>/review/",
        api.ProposalReview.as_view(),
        name="api-proposal-review",
    ),
    path(
        "proposals/<int:proposal_id>/support/",
        api.ProposalSupport.as_view(),
        name="api-proposal-support",
    ),
    path(
        "proposals/<int:proposal_id>/comments/",
        api_discussion.ProposalComments.as_view(),
        name="api-proposal-comments",
    ),
]
