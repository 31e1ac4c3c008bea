from django.urls import path

from asndigital.documents import bulk_views, report_views
from asndigital.documents import views as document_views
from asndigital.personnel import views

app_name = "personnel"
urlpatterns = [
    path("", views.employee_list, name="employee_list"),
    path("laporan-kekurangan-berkas/", report_views.report_view, name="missing_report"),
    path("unggah-massal/", document_views.bulk_view, name="bulk_upload"),
    path("unggah-massal/usulan/<uuid:pk>/", bulk_views.bulk_proposal_view, name="bulk_proposal"),
    path("<uuid:pk>/", views.employee_detail, name="employee_detail"),
    path("<uuid:pk>/email/", views.correct_email, name="correct_email"),
    path("<uuid:pk>/reset-mfa/", views.reset_mfa, name="reset_mfa"),
    path("<uuid:pk>/unggah/", document_views.upload_view, name="upload_document"),
]
