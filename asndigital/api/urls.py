from functools import wraps

from django.http import HttpResponseNotAllowed
from django.urls import path
from django.utils.translation import gettext as _

from asndigital.api.core import api, error
from asndigital.audit.api import router as audit
from asndigital.documents.api import router as documents
from asndigital.documents.queue_api import router as verification_queue
from asndigital.personnel.api import router as personnel
from asndigital.personnel.correction_api import router as corrections


def json_405(view):
    """django-ninja answers a method that an address does not take with a bare text 405; the
    API answers it in JSON like its other errors, keeping the ``Allow`` header."""

    @wraps(view)
    def answer(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = error(request, 405, "method_not_allowed", _("The request is not valid."))
            response["Allow"] = allowed
        return response

    return answer


# The routers are composed here, in one place: api/core.py (auth, scopes, errors) is what each
# app's api.py imports, so it must not import them back.
api.add_router("/", personnel)
api.add_router("/", documents)
api.add_router("/", verification_queue)
api.add_router("/", audit)
api.add_router("/", corrections)
# Not unpacked into module names: include() would read a module-level `app_name`.
ninja_urls = api.urls
for pattern in ninja_urls[0]:
    pattern.callback = json_405(pattern.callback)
urlpatterns = [path("", ninja_urls)]
