import tempfile
from datetime import date
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from asndigital.accounts import policies
from asndigital.audit import reads
from asndigital.core.errors import DomainError, NotFound
from asndigital.core.qr import public_qr_svg
from asndigital.documents import checks, matching, reading, retry, services, storage
from asndigital.documents import selectors as document_selectors
from asndigital.documents.bulk import upload_many, zip_entries
from asndigital.documents.bulk_views import proposal_row
from asndigital.documents.forms import UploadForm
from asndigital.documents.models import Document, DocumentType, DocumentVersion
from asndigital.personnel import selectors
from asndigital.records.lifecycle import active_holds, document_phase


@retry.receives_uploads
@login_required
def upload_view(request, pk):
    """Choose a document type, then upload the file with its metadata; with ``?document=``,
    a new version of that document."""
    try:
        employee = selectors.get_employee(user=request.user, pk=pk)
        replacing = None
        if request.GET.get("document"):
            replacing = document_selectors.get_document(
                user=request.user, pk=request.GET["document"]
            )
            if replacing.employee_id != employee.pk:
                raise NotFound()
    except NotFound:
        raise Http404 from None
    if not policies.can_upload_for(request.user, employee):
        raise Http404
    code = request.GET.get("type") or request.POST.get("type")
    if replacing is not None:
        code = replacing.doc_type.code
    doc_type = services.type_for(employee.employment_type, code)
    if doc_type is None:
        return _choose_type(request, employee, services.types_for(employee.employment_type))
    back = (
        reverse("documents:detail", args=[replacing.pk])
        if replacing is not None
        else reverse("personnel:employee_detail", args=[employee.pk])
    )
    attempt = retry.Attempt(request, employee=employee, doc_type=doc_type)
    if attempt.cancelled():
        messages.info(request, _("The upload was cancelled; nothing was stored."))
        return redirect(back)
    # What this upload would replace: the document asked for, or the one document of a
    # single-copy type that the employee already has.
    target = replacing or document_selectors.single_copy_document(
        user=request.user, employee=employee, doc_type=doc_type
    )
    form = UploadForm(
        request.POST or None,
        request.FILES or None,
        doc_type=doc_type,
        held=attempt.held,
        replaces_accepted=target is not None and target.status == Document.Status.ACCEPTED,
    )
    if request.method == "POST":
        stored = attempt.submit(
            form,
            store=lambda **file: services.upload_document(
                actor=request.user,
                employee=employee,
                doc_type=doc_type,
                document=replacing,
                metadata=form.metadata(),
                source=form.cleaned_data["source"],
                replace_accepted=bool(form.cleaned_data.get("confirm_replace")),
                keep_refused=True,  # the upload handler removes it when the request ends
                **file,
            ),
            show_refusal=_show_refusal,
            retryable=services.RETRYABLE,
        )
        if stored:
            messages.success(
                request,
                _("“%(type)s” was uploaded and waits for verification.") % {"type": doc_type.name},
            )
            if request.headers.get("X-Upload-Progress"):
                # The progress script navigates itself (a followed redirect would use up the
                # message before the person sees it).
                return JsonResponse({"redirect": back})
            return redirect(back)
    return render(
        request,
        "documents/upload.html",
        {
            "employee": employee,
            "doc_type": doc_type,
            "form": form,
            "replacing": replacing,
            "target": target,
            "held": attempt.held,
            "back": back,
        },
    )


def _show_refusal(form, exc: DomainError) -> None:
    """The service's refusal next to the field it is about."""
    if exc.code == "metadata" and exc.fields:
        for name, message in exc.fields.items():
            field = f"meta_{name}"
            form.add_error(field if field in form.fields else None, message)
    elif exc.code == "confirm_replace" and "confirm_replace" in form.fields:
        form.add_error("confirm_replace", exc.message)
    elif exc.code in services.RETRYABLE or exc.code in services.NOT_ABOUT_THE_FILE:
        form.add_error(None, exc.message)
    else:
        form.add_error("file", exc.message)


def _choose_type(request, employee, types):
    """The document types for this employee, grouped; what the dossier already holds of each
    single-copy type (uploading it again replaces it)."""
    states = {
        d.doc_type_id: d
        for d in document_selectors.dossier(employee)
        if d.doc_type.multiplicity == DocumentType.Multiplicity.SINGLE
        and d.status != Document.Status.DESTROYED
    }
    groups = [
        (*GROUP_WORDS[group], [(t, states.get(t.pk)) for t in types if t.group == group])
        for group in services.GROUP_ORDER
    ]
    groups = [g for g in groups if g[2]]
    return render(request, "documents/choose_type.html", {"employee": employee, "groups": groups})


