from django.urls import path

from wards import views

app_name = "wards"
urlpatterns = [
    path("<slug:slug>/", views.ward_detail, name="detail"),
    path("<slug:slug>/team/", views.team, name="team"),
    path("<slug:slug>/team/add/", views.team_add, name="team_add"),
    path("<slug:slug>/team/<str:username>/remove/", views.team_remove, name="team_remove"),
    path("<slug:slug>/postcodes/", views.postcodes, name="postcodes"),
    path("<slug:slug>/neighbourhoods/", views.neighbourhood_add, name="neighbourhood_add"),
]
