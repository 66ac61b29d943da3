"""Delivery pages, mounted at the site root by config/urls.py."""

from django.urls import path

from delivery import views

app_name = "delivery"
urlpatterns = [
    path("rounds/<int:round_id>/delivery/", views.overview, name="overview"),
    path("rounds/<int:round_id>/delivery/unspent/", views.unspent, name="unspent"),
    path("rounds/<int:round_id>/delivery/<int:proposal_id>/", views.project, name="project"),
    path(
        "rounds/<int:round_id>/delivery/<int:proposal_id>/update/",
        views.post_update,
        name="update",
    ),
    path(
        "rounds/<int:round_id>/delivery/<int:proposal_id>/milestones/",
        views.milestones,
        name="milestones",
    ),
]
