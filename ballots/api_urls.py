"""API routes of this app, mounted under /api/v1/ by config/urls.py."""

from django.urls import path

from ballots import api

urlpatterns = [
    path("rounds/<int:round_id>/ballots/", api.cast, name="api-cast"),
    path("rounds/<int:round_id>/close/", api.close, name="api-close"),
    path("rounds/<int:round_id>/publish/", api.publish, name="api-publish"),
    path("rounds/<int:round_id>/result/", api.result, name="api-result"),
    path("rounds/<int:round_id>/turnout/", api.turnout, name="api-turnout"),
    path("receipts/<str:code>/", api.receipt, name="api-receipt"),
]
