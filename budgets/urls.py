"""Pages of budget rounds and proposals, mounted at the site root by config/urls.py."""

from django.urls import path

from budgets import help_views, place_views, pledge_views, support_views, views, views_discussion

app_name = "budgets"
urlpatterns = [
    path("help/", help_views.help_page, name="help"),
    path("rounds/new/<slug:ward_slug>/", views.round_new, name="round_new"),
    path("rounds/<int:round_id>/", views.round_detail, name="round"),
    path("rounds/<int:round_id>/edit/", views.round_edit, name="round_edit"),
    path("rounds/<int:round_id>/phase/", views.round_phase, name="round_phase"),
    path("rounds/<int:round_id>/places/", place_views.round_places, name="round_places"),
    path(
        "rounds/<int:round_id>/places/<int:place_id>/",
        place_views.polling_place_edit,
        name="polling_place_edit",
    ),
    path("rounds/<int:round_id>/cancel/", views.round_cancel, name="round_cancel"),
    path("rounds/<int:round_id>/proposals/", views.proposal_list, name="proposals"),
    path("rounds/<int:round_id>/proposals/new/", views.proposal_new, name="proposal_new"),
    path("proposals/<int:proposal_id>/", views.proposal_detail, name="proposal"),
    path("proposals/<int:proposal_id>/edit/", views.proposal_edit, name="proposal_edit"),
    path(
        "proposals/<int:proposal_id>/withdraw/", views.proposal_withdraw, name="proposal_withdraw"
    ),
    path("proposals/<int:proposal_id>/review/", views.proposal_review, name="proposal_review"),
    path("proposals/<int:proposal_id>/pledge/", pledge_views.pledge, name="pledge"),
    path(
        "proposals/<int:proposal_id>/pledge/withdraw/",
        pledge_views.pledge_withdraw,
        name="pledge_withdraw",
    ),
    path(
        "proposals/<int:proposal_id>/support/",
        support_views.proposal_support,
        name="proposal_support",
    ),
    path(
        "proposals/<int:proposal_id>/unsupport/",
        support_views.proposal_unsupport,
        name="proposal_unsupport",
    ),
    # The discussion on a proposal, and its moderation (budgets/views_discussion.py).
    path(
        "proposals/<int:proposal_id>/comments/new/",
        views_discussion.comment_new,
        name="comment_new",
    ),
    path("comments/<int:comment_id>/edit/", views_discussion.comment_edit, name="comment_edit"),
    path(
        "comments/<int:comment_id>/delete/", views_discussion.comment_delete, name="comment_delete"
    ),
    path(
        "comments/<int:comment_id>/report/", views_discussion.comment_report, name="comment_report"
    ),
    path(
        "proposals/<int:proposal_id>/report/",
        views_discussion.proposal_report,
        name="proposal_report",
    ),
    path(
        "comments/<int:comment_id>/moderate/",
        views_discussion.comment_moderate,
        name="comment_moderate",
    ),
    path(
        "proposals/<int:proposal_id>/moderate/",
        views_discussion.proposal_moderate,
        name="proposal_moderate",
    ),
    path(
        "wards/<slug:ward_slug>/moderation/",
        views_discussion.moderation_queue,
        name="moderation",
    ),
]
