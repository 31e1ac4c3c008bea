from django.urls import path

from asndigital.records import views

app_name = "records"
urlpatterns = [
    path("jadwal-retensi/", views.schedules_view, name="schedules"),
    path("pegawai/<uuid:pk>/tahan/", views.place_hold_view, name="place_hold"),
    path("tahan/<int:hold_id>/cabut/", views.lift_hold_view, name="lift_hold"),
]
