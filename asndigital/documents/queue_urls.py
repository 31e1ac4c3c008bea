from django.urls import path

from asndigital.documents import queue_views

app_name = "queue"
urlpatterns = [
    path("", queue_views.list_view, name="list"),
    path("berikutnya/", queue_views.next_view, name="next"),
    path("alasan/", queue_views.reasons_view, name="reasons"),
    path("alasan/<int:pk>/hapus/", queue_views.remove_reason_view, name="remove_reason"),
    path("<uuid:pk>/", queue_views.item_view, name="item"),
    path("<uuid:pk>/klaim/", queue_views.renew_view, name="renew"),
    path("<uuid:pk>/terima/", queue_views.decide_view, {"decision": "accept"}, name="accept"),
    path("<uuid:pk>/tolak/", queue_views.decide_view, {"decision": "reject"}, name="reject"),
]
