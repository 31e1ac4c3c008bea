from django.urls import path

from asndigital.documents import search_views, views

app_name = "documents"
urlpatterns = [
    path("cari/", search_views.search_view, name="search"),
    path("<uuid:pk>/", views.detail_view, name="detail"),
    path("<uuid:pk>/terima/", views.decide_view, {"decision": "accept"}, name="accept"),
    path("<uuid:pk>/tolak/", views.decide_view, {"decision": "reject"}, name="reject"),
    path(
        "<uuid:pk>/versi/<uuid:version_id>/lihat/",
        views.file_view,
        {"disposition": "inline"},
        name="view",
    ),
    path(
        "<uuid:pk>/versi/<uuid:version_id>/unduh/",
        views.file_view,
        {"disposition": "attachment"},
        name="download",
    ),
    path(
        "<uuid:pk>/versi/<uuid:version_id>/gambar-kecil/",
        views.thumbnail_view,
        name="thumbnail",
    ),
]
