from django.urls import path

from audit import views

app_name = "audit"
urlpatterns = [
    path("audit/", views.city, name="city"),
    path("audit/wards/<slug:slug>/", views.ward, name="ward"),
    path("audit/rounds/<int:round_id>/", views.round_page, name="round"),
    path("audit/ledger.jsonl", views.ledger_download, name="ledger"),
    path("audit/checkpoints.json", views.checkpoints_download, name="checkpoints"),
    path("audit/key", views.public_key, name="key"),
    path("audit/keys", views.public_keys, name="keys"),
    path("rounds/<int:round_id>/ledger.jsonl", views.round_ledger_download, name="round_ledger"),
]
