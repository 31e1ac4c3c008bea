from django.urls import path

from asndigital.core import views

app_name = "core"
urlpatterns = [
    path("", views.landing, name="landing"),
    path("beranda/", views.home, name="home"),
    path("status/", views.status, name="status"),
]
