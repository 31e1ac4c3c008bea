from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from asndigital.accounts import mfa, policies
from asndigital.accounts import services as account_services
from asndigital.accounts.roles import Role
from asndigital.accounts.throttle import client_ip
from asndigital.audit import reads
from asndigital.core.errors import DomainError, NotFound
from asndigital.documents.selectors import checklist, dossier
from asndigital.personnel import selectors, services
from asndigital.personnel.forms import EmployeeFilterForm, RegisteredEmailForm, ResetMfaForm
from asndigital.records.lifecycle import active_holds, dossier_phase

PAGE_SIZE = 25


# A form of the employee page that came back goes back to the page with what was typed, its
# messages next to its fields (kept in the session for that one next view).
BOUNCED = "bounced-form:{name}:{pk}"


def _bounce(request, name, employee, form, problems=()):
    data = {k: v for k, v in form.data.items() if k != "csrfmiddlewaretoken"}
    request.session[BOUNCED.format(name=name, pk=employee.pk)] = {
        "data": data,
        "problems": [str(p) for p in problems],
    }
    return redirect(reverse("personnel:employee_detail", args=[employee.pk]) + f"#{name}")


def _bounced(request, name, employee, form_class, **kwargs):
    """The employee page's form: empty, or as it came back (bound, with its messages)."""
    kept = request.session.pop(BOUNCED.format(name=name, pk=employee.pk), None)
    if not kept:
        return form_class(**kwargs)
    form = form_class(kept["data"], **kwargs)
    form.is_valid()
    for problem in kept["problems"]:
        form.add_error(None, problem)
    return form


def _employee_or_404(request, pk):
    try:
        return selectors.get_employee(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


@login_required
def employee_list(request):
    """Agency staff search their agency's employees; other people get a 404."""
    if not policies.can_list_employees(request.user):
        raise Http404
    agencies = list(selectors.agencies_for(request.user))
    agency_id = request.GET.get("agency") or (agencies[0].pk if len(agencies) == 1 else None)
    try:
        agency_id = int(agency_id) if agency_id is not None else None
    except ValueError:
        agency_id = None
    units = list(selectors.units_for(request.user, agency_id))
    form = EmployeeFilterForm(request.GET or None, agencies=agencies, units=units)
    filters = form.cleaned_data if form.is_valid() else {}
    employees = selectors.employee_list(
        user=request.user,
        q=filters.get("q") or "",
        agency_id=filters.get("agency") or (agency_id if len(agencies) == 1 else None),
        unit_id=filters.get("unit"),
        status=filters.get("status") or "",
    )
    page = Paginator(employees, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "show_agency": len(agencies) > 1,
        "can_bulk_upload": policies.can_bulk_upload(request.user),
        "can_use_queue": policies.can_use_queue(request.user),
        "sees_destruction": any(policies.destruction_scope(request.user)),
        "sees_dashboard": any(policies.dashboard_scope(request.user)),
        "sees_worklist": policies.can_see_worklist(request.user),
        "manages_tokens": policies.can_manage_api_tokens(request.user, None)
        or bool(policies.grants(request.user).agencies_with(frozenset({Role.AGENCY_ADMIN}))),
    }
    template = "personnel/_employee_table.html" if request.htmx else "personnel/employee_list.html"
    return render(request, template, context)


@login_required
def employee_detail(request, pk):
    employee = _employee_or_404(request, pk)
    documents = list(dossier(employee))
    holds = active_holds(employee)
    context = {
        "employee": employee,
        "status_history": selectors.status_history(employee),
        "changes": selectors.change_history(employee),
        "can_correct_email": policies.can_correct_registered_email(request.user, employee),
        "email_form": _bounced(
            request, "email", employee, RegisteredEmailForm, auto_id="id_email_%s"
        ),
        "can_reset_mfa": policies.can_reset_mfa(request.user, employee),
        "can_upload": policies.can_upload_for(request.user, employee),
        "checklist": checklist(employee, documents),
        "documents": [
            (document, policies.can_verify(request.user, document)) for document in documents
        ],
        "reset_mfa_form": _bounced(request, "mfa", employee, ResetMfaForm, auto_id="id_mfa_%s"),
        "phase": dossier_phase(employee, holds=holds),
        "holds": holds,
        "can_hold": policies.can_place_hold(request.user, employee),
        "for_owner": employee.user_id is not None and employee.user_id == request.user.pk,
        "can_transfer": policies.can_transfer(request.user, employee),
        "can_export": policies.can_export_dossier(request.user, employee),
        "transfers": employee.transfers.select_related("from_agency", "to_agency"),
    }
    if context["can_reset_mfa"]:
        context["mfa_devices"] = mfa.device_summary(employee.user)
    if "keperluan" in request.GET:
        reads.choose_purpose(request, employee, request.GET["keperluan"])
    why = reads.purpose(request, employee)
    purposes = policies.read_purposes(request.user, employee)
    context["purposes"] = [(p, policies.READ_PURPOSES[p]) for p in purposes]
    context["purpose"] = why
    reads.one(request.user, "employee.viewed", employee, purpose=why)
    return render(request, "personnel/employee_detail.html", context)


@login_required
@require_POST
def correct_email(request, pk):
    employee = _employee_or_404(request, pk)
    form = RegisteredEmailForm(request.POST)
    if form.is_valid():
        try:
            services.correct_registered_email(
                actor=request.user,
                employee=employee,
                email=form.cleaned_data["email"],
                reason=form.cleaned_data["reason"],
            )
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            return _bounce(request, "email", employee, form, [exc.message])
        messages.success(request, _("The registered e-mail was corrected."))
        return redirect("personnel:employee_detail", pk=employee.pk)
    return _bounce(request, "email", employee, form)


@login_required
@require_POST
def reset_mfa(request, pk):
    """BKPSDM resets an employee's MFA (new phone, deleted app), with a reason."""
    employee = _employee_or_404(request, pk)
    form = ResetMfaForm(request.POST)
    if not form.is_valid():
        return _bounce(request, "mfa", employee, form)
    try:
        account_services.admin_reset_mfa(
            actor=request.user,
            employee=employee,
            reason=form.cleaned_data["reason"],
            ip=client_ip(request),
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            _(
                "MFA was reset. The employee sets up the authenticator app again "
                "at the next sign-in."
            ),
        )
    return redirect("personnel:employee_detail", pk=employee.pk)
