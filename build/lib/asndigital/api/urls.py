from django.urls import path

from asndigital.api.core import api, register_routers

register_routers()
urlpatterns = [path("", api.urls)]
