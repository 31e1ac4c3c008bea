from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from asndigital.accounts import policies


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
    employee = getattr(request.user, "employee", None)
    if employee is not None:
        return redirect("personnel:employee_detail", pk=employee.pk)
    return render(request, "core/home.html")


@never_cache
@require_GET
def healthz(request):
    """200 when the database answers, 503 when it does not. No details that help an attacker."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def set_language(request):
    """Django's language switch; a signed-in person's choice is kept for their e-mails too."""
    from django.views.i18n import set_language as django_set_language

    from asndigital.accounts.services import remember_language

    response = django_set_language(request)
    if request.method == "POST" and request.user.is_authenticated:
        remember_language(user=request.user, language=request.POST.get("language", ""))
    return response
