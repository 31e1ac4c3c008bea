from django.urls import path

from asndigital.personnel import correction_views as views

app_name = "corrections"
urlpatterns = [
    path("", views.own_list, name="own_list"),
    path("ajukan/", views.create_view, name="create"),
    path("masuk/", views.agency_list, name="agency_list"),
    path("<uuid:pk>/", views.detail_view, name="detail"),
    path("<uuid:pk>/jawab/", views.answer_view, name="answer"),
    path("<uuid:pk>/lampiran/", views.attachment_view, name="attachment"),
]
