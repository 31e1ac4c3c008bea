"""The operator's unfinished work (/pekerjaan/): a summary with counts, and three paged lists
with the action one click away; metadata of many files completed in one form."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from asndigital.accounts import policies
from asndigital.audit import reads
from asndigital.core.errors import NotFound
from asndigital.documents import services, worklists
from asndigital.documents.models import Document
from asndigital.personnel import corrections

PAGE = 25
FORM_PAGE = 10  # rows of the metadata form: enough for a session's work, short on a phone


def _scope(request) -> list:
    """The agencies whose work the user sees; 404 for everyone else."""
    found = list(worklists.agencies(request.user))
    if not found:
        raise Http404
    return found


def _page_number(request) -> int:
    raw = request.GET.get("page") or "1"
    return int(raw) if raw.isdigit() and 0 < int(raw) < 100_000 else 1


def _record(request, employee_ids, which: str) -> None:
    if employee_ids:
        reads.many(request.user, "worklist.viewed", employee_ids, list=which)


@login_required
def home_view(request):
    """What is left to do, counted, each list one click away."""
    agencies = _scope(request)
    ids = [a.pk for a in agencies]
    context = {
        "agencies": agencies,
        "metadata_count": worklists.missing_metadata(request.user, ids).count(),
        "rejected_count": worklists.rejected(request.user, ids).count(),
        "missing_count": worklists.missing_documents_count(request.user, ids),
        "corrections_count": corrections.agency_requests(request.user).count()
        if policies.can_see_corrections(request.user)
        else None,
    }
    return render(request, "documents/worklists/home.html", context)


@login_required
def rejected_view(request):
    agencies = _scope(request)
    documents = worklists.rejected(request.user, [a.pk for a in agencies])
    page = Paginator(documents, PAGE).get_page(_page_number(request))
    _record(request, [d.employee_id for d in page], "rejected")
    return render(
        request,
        "documents/worklists/rejected.html",
        {"page": page, "show_agency": len(agencies) > 1},
    )


@login_required
def missing_view(request):
    agencies = _scope(request)
    number = _page_number(request)
    rows, has_next = worklists.missing_documents_page(
        request.user, [a.pk for a in agencies], page=number, size=PAGE
    )
    _record(request, [gap.employee_id for gap in rows], "missing_documents")
    return render(
        request,
        "documents/worklists/missing.html",
        {"rows": rows, "page_number": number, "has_next": has_next},
    )


def _shown(spec: dict, value) -> str:
    """A stored value as the form shows it (dates as DD-MM-YYYY, as people type them)."""
    if value in (None, ""):
        return ""
    if spec["type"] == "date":
        try:
            return date.fromisoformat(str(value)).strftime("%d-%m-%Y")
        except ValueError:
            return str(value)
    return str(value)


def _rows(page, posted=None, errors=None) -> list[dict]:
    """Each document of the page with its type's fields: the value shown and its error."""
    rows = []
    for document in page:
        key = str(document.pk)
        stored = document.current_version.metadata or {}
        missing = set(services.missing_fields(document.doc_type, stored))
        fields = []
        for spec in document.doc_type.metadata_fields:
            name = f"{key}-{spec['name']}"
            value = (
                posted.get(name, "")
                if posted is not None
                else _shown(spec, stored.get(spec["name"]))
            )
            fields.append(
                {
                    "name": name,
                    "label": spec.get("label", spec["name"]),
                    "type": spec["type"],
                    "required": bool(spec.get("required")),
                    "missing": spec["name"] in missing,
                    "value": value,
                    "error": (errors or {}).get(key, {}).get(spec["name"], ""),
                }
            )
        rows.append(
            {
                "document": document,
                "fields": fields,
                "error": (errors or {}).get(key, {}).get("", ""),
            }
        )
    return rows


def _entries(request, page) -> list:
    """(document, version id, values) for each row of the form that was filled in; rows left
    empty are not touched."""
    shown = {str(d.pk): d for d in page}
    entries = []
    for key in request.POST.getlist("row"):
        document = shown.get(key)
        if document is None:
            # Not on this page any more (completed or decided meanwhile, or never in scope).
            continue
        values = {
            spec["name"]: request.POST.get(f"{key}-{spec['name']}", "")
            for spec in document.doc_type.metadata_fields
        }
        if not any(v.strip() for v in values.values()):
            continue
        entries.append((document, request.POST.get(f"{key}-version", ""), values))
    return entries


@login_required
def metadata_view(request):
    """Bulk-uploaded files whose metadata is still to be completed, a page at a time in one
    form: all filled rows are saved together, or none when one of them is wrong."""
    agencies = _scope(request)
    documents = worklists.missing_metadata(request.user, [a.pk for a in agencies])
    page = Paginator(documents, FORM_PAGE).get_page(_page_number(request))
    errors, posted = None, None
    if request.method == "POST":
        entries = _entries(request, page)
        if not entries:
            messages.error(request, _("Fill in the fields of at least one file."))
            posted = request.POST
        else:
            try:
                done = services.complete_metadata(actor=request.user, entries=entries)
            except services.MetadataErrors as exc:
                errors, posted = exc.errors, request.POST
                messages.error(request, exc.message)
            except NotFound:
                raise Http404 from None
            else:
                messages.success(
                    request,
                    _("The metadata of %(n)d file(s) was saved; they wait for verification.")
                    % {"n": len(done)},
                )
                return redirect(request.get_full_path())
    _record(request, [d.employee_id for d in page], "missing_metadata")
    return render(
        request,
        "documents/worklists/metadata.html",
        {
            "page": page,
            "rows": _rows(page, posted, errors),
            "show_agency": len(agencies) > 1,
            "waiting": Document.Status.WAITING,
        },
    )
