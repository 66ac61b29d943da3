"""Pages of budget rounds and proposals, mounted at the site root by config/urls.py."""

from django.urls import path

from budgets import place_views, pledge_views, views

app_name = "budgets"
urlpatterns = [
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
]
