from django.urls import path

from asndigital.records import destruction_views, views

app_name = "records"
urlpatterns = [
    path("jadwal-retensi/", views.schedules_view, name="schedules"),
    path("pegawai/<uuid:pk>/tahan/", views.place_hold_view, name="place_hold"),
    path("pegawai/<uuid:pk>/pindah/", views.transfer_view, name="transfer"),
    path("pegawai/<uuid:pk>/bagit/", views.export_view, name="export"),
    path("tahan/<int:hold_id>/cabut/", views.lift_hold_view, name="lift_hold"),
    path("pemusnahan/", destruction_views.list_view, name="destruction_list"),
    path("pemusnahan/baru/", destruction_views.create_view, name="destruction_create"),
    path("pemusnahan/<int:pk>/", destruction_views.detail_view, name="destruction_detail"),
    path(
        "pemusnahan/<int:pk>/berita-acara/",
        destruction_views.record_view,
        name="destruction_record",
    ),
    path("pemusnahan/<int:pk>/<slug:step>/", destruction_views.step_view, name="destruction_step"),
]
