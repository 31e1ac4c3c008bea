from django.urls import path

from asndigital.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.national_view, name="national"),
    path("instansi/<int:agency_id>/", views.agency_view, name="agency"),
]
