"""Legal holds (place, lift) and the retention schedule page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from asndigital.accounts import policies
from asndigital.core.errors import DomainError, NotFound
from asndigital.documents import retry
from asndigital.documents import selectors as document_selectors
from asndigital.documents import services as document_services
from asndigital.documents.models import DocumentType
from asndigital.personnel import selectors
from asndigital.records import services
from asndigital.records.bagit import bag_name, export_dossier
from asndigital.records.forms import TransferForm
from asndigital.records.models import LegalHold, RetentionSchedule
from asndigital.records.transfers import SK_CODE, transfer_employee


def _back(request, employee, document):
    if document is not None:
        return redirect("documents:detail", pk=document.pk)
    return redirect("personnel:employee_detail", pk=employee.pk)


@login_required
@require_POST
def place_hold_view(request, pk):
    """A hold on the employee's whole dossier, or (``document``) on one document."""
    try:
        employee = selectors.get_employee(user=request.user, pk=pk)
        document = None
        if request.POST.get("document"):
            document = document_selectors.get_document(
                user=request.user, pk=request.POST["document"]
            )
        services.place_hold(
            actor=request.user,
            employee=employee,
            document=document,
            reason=request.POST.get("reason", ""),
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The legal hold is in place."))
    return _back(request, employee, document)


@login_required
@require_POST
def lift_hold_view(request, hold_id):
    hold = (
        LegalHold.objects.visible_to(request.user)
        .select_related("employee", "document")
        .filter(pk=hold_id)
        .first()
    )
    if hold is None:
        raise Http404
    try:
        services.lift_hold(actor=request.user, hold=hold, reason=request.POST.get("reason", ""))
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The legal hold was lifted."))
    return _back(request, hold.employee, hold.document)


@login_required
def schedules_view(request):
    """The retention schedule (JRA) as it stands, with its history; staff only."""
    if not (
        policies.can_see_missing_report(request.user) or policies.can_edit_retention(request.user)
    ):
        raise Http404
    schedules = RetentionSchedule.objects.prefetch_related("changes__actor")
    return render(
        request,
        "records/schedules.html",
        {"schedules": schedules, "can_edit": policies.can_edit_retention(request.user)},
    )


# A transfer refused for these reasons can be sent again with the same SK once corrected.
TRANSFER_RETRYABLE = frozenset({"metadata", "source", "same", "date"})


@retry.receives_uploads
@login_required
def transfer_view(request, pk):
    """A national admin moves the employee, with the whole dossier, to another agency."""
    try:
        employee = selectors.get_employee(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    if not policies.can_transfer(request.user, employee):
        raise Http404
    back = reverse("personnel:employee_detail", args=[employee.pk])
    doc_type = DocumentType.objects.get(code=SK_CODE)
    attempt = retry.Attempt(request, employee=employee, doc_type=doc_type)
    if attempt.cancelled():
        messages.info(request, _("The transfer was cancelled; nothing changed."))
        return redirect(back)
    form = TransferForm(
        request.POST or None,
        request.FILES or None,
        employee=employee,
        doc_type=doc_type,
        held=attempt.held,
    )
    if request.method == "POST":

        def store(**file):
            data = form.cleaned_data
            transfer_employee(
                actor=request.user,
                employee=employee,
                to_agency=data["to_agency"],
                effective_on=data["effective_on"],
                metadata={
                    "nomor_sk": data["nomor_sk"],
                    "tanggal_sk": data["tanggal_sk"].isoformat(),
                },
                keep_refused=True,  # the upload handler removes it when the request ends
                **file,
            )

        stored = attempt.submit(
            form,
            store=store,
            show_refusal=_show_transfer_refusal,
            retryable=TRANSFER_RETRYABLE,
        )
        if stored:
            messages.success(
                request,
                _("%(name)s now belongs to %(agency)s, with the whole dossier.")
                % {"name": employee.display_name, "agency": form.cleaned_data["to_agency"].name},
            )
            return redirect(back)
    return render(
        request,
        "records/transfer.html",
        {"employee": employee, "form": form, "held": attempt.held, "back": back},
    )


def _show_transfer_refusal(form, exc: DomainError) -> None:
    """The service's refusal next to the field it is about (the SK's metadata are the form's
    number and dates); a refusal of the file next to the file; anything else at the top."""
    if exc.fields:
        names = {"tmt": "effective_on"}  # the SK's TMT is the transfer's effective date
        for name, message in exc.fields.items():
            field = names.get(name, name)
            form.add_error(field if field in form.fields else None, message)
    elif (
        exc.code in TRANSFER_RETRYABLE
        or exc.code in document_services.NOT_ABOUT_THE_FILE
        or exc.code == "forbidden"
    ):
        form.add_error(None, exc.message)
    else:
        form.add_error("sk", exc.message)


@login_required
def export_view(request, pk):
    """The whole dossier as a BagIt ZIP (streamed from a temporary file)."""
    try:
        employee = selectors.get_employee(user=request.user, pk=pk)
        package = export_dossier(actor=request.user, employee=employee)
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("personnel:employee_detail", pk=pk)
    response = FileResponse(package, as_attachment=True, filename=f"{bag_name(employee)}.zip")
    response["Content-Type"] = "application/zip"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
