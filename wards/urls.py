from django.urls import path

from wards import views

app_name = "wards"
urlpatterns = [
    path("<slug:slug>/", views.ward_detail, name="detail"),
]
