from django.urls import path

from asndigital.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.search_view, name="search"),
    path("akses-dokumen-saya/", views.my_access_view, name="my_access"),
]
