from django.urls import path

from asndigital.documents import verify_views

app_name = "verification"
urlpatterns = [
    path("", verify_views.start_view, name="start"),
    path("<str:code>/", verify_views.check_view, name="check"),
]
