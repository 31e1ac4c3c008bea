from django.urls import path

from asndigital.documents import worklist_views as views

app_name = "worklists"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("metadata/", views.metadata_view, name="metadata"),
    path("ditolak/", views.rejected_view, name="rejected"),
    path("kekurangan-berkas/", views.missing_view, name="missing"),
]
