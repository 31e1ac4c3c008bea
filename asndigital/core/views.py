import sys

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import AnonymousUser
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.defaults import server_error as django_server_error
from django.views.i18n import set_language as django_set_language

from asndigital.accounts import policies
from asndigital.accounts.services import remember_language


def landing(request):
    """What the service is, and the way in."""
    return render(request, "core/landing.html")


@login_required
def home(request):
    """Where a signed-in person starts: staff see the employee list, an ASN their own page."""
    if policies.can_list_employees(request.user):
        return redirect("personnel:employee_list")
    if policies.can_read_audit(request.user):
        return redirect("audit:search")
    everywhere, agencies = policies.dashboard_scope(request.user)
    if everywhere:
        return redirect("dashboards:national")
    if agencies:
        return redirect("dashboards:agency", agency_id=min(agencies))
    employee = getattr(request.user, "employee", None)
    if employee is not None:
        return redirect("personnel:employee_detail", pk=employee.pk)
    return render(request, "core/home.html")


def _database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return False
    return True


@never_cache
@require_GET
def healthz(request):
    """For machines (load balancers, monitoring): 200 when the database answers, 503 when it
    does not. No details that help an attacker."""
    if not _database_answers():
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_GET
def status(request):
    """For people: is the service working, in plain words (the footer's "Status sistem")."""
    working = _database_answers()
    context = {"working": working, "checked_at": timezone.now()}
    if not working:  # the signed-in person lives in the database: shown as anonymous
        context.update(user=AnonymousUser(), messages=())
    return render(request, "core/status.html", context, status=200 if working else 503)


def bad_request(request, exception):
    """A request Django refused to read (a part's headers over 1 KB, more files or fields than
    allowed, a NUL character): say what may have happened, in the person's language; in JSON
    under the API, like its other errors."""
    if request.path.startswith("/api/"):
        message = _(
            "The request could not be read: a file name may be too long, too many files or "
            "fields may have been sent at once, or it contains an invisible control character."
        )
        return JsonResponse({"code": "bad_request", "message": message}, status=400)
    context = {"max_files": settings.DATA_UPLOAD_MAX_NUMBER_FILES}
    return render(request, "core/bad_request.html", context, status=400)


RETRY_AFTER_SECONDS = 30


def server_error(request):
    """Django's 500, except when the database cannot be reached (down, restarting, the
    connection lost): a passing outage, answered 503 with a page that needs no database (JSON
    under the API). Nothing is retried here: the next request connects again by itself."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return unavailable(request)
    return django_server_error(request)


def unavailable(request):
    if request.path.startswith("/api/"):
        message = _("The service is temporarily unavailable; try again in a moment.")
        response = JsonResponse({"code": "unavailable", "message": message}, status=503)
    else:
        # The signed-in person and their messages live in the database: shown as anonymous.
        context = {"user": AnonymousUser(), "messages": ()}
        response = render(request, "core/unavailable.html", context, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def set_language(request):
    """Django's language switch; a signed-in person's choice is kept for their e-mails too."""
    response = django_set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        remember_language(user=request.user, language=request.POST.get("language", ""))
    return response
