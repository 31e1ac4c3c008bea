"""The auditors' search of the audit trail (with CSV export), and an employee's own access
history: who viewed or downloaded their documents (UU 27/2022)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from asndigital.accounts import policies
from asndigital.audit import reads, selectors
from asndigital.audit.forms import AuditSearchForm
from asndigital.core.spreadsheet import csv_response
from asndigital.documents.models import Document
from asndigital.schedule.selectors import job_state

PAGE = 100
HISTORY_PAGE = 50
# The last two columns let anyone check the hash chain from the file (docs/audit-format.md).
HEADER = [
    "Waktu",
    "Pelaku",
    "Tindakan",
    "Objek",
    "ID objek",
    "Pegawai (ID)",
    "Data",
    "Posisi",
    "Hash",
    "Hash sebelumnya",
]


@login_required
def search_view(request):
    if not policies.can_read_audit(request.user):
        raise Http404
    form = AuditSearchForm(request.GET or None)
    events, next_before = None, None
    if form.is_valid():
        try:
            before_id = int(request.GET.get("sebelum") or 0) or None
        except ValueError:
            before_id = None
        query = selectors.search(request.user, **form.cleaned_data, before_id=before_id)
        linked = selectors.with_links(query)
        if request.GET.get("export") == "csv":
            # Whose events are in the file: each of them finds the export in their history.
            people = query.exclude(employee_id=None).values_list("employee_id", flat=True)
            reads.many(request.user, "audit.exported", people.distinct().order_by())
            stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
            rows = (
                [
                    timezone.localtime(e.occurred_at).isoformat(),
                    e.actor.username if e.actor_id else "sistem",
                    e.action,
                    e.target_type,
                    e.target_id,
                    e.employee_id or "",
                    e.canonical,
                    e.position or "",
                    e.hash,
                    e.prev_hash,
                ]
                for e in linked.iterator(chunk_size=2000)
            )
            return csv_response(f"jejak-audit-{stamp}.csv", HEADER, rows)
        events = list(linked[: PAGE + 1])
        if len(events) > PAGE:
            events = events[:PAGE]
            next_before = events[-1].pk
    return render(
        request,
        "audit/search.html",
        {
            "form": form,
            "events": events,
            "next_before": next_before,
            "check": job_state("verify_audit"),
        },
    )


@login_required
def my_access_view(request):
    """The signed-in employee's access history: who read their data, newest first, paged."""
    employee = getattr(request.user, "employee", None)
    if employee is None:
        raise Http404
    try:
        before_id = int(request.GET.get("sebelum") or 0) or None
    except ValueError:
        before_id = None
    events = list(selectors.access_history(employee, before_id=before_id)[: HISTORY_PAGE + 1])
    older = events[HISTORY_PAGE - 1].pk if len(events) > HISTORY_PAGE else None
    events = events[:HISTORY_PAGE]
    documents = {
        str(d.pk): d
        for d in Document.objects.visible_to(request.user)
        .filter(pk__in={e.target_id for e in events if e.target_type == "documents.document"})
        .select_related("doc_type")
    }
    rows = [
        (
            event,
            documents.get(event.target_id),
            policies.READ_PURPOSES.get(event.data.get("purpose") or ""),
        )
        for event in events
    ]
    context = {"employee": employee, "rows": rows, "older": older, "first_page": not before_id}
    return render(request, "audit/my_access.html", context)
