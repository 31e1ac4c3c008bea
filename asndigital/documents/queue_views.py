"""The verifier's queue (antrean verifikasi): the list, one document beside its employee's
record with accept / reject / next, and the agency's reasons for rejection.

Reads go through ``documents.queue`` (the scoping door's ``verify`` action); claims, decisions
and reasons through services. Opening a document claims it (queue_services.claim); the page
renews the claim while it is open and the decision ends it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from asndigital.accounts import policies
from asndigital.audit import reads
from asndigital.core.errors import DomainError, NotFound
from asndigital.documents import queue, queue_services, services
from asndigital.documents.models import DocumentType, ReasonTemplate
from asndigital.documents.views import _labelled_metadata
from asndigital.personnel.models import Agency


def _queue_user(request) -> None:
    if not policies.can_use_queue(request.user):
        raise Http404


def _page_number(raw: str | None) -> int:
    return int(raw) if raw and raw.isdigit() and len(raw) < 6 and int(raw) > 0 else 1


@login_required
def list_view(request):
    """Every waiting document the verifier may decide, oldest first, with filters and counts."""
    _queue_user(request)
    filters = queue.Filters.parse(request.GET)
    for problem in filters.problems:
        messages.error(request, problem)
    tally = queue.counts(request.user, filters)
    pages = max(1, -(-tally["total"] // queue.PAGE_SIZE))
    number = min(_page_number(request.GET.get("halaman")), pages)
    rows = queue.page(request.user, filters, number)
    choices = queue.filter_choices(request.user)
    groups = [(value, label, tally[value]) for value, label in DocumentType.Group.choices]
    return render(
        request,
        "documents/queue/list.html",
        {
            "rows": rows,
            "tally": tally,
            "groups": groups,
            "filters": filters,
            "choices": choices,
            "ages": queue.AGES,
            "self_upload": queue.SELF,
            "number": number,
            "pages": pages,
            "query": filters.query(),
            "query_without_group": queue.Filters(
                unit=filters.unit,
                doc_type=filters.doc_type,
                age=filters.age,
                uploader=filters.uploader,
                order=filters.order,
            ).query(),
            "previous_query": filters.query(halaman=number - 1) if number > 1 else "",
            "next_query": filters.query(halaman=number + 1) if number < pages else "",
            "can_manage_reasons": bool(
                policies.grants(request.user).agencies_with(policies.REASON_TEMPLATE_ROLES)
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def next_view(request):
    """The next waiting document under the same filters (GET: from where the verifier is, or
    the start; POST: leaving the current one, whose claim is given back)."""
    _queue_user(request)
    params = request.POST if request.method == "POST" else request.GET
    filters = queue.Filters.parse(params)
    after = queue.Position.parse(params.get("setelah"))
    if request.method == "POST" and after is not None:
        try:
            leaving = queue.get_item(user=request.user, pk=after.pk)
        except NotFound:
            pass  # decided or gone meanwhile: nothing to give back
        else:
            queue_services.release(actor=request.user, document=leaving)
    found = queue.next_document(request.user, filters, after)
    if found is None:
        messages.success(request, _("Nothing else is waiting under these filters. Well done."))
        return redirect(_list_url(filters))
    return redirect(_item_url(found.pk, filters))


def _list_url(filters: queue.Filters) -> str:
    query = filters.query()
    return reverse("queue:list") + (f"?{query}" if query else "")


def _item_url(pk, filters: queue.Filters) -> str:
    query = filters.query()
    return reverse("queue:item", args=[pk]) + (f"?{query}" if query else "")


@login_required
def item_view(request, pk):
    """One waiting document beside the employee's record: claimed for this verifier while the
    page is open, or shown as someone else's."""
    _queue_user(request)
    try:
        document = queue.get_item(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    filters = queue.Filters.parse(request.GET)
    employee = document.employee
    waiting = document.status == document.Status.WAITING
    held = None
    if waiting:
        held = queue_services.claim(actor=request.user, document=document)
    mine = held is not None and held.claimed_by_id == request.user.pk
    why = reads.purpose(request, employee)
    reads.one(
        request.user,
        "employee.viewed",
        employee,
        purpose=why,
        document=str(document.pk),
        via="queue",
    )
    version = document.current_version
    return render(
        request,
        "documents/queue/item.html",
        {
            "document": document,
            "employee": employee,
            "version": version,
            "metadata": _labelled_metadata(document),
            "waiting": waiting,
            "held": held,
            "mine": mine,
            "held_by_other": held is not None and not mine,
            "claim_text": queue_services.claim_message(held) if held is not None else "",
            "templates": queue.reason_templates(request.user, employee.agency_id),
            "filters": filters,
            "query": filters.query(),
            "position": queue.Position.of(document).token(),
            "claim_minutes": int(queue_services.claim_duration().total_seconds() // 60),
            "is_pdf": version.media_type == "application/pdf",
        },
    )


@login_required
@require_POST
def renew_view(request, pk):
    """Keep the claim while the page is open (the page asks every minute); JSON for the
    script: whether this verifier still holds it, and else who does."""
    _queue_user(request)
    try:
        document = queue.get_item(user=request.user, pk=pk)
    except NotFound:
        raise Http404 from None
    if document.status != document.Status.WAITING:
        return JsonResponse({"held": False, "message": _("This document was already decided.")})
    held = queue_services.claim(actor=request.user, document=document)
    mine = held.claimed_by_id == request.user.pk
    return JsonResponse(
        {
            "held": mine,
            "expires_at": held.expires_at.isoformat(),
            "message": "" if mine else queue_services.claim_message(held),
        }
    )


@login_required
@require_POST
def decide_view(request, pk, decision):
    """Accept or reject from the queue, then straight on to the next document."""
    _queue_user(request)
    filters = queue.Filters.parse(request.POST)
    try:
        document = queue.get_item(user=request.user, pk=pk)
        position = queue.Position.of(document)
        if decision == "accept":
            services.accept_document(actor=request.user, document=document)
            messages.success(request, _("The document was accepted (DITERIMA)."))
        else:
            reason = queue_services.rejection_reason(
                actor=request.user,
                document=document,
                template_id=request.POST.get("template", ""),
                free=request.POST.get("reason", ""),
            )
            services.reject_document(actor=request.user, document=document, reason=reason)
            messages.success(
                request, _("The document was rejected (DITOLAK); the employee is told why.")
            )
    except NotFound:
        raise Http404 from None
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_item_url(pk, filters))
    found = queue.next_document(request.user, filters, position)
    if found is None:
        messages.success(request, _("Nothing else is waiting under these filters. Well done."))
        return redirect(_list_url(filters))
    return redirect(_item_url(found.pk, filters))


# --- Reasons for rejection (the agency admin) -------------------------------------------------


def _managed_agencies(user) -> list[Agency]:
    agencies = Agency.objects.visible_to(user, "read").order_by("name")
    return [a for a in agencies if policies.can_manage_reason_templates(user, a)]


@login_required
def reasons_view(request):
    """The agency's reasons for rejection: the admin adds and removes them."""
    agencies = _managed_agencies(request.user)
    if not agencies:
        raise Http404
    wanted = request.POST.get("agency") or request.GET.get("agency") or ""
    agency = next((a for a in agencies if str(a.pk) == wanted), None if wanted else agencies[0])
    if agency is None:
        raise Http404  # another agency's list looks like one that does not exist
    text = ""
    if request.method == "POST":
        text = request.POST.get("text", "")
        try:
            queue_services.add_reason_template(actor=request.user, agency=agency, text=text)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The reason was added; verifiers can choose it now."))
            return redirect(reverse("queue:reasons") + f"?agency={agency.pk}")
    templates = ReasonTemplate.objects.visible_to(request.user, "manage").filter(agency=agency)
    return render(
        request,
        "documents/queue/reasons.html",
        {"agencies": agencies, "agency": agency, "templates": templates, "text": text},
    )


@login_required
@require_POST
def remove_reason_view(request, pk):
    template = (
        ReasonTemplate.objects.visible_to(request.user, "manage")
        .select_related("agency")
        .filter(pk=pk)
        .first()
    )
    if template is None:
        raise Http404
    try:
        queue_services.remove_reason_template(actor=request.user, template=template)
    except NotFound:
        raise Http404 from None
    messages.success(request, _("The reason was removed from the list."))
    return redirect(reverse("queue:reasons") + f"?agency={template.agency_id}")
