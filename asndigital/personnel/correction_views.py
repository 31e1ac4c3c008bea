"""Correction requests (/perbaikan/): the employee asks and follows their requests; the agency's
operators and admins answer them from their worklist."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from asndigital.accounts import policies
from asndigital.audit import reads
from asndigital.core.errors import DomainError, NotFound
from asndigital.documents import encryption, storage
from asndigital.documents.models import Document
from asndigital.personnel import corrections
from asndigital.personnel.forms import CorrectionAnswerForm, CorrectionRequestForm
from asndigital.personnel.models import CorrectionRequest

PAGE = 25


def _own_employee(request):
    employee = getattr(request.user, "employee", None)
    if employee is None:
        raise Http404
    return employee


def _request_or_404(request, pk) -> CorrectionRequest:
    try:
        return corrections.get_request(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None


@login_required
def own_list(request):
    """The employee's own requests and their answers."""
    employee = _own_employee(request)
    page = Paginator(corrections.own_requests(request.user), PAGE).get_page(request.GET.get("page"))
    return render(
        request, "personnel/corrections/own_list.html", {"employee": employee, "page": page}
    )


@login_required
def create_view(request):
    """Ask for a correction of one's record, or (``?dokumen=``) of one of one's documents."""
    employee = _own_employee(request)
    documents = list(
        Document.objects.visible_to(request.user)
        .filter(employee=employee)
        .exclude(status=Document.Status.DESTROYED)
        .select_related("doc_type")
        .order_by("doc_type__sort_order", "created_at")
    )
    initial = {}
    if request.GET.get("dokumen") in {str(d.pk) for d in documents}:
        initial = {
            "subject": CorrectionRequest.Subject.DOCUMENT,
            "document": request.GET["dokumen"],
        }
    elif request.GET.get("tentang") in CorrectionRequest.Subject.values:
        initial = {"subject": request.GET["tentang"]}
    form = CorrectionRequestForm(
        request.POST or None, request.FILES or None, documents=documents, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        chosen = next((d for d in documents if str(d.pk) == form.cleaned_data["document"]), None)
        upload = form.cleaned_data.get("file")
        try:
            made = corrections.create_request(
                actor=request.user,
                employee=employee,
                subject=form.cleaned_data["subject"],
                note=form.cleaned_data["note"],
                document=chosen,
                chunks=upload.chunks() if upload else None,
                original_name=upload.name if upload else "",
            )
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            form.add_error(
                "file" if exc.code not in ("note", "subject", "document") else None, exc.message
            )
        else:
            messages.success(
                request,
                _(
                    "Your request was sent to your agency. You will get an e-mail when it is "
                    "answered."
                ),
            )
            return redirect("corrections:detail", pk=made.pk)
    return render(
        request,
        "personnel/corrections/create.html",
        {"employee": employee, "form": form, "has_documents": bool(documents)},
    )


@login_required
def agency_list(request):
    """The requests waiting for the user's agencies (``?status=`` for the answered ones)."""
    if not policies.can_see_corrections(request.user):
        raise Http404
    status = request.GET.get("status", CorrectionRequest.Status.OPEN)
    if status not in CorrectionRequest.Status.values:
        status = ""
    page = Paginator(corrections.agency_requests(request.user, status=status), PAGE).get_page(
        request.GET.get("page")
    )
    if page.object_list:
        reads.many(request.user, "corrections.listed", [r.employee_id for r in page], status=status)
    return render(
        request,
        "personnel/corrections/agency_list.html",
        {
            "page": page,
            "status": status,
            "statuses": CorrectionRequest.Status.choices,
            "show_agency": len(policies.scope(request.user, CorrectionRequest, "read")[1]) > 1,
        },
    )


@login_required
def detail_view(request, pk):
    """One request: for the employee their own, for the agency's staff a recorded read of the
    employee's data, with the answer form while it is open."""
    found = _request_or_404(request, pk)
    can_answer = policies.can_answer_correction(request.user, found)
    reads.one(request.user, "correction.viewed", found)
    return render(
        request,
        "personnel/corrections/detail.html",
        {
            "item": found,
            "for_owner": found.employee.user_id == request.user.pk,
            "can_answer": can_answer and found.is_open,
            "form": CorrectionAnswerForm(),
        },
    )


@login_required
@require_POST
def answer_view(request, pk):
    found = _request_or_404(request, pk)
    form = CorrectionAnswerForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("corrections:detail", pk=found.pk)
    try:
        corrections.answer_request(
            actor=request.user,
            request=found,
            outcome=form.cleaned_data["outcome"],
            answer=form.cleaned_data["answer"],
        )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("corrections:detail", pk=found.pk)
    messages.success(request, _("The answer was saved and the employee is told by e-mail."))
    return redirect("corrections:agency_list")


@login_required
def attachment_view(request, pk):
    """The request's supporting file, for the employee and their agency (a recorded read)."""
    found = _request_or_404(request, pk)
    if not found.attachment_key:
        raise Http404
    reads.one(request.user, "correction.attachment_viewed", found)
    data_key = encryption.open_key(bytes(found.attachment_sealed_key), found.pk)
    response = FileResponse(
        storage.open_version(found.attachment_key, data_key=data_key),
        content_type=found.attachment_media_type,
        as_attachment=True,
        filename=found.attachment_name,
    )
    response["Content-Length"] = str(found.attachment_size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
