"""The bulk page's proposals: a file whose name named neither employee nor type, read and
matched by its text (documents/matching.py). One table row each, which the page polls while
the file is read (htmx) and through which the operator confirms, changes or skips it."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from asndigital.accounts import policies
from asndigital.core.errors import DomainError
from asndigital.documents import matching, services
from asndigital.documents.models import PendingUpload


def proposal_row(pending: PendingUpload, *, error: str = "", name: str = "") -> dict:
    """What a proposal's row shows (``name``: as it came in the batch, on the batch page; the
    name as kept, cleaned, afterwards)."""
    row = {
        "id": str(pending.pk),
        "name": name or pending.original_name,
        "state": pending.state,
        "State": PendingUpload.State,  # the template compares with its members
        "url": reverse("personnel:bulk_proposal", args=[pending.pk]),
        "error": error,
    }
    if pending.state == PendingUpload.State.UNMATCHED:
        row["message"] = matching.explain(pending)
    elif pending.state == PendingUpload.State.PROPOSED:
        row["employee"] = pending.employee
        row["doc_type"] = pending.doc_type
        row["types"] = services.types_for(pending.employee.employment_type)
    return row


@login_required
def bulk_proposal_view(request, pk):
    """GET: the row as it stands (polled while the file is read). POST: confirm (as proposed,
    or with the NIP and type chosen instead) or skip; the row again."""
    if not policies.can_bulk_upload(request.user):
        raise Http404
    pending = matching.find(actor=request.user, pending_id=pk)
    if pending is None:
        raise Http404
    row = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "skip":
            matching.skip(actor=request.user, pending_id=pk)
            row = {"id": str(pk), "name": pending.original_name, "state": "skipped"}
        elif action == "confirm":
            try:
                version = matching.confirm(
                    actor=request.user,
                    pending_id=pk,
                    nip=request.POST.get("nip", "").strip(),
                    type_code=request.POST.get("type", "").strip(),
                )
            except DomainError as exc:
                pending = matching.find(actor=request.user, pending_id=pk) or pending
                row = proposal_row(pending, error=exc.message)
            else:
                row = {
                    "id": str(pk),
                    "name": pending.original_name,
                    "state": "stored",
                    "document_url": reverse("documents:detail", args=[version.document_id]),
                    "employee": version.document.employee,
                    "doc_type": version.document.doc_type,
                }
    if row is None:
        row = proposal_row(pending)
    template = "documents/_bulk_proposal.html" if request.htmx else "documents/bulk_proposal.html"
    return render(request, template, {"row": row})
