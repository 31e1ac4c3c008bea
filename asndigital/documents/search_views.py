"""The search page for staff: documents' text, NIPs and SK numbers, within their scope."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.formats import number_format
from django.utils.http import urlencode

from asndigital.documents import search, selectors, services
from asndigital.documents.models import Document, DocumentType
from asndigital.personnel import selectors as personnel_selectors

MAX_QUERY = 200


def clean_filters(user, params) -> tuple[str, dict]:
    """The query text and the filters that were asked for and make sense (an agency the user
    may search, a known type, a known status); anything else is ignored."""
    q = " ".join((params.get("q") or "").split())[:MAX_QUERY]
    filters: dict = {}
    agency = params.get("agency") or ""
    agencies = {a.pk for a in personnel_selectors.agencies_for(user, "read")}
    if agency.isdigit() and int(agency) in agencies:
        filters["agency_id"] = int(agency)
    type_code = params.get("type") or ""
    if type_code and DocumentType.objects.filter(code=type_code[:40]).exists():
        filters["type_code"] = type_code
    status = params.get("status") or ""
    if status in Document.Status.values:
        filters["status"] = status
    return q, filters


@login_required
def search_view(request):
    if not selectors.can_search(request.user):
        raise Http404
    q, filters = clean_filters(request.user, request.GET)
    query = search.parse(q)
    results, page = None, None
    if q:
        found = selectors.search_documents(user=request.user, query=query, **filters)
        paginator = search.CappedPaginator(found, selectors.SEARCH_PAGE)
        page = paginator.get_page(request.GET.get("page"))
        results = [(d, selectors.search_excerpt(d, query)) for d in page.object_list]
        services.record_search(
            actor=request.user, q=q, filters=filters, found=paginator.count, more=paginator.more
        )
    shown = {"q": q, **{k: v for k, v in request.GET.items() if k in ("agency", "type", "status")}}
    return render(
        request,
        "documents/search.html",
        {
            "q": q,
            "filters": filters,
            "results": results,
            "page": page,
            "query_string": urlencode(shown),
            "count_cap": number_format(search.COUNT_CAP, force_grouping=True),
            "agencies": personnel_selectors.agencies_for(request.user, "read"),
            "types": DocumentType.objects.filter(is_active=True),
            "statuses": [s for s in Document.Status.choices if s[0] != Document.Status.DESTROYED],
        },
    )
