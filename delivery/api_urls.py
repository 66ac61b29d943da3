"""API routes of this app, mounted under /api/v1/ by config/urls.py."""

from django.urls import path

from delivery import api

urlpatterns = [
    path("rounds/<int:round_id>/delivery/", api.round_delivery, name="api-delivery"),
]
