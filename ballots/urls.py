from django.urls import path

from ballots import dashboard_views, desk_views, help_desk_views, views

app_name = "ballots"
urlpatterns = [
    path("rounds/<int:round_id>/vote/", views.vote, name="vote"),
    path("rounds/<int:round_id>/vote/total/", views.running_total, name="running_total"),
    path("rounds/<int:round_id>/vote/cast/<str:token>/", views.cast, name="cast"),
    path("rounds/<int:round_id>/paper-ballot/", views.paper_ballot, name="paper_ballot"),
    path("rounds/<int:round_id>/results/", views.results, name="results"),
    path("rounds/<int:round_id>/ballots.pb", views.ballots_pb, name="ballots_pb"),
    path("rounds/<int:round_id>/result.json", views.result_json, name="result_json"),
    path("rounds/<int:round_id>/result.csv", views.result_csv, name="result_csv"),
    path("rounds/<int:round_id>/voting-desk/", desk_views.voting_desk, name="voting_desk"),
    path("rounds/<int:round_id>/help-desk/", help_desk_views.help_desk, name="help_desk"),
    path(
        "rounds/<int:round_id>/help-desk/receipt/",
        help_desk_views.help_desk_receipt,
        name="help_desk_receipt",
    ),
    path("rounds/<int:round_id>/close/", desk_views.close, name="close"),
    path("rounds/<int:round_id>/test-count/", desk_views.test_count, name="test_count"),
    path("rounds/<int:round_id>/codes/", desk_views.issue_codes, name="issue_codes"),
    path("rounds/<int:round_id>/codes/revoke/", desk_views.revoke, name="revoke_code"),
    path("rounds/<int:round_id>/publish/", desk_views.publish, name="publish"),
    path("rounds/<int:round_id>/paper/", desk_views.paper, name="paper"),
    path("rounds/<int:round_id>/paper/grid/", desk_views.paper_grid, name="paper_grid"),
    path("rounds/<int:round_id>/paper/<int:batch_id>/", desk_views.paper_batch, name="paper_batch"),
    path("dashboard/", dashboard_views.city, name="dashboard"),
    path("dashboard.csv", dashboard_views.city_csv, name="dashboard_csv"),
    path("dashboard.xlsx", dashboard_views.city_xlsx, name="dashboard_xlsx"),
    path("receipts/", views.receipt_lookup, name="receipt_lookup"),
    path("receipts/<str:code>", views.receipt, name="receipt"),
    path("receipts/<str:code>/", views.receipt),
]
