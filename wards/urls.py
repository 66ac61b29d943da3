from django.urls import path

from wards import subscription_views, views

app_name = "wards"
urlpatterns = [
    path(
        "subscriptions/confirm/<str:token>/",
        subscription_views.confirm,
        name="subscription_confirm",
    ),
    path(
        "subscriptions/unsubscribe/<str:token>/",
        subscription_views.unsubscribe,
        name="unsubscribe",
    ),
    path("<slug:slug>/", views.ward_detail, name="detail"),
    path("<slug:slug>/subscribe/", subscription_views.subscribe, name="subscribe"),
    path("<slug:slug>/subscribe/sent/", subscription_views.subscribe_sent, name="subscribe_sent"),
    path("<slug:slug>/team/", views.team, name="team"),
    path("<slug:slug>/team/add/", views.team_add, name="team_add"),
    path("<slug:slug>/team/<str:username>/remove/", views.team_remove, name="team_remove"),
    path("<slug:slug>/postcodes/", views.postcodes, name="postcodes"),
    path("<slug:slug>/neighbourhoods/", views.neighbourhood_add, name="neighbourhood_add"),
]