# The chooser's headings, in words a civil servant knows, with what each group holds.
GROUP_WORDS = {
    DocumentType.Group.MAIN: (
        gettext_lazy("Arsip Utama"),
        gettext_lazy("The core of your career: appointment, rank, positions, education."),
    ),
    DocumentType.Group.CONDITIONAL: (
        gettext_lazy("Arsip Kondisional"),
        gettext_lazy("Only when it happened in your career: a transfer, unpaid leave and return."),
    ),
    DocumentType.Group.SUPPORTING: (
        gettext_lazy("Arsip Pendukung"),
        gettext_lazy("Supporting documents: credit points, performance, awards, discipline."),
    ),
}


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
    if request.POST.get("back") == "document":
        return redirect("documents:detail", pk=document.pk)
    return redirect("personnel:employee_detail", pk=document.employee_id)


@login_required
def detail_view(request, pk):
    """One document: its preview, metadata, verification code, every version and event."""
    try:
        document = document_selectors.get_document(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    holds = active_holds(document.employee, document)
    context = {
        "document": document,
        "version": document.current_version,
        "metadata": _labelled_metadata(document),
        "can_verify": policies.can_verify(request.user, document),
        "can_upload": policies.can_upload_for(request.user, document.employee),
        **document_selectors.history(document),
        "employee": document.employee,
        "phase": document_phase(document, holds=holds),
        "holds": holds,
        "can_hold": policies.can_place_hold(request.user, document.employee),
        "for_owner": document.employee.user_id is not None
        and document.employee.user_id == request.user.pk,
    }
    history = document_selectors.signature_reports(document.current_version)
    context["sig"] = document_selectors.present_signatures(history[0] if history else None)
    context["signature_history"] = history
    if context["can_verify"]:
        context["checks"] = checks.for_version(document.current_version)
    if document.current_version.verification_code:
        url = request.build_absolute_uri(
            reverse("verification:check", args=[document.current_version.verification_code])
        )
        context["verification_url"] = url
        context["qr_svg"] = public_qr_svg(url)
    return render(request, "documents/detail.html", context)


def _labelled_metadata(document) -> list[tuple[str, object]]:
    values = document.current_version.metadata or {}
    shown = []
    for spec in document.doc_type.metadata_fields:
        value = values.get(spec["name"])
        if value in (None, ""):
            continue
        if spec["type"] == "date":
            value = date_format(date.fromisoformat(value), "j F Y")
        shown.append((spec.get("label", spec["name"]), value))
    return shown


@login_required
def thumbnail_view(request, pk, version_id):
    """A version's first-page preview; recorded in the audit trail like any view."""

    try:
        document = document_selectors.get_document(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    version = document.versions.filter(pk=version_id).first()
    if (
        version is None
        or version.thumbnail_state != version.ThumbnailState.READY
        or version.destroyed_at is not None
    ):
        raise Http404
    version.document = document
    stream = reading.open_preview(
        actor=request.user,
        document=document,
        version=version,
        purpose=reads.purpose(request, document.employee),
    )
    response = FileResponse(stream, content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
def file_view(request, pk, version_id, disposition):
    """Stream a version's bytes (memory does not grow with the file), recorded in the audit
    trail; ``inline`` for the browser's viewer, ``attachment`` to download."""
    try:
        document = document_selectors.get_document(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    version = document.versions.filter(pk=version_id).first()
    if version is None:
        raise Http404
    if version.destroyed_at is not None:
        return render(request, "documents/destroyed.html", {"document": document}, status=410)
    action = "document.viewed" if disposition == "inline" else "document.downloaded"
    why = reads.purpose(request, document.employee)
    try:
        stream = reading.open_checked(
            actor=request.user,
            document=document,
            version=version,
            action=action,
            number=version.number,
            purpose=why,
        )
    except reading.Damaged:
        return render(request, "documents/damaged.html", {"document": document}, status=500)
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[
        version.media_type
    ]
    filename = f"{document.doc_type.code}-{document.employee.nip}-v{version.number}.{extension}"
    response = FileResponse(
        stream,
        content_type=version.media_type,
        as_attachment=disposition == "attachment",
        filename=filename,
    )
    response["Content-Length"] = str(version.size)  # decrypted on the fly: FileResponse can't tell
    response.block_size = storage.CHUNK  # no sendfile when decrypting: read 1 MiB, not 4 KiB
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
    if not policies.can_bulk_upload(request.user):
        raise Http404
    outcomes = None
    error = ""
    source = request.POST.get("source", DocumentVersion.Source.SCAN)
    if request.method == "POST":
        if source not in DocumentVersion.Source.values:
            source = DocumentVersion.Source.SCAN
        outcomes = []
        if not request.FILES.getlist("files"):
            error = _("Choose at least one file.")
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
        "proposed": _("proposed"),
        "stored": _("stored"),
        "duplicate": _("already stored"),
        "unknown_nip": _("unknown NIP"),
        "unknown_code": _("unknown code"),
        "invalid_file": _("invalid file"),
    }
    counts: dict[str, int] = {}
    for outcome in outcomes or []:
        outcome.label = labels[outcome.status]
        counts[outcome.status] = counts.get(outcome.status, 0) + 1
        if outcome.proposal is not None:
            # Read already when the worker was quick (or runs inline): as it stands now.
            held = matching.find(actor=request.user, pending_id=outcome.proposal.pk)
            outcome.row = proposal_row(held or outcome.proposal, name=outcome.name)
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
