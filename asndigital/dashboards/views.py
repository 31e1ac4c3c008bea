"""National and agency dashboards: read-only views over the stored figures."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from asndigital.accounts import policies
from asndigital.dashboards.models import AgencyFigures
from asndigital.personnel.models import Agency


def _days(figures_list) -> list[tuple[str, int]]:
    today = timezone.localdate()
    totals: dict[str, int] = {}
    for figures in figures_list:
        for day, n in figures.uploads_by_day.items():
            totals[day] = totals.get(day, 0) + n
    days = [(today - timedelta(days=i)).isoformat() for i in range(29, -1, -1)]
    return [(day, totals.get(day, 0)) for day in days]


def _summary(rows) -> dict:
    employees = sum(r.employees for r in rows)
    accounts = sum(r.with_account for r in rows)
    total = sum(r.mandatory_total for r in rows)
    waiting = sum(r.waiting for r in rows)
    oldest = min((r.oldest_waiting_at for r in rows if r.oldest_waiting_at), default=None)
    destruction: dict[str, int] = {}
    for r in rows:
        for status, n in r.destruction.items():
            destruction[status] = destruction.get(status, 0) + n
    days = _days(rows)
    peak = max((n for _day, n in days), default=0) or 1
    return {
        "employees": employees,
        "mfa_rate": 100 * sum(r.mfa_active for r in rows) / accounts if accounts else 0,
        "completeness": 100 * sum(r.mandatory_accepted for r in rows) / total if total else 0,
        "waiting": waiting,
        "oldest_days": (timezone.now() - oldest).days if oldest else None,
        "destruction": destruction,
        "days": [(day, n, round(100 * n / peak)) for day, n in days],
        "computed_at": max((r.computed_at for r in rows), default=None),
    }


@login_required
def national_view(request):
    everywhere, agencies = policies.dashboard_scope(request.user)
    if not everywhere:
        if len(agencies) == 1:
            return agency_view(request, next(iter(agencies)))
        if not agencies:
            raise Http404
    rows = list(AgencyFigures.objects.visible_to(request.user).select_related("agency"))
    rows.sort(key=lambda r: r.completeness)
    return render(
        request,
        "dashboards/national.html",
        {"summary": _summary(rows), "rows": rows, "national": everywhere},
    )


@login_required
def agency_view(request, agency_id):
    agency = Agency.objects.visible_to(request.user, "dashboard").filter(pk=agency_id).first()
    if agency is None:
        raise Http404
    rows = list(AgencyFigures.objects.visible_to(request.user).filter(agency=agency))
    from asndigital.documents import queue

    return render(
        request,
        "dashboards/agency.html",
        {
            "agency": agency,
            "summary": _summary(rows),
            "figures": rows[0] if rows else None,
            # Counted from the rows, at most five minutes old (the stored figures above are
            # refreshed less often; the queue changes by the minute).
            "queue_figures": queue.cached_figures(agency.pk),
            "can_use_queue": agency.pk in policies.queue_agencies(request.user),
        },
    )
