from django.contrib import admin
from django.urls import include, path

from asndigital.core import views as core_views
from asndigital.sso.urls import provider_patterns

urlpatterns = [
    path("", include("asndigital.core.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("akun/", include("asndigital.accounts.urls")),
    path("pegawai/", include("asndigital.personnel.urls")),
    path("dokumen/", include("asndigital.documents.urls")),
    path("pekerjaan/", include("asndigital.documents.worklist_urls")),
    path("perbaikan/", include("asndigital.personnel.correction_urls")),
    path("api/v1/", include("asndigital.api.urls")),
    path("arsip/", include("asndigital.records.urls")),
    path("dasbor/", include("asndigital.dashboards.urls")),
    path("jejak-audit/", include("asndigital.audit.urls")),
    path("verifikasi/", include("asndigital.documents.verify_urls")),
    path("antrean/", include("asndigital.documents.queue_urls")),
    path("i18n/setlang/", core_views.set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("", include(provider_patterns)),
    path("", include("asndigital.sso.urls")),
]
handler400 = "asndigital.core.views.bad_request"
handler500 = "asndigital.core.views.server_error"
