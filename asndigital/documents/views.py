from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from asndigital.accounts import policies
from asndigital.core.errors import DomainError, NotFound
from asndigital.documents import selectors as document_selectors
from asndigital.documents import services
from asndigital.documents.forms import UploadForm
from asndigital.personnel import selectors


@login_required
def upload_view(request, pk):
    """Choose a document type, then upload the file with its metadata."""
    try:
        employee = selectors.get_employee(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    if not policies.can_upload_for(request.user, employee):
        raise Http404
    types = services.types_for(employee.employment_type)
    code = request.GET.get("type") or request.POST.get("type")
    doc_type = next((t for t in types if t.code == code), None)
    if doc_type is None:
        return render(request, "documents/choose_type.html", {"employee": employee, "types": types})
    form = UploadForm(request.POST or None, request.FILES or None, doc_type=doc_type)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services.upload_document(
                actor=request.user,
                employee=employee,
                doc_type=doc_type,
                chunks=upload.chunks(),
                original_name=upload.name,
                metadata=form.metadata(),
                source=form.cleaned_data["source"],
            )
        except NotFound:
            raise Http404 from None
        except DomainError as exc:
            form.add_error("file" if exc.code not in ("metadata",) else None, exc.message)
        else:
            messages.success(
                request,
                _("“%(type)s” was uploaded and waits for verification.") % {"type": doc_type.name},
            )
            target = reverse("personnel:employee_detail", args=[employee.pk])
            if request.headers.get("X-Upload-Progress"):
                # The progress script navigates itself (a followed redirect would use up the
                # message before the person sees it).
                return JsonResponse({"redirect": target})
            return redirect(target)
    return render(
        request, "documents/upload.html", {"employee": employee, "doc_type": doc_type, "form": form}
    )


@login_required
@require_POST
def decide_view(request, pk, decision):
    """DITERIMA or DITOLAK (with a reason) by the employee's agency verifier."""
    try:
        document = document_selectors.get_document(user=request.user, pk=pk)
        if decision == "accept":
            services.accept_document(actor=request.user, document=document)
            messages.success(request, _("The document was accepted (DITERIMA)."))
        else:
            services.reject_document(
                actor=request.user, document=document, reason=request.POST.get("reason", "")
            )
            messages.success(
                request, _("The document was rejected (DITOLAK); the employee is told why.")
            )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("personnel:employee_detail", pk=document.employee_id)


@login_required
def file_view(request, pk, version_id, disposition):
    """Stream a version's bytes (memory does not grow with the file), recorded in the audit
    trail; ``inline`` for the browser's viewer, ``attachment`` to download."""
    from django.http import FileResponse

    from asndigital.audit.services import record
    from asndigital.documents import storage

    try:
        document = document_selectors.get_document(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    version = document.versions.filter(pk=version_id).first()
    if version is None:
        raise Http404
    action = "document.viewed" if disposition == "inline" else "document.downloaded"
    record(request.user, action, document, version=str(version.pk), number=version.number)
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[
        version.media_type
    ]
    filename = f"{document.doc_type.code}-{document.employee.nip}-v{version.number}.{extension}"
    response = FileResponse(
        storage.open_version(version.storage_key),
        content_type=version.media_type,
        as_attachment=disposition == "attachment",
        filename=filename,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if disposition == "attachment":
        # Should it be opened in the browser anyway: nothing in it may run or reach out.
        response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    else:
        # The browser's own viewer shows it; nothing else may load, and only we may frame it.
        response["Content-Security-Policy"] = (
            "default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; "
            "frame-ancestors 'self'"
        )
    return response


@login_required
def bulk_view(request):
    """Many files named <NIP>_<CODE>.pdf, or ZIPs of them; a result row per file."""
    import tempfile
    from pathlib import Path

    from asndigital.documents.bulk import upload_many, zip_entries
    from asndigital.documents.models import DocumentVersion

    if not policies.can_bulk_upload(request.user):
        raise Http404
    outcomes = None
    error = ""
    source = request.POST.get("source", DocumentVersion.Source.SCAN)
    if request.method == "POST":
        if source not in DocumentVersion.Source.values:
            source = DocumentVersion.Source.SCAN
        outcomes = []
        for upload in request.FILES.getlist("files"):
            if upload.name.lower().endswith(".zip"):
                with tempfile.TemporaryDirectory() as folder:
                    path = Path(folder) / "batch.zip"
                    with path.open("wb") as out:
                        for chunk in upload.chunks():
                            out.write(chunk)
                    try:
                        outcomes += upload_many(
                            actor=request.user, files=zip_entries(path), source=source
                        )
                    except DomainError as exc:
                        error = f"{upload.name}: {exc.message}"
            else:
                outcomes += upload_many(
                    actor=request.user, files=[(upload.name, upload.chunks(), "")], source=source
                )
    labels = {
        "stored": _("stored"),
        "duplicate": _("already stored"),
        "unknown_nip": _("unknown NIP"),
        "outside_agency": _("NIP outside your agency"),
        "unknown_code": _("unknown code"),
        "invalid_file": _("invalid file"),
    }
    counts: dict[str, int] = {}
    for outcome in outcomes or []:
        outcome.label = labels[outcome.status]
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
    return render(
        request,
        "documents/bulk.html",
        {
            "outcomes": outcomes,
            "counts": [(status, labels[status], n) for status, n in counts.items()],
            "error": error,
            "sources": DocumentVersion.Source.choices,
            "source": source,
        },
    )
