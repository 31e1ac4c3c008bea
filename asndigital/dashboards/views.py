"""National and agency dashboards: read-only views over the stored figures."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from asndigital.accounts import policies
from asndigital.dashboards.models import AgencyFigures
from asndigital.documents import queue
from asndigital.personnel import corrections
from asndigital.personnel.models import Agency
from asndigital.schedule.selectors import LATE_AFTER, job_state


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


def _freshness(computed_at) -> dict:
    """How fresh the figures are, for the sentence under them (or in their place): refreshed
    every N minutes ("on"), no longer refreshed ("late": no scheduler runs), or not refreshed
    automatically here at all ("off")."""
    state = job_state("refresh_dashboards")
    every = state.every_minutes
    if every is None:
        status = "off"
    elif state.stalled or (
        state.row is None
        and computed_at is not None
        and timezone.now() - computed_at > timedelta(minutes=every) + LATE_AFTER
    ):
        status = "late"
    else:
        status = "on"
    return {
        "status": status,
        "every": every,
        "at": computed_at,
        "failed": state.failed,
        "first": state.last_succeeded_at is None,
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
    summary = _summary(rows)
    return render(
        request,
        "dashboards/national.html",
        {
            "summary": summary,
            "rows": rows,
            "national": everywhere,
            "freshness": _freshness(summary["computed_at"]),
        },
    )


@login_required
def agency_view(request, agency_id):
    agency = Agency.objects.visible_to(request.user, "dashboard").filter(pk=agency_id).first()
    if agency is None:
        raise Http404
    rows = list(AgencyFigures.objects.visible_to(request.user).filter(agency=agency))

    summary = _summary(rows)
    # Counted live (one grouped query): the queue of employees' requests changes by the hour.
    open_requests = corrections.open_figures([agency.pk])[agency.pk]
    return render(
        request,
        "dashboards/agency.html",
        {
            "agency": agency,
            "summary": summary,
            "figures": rows[0] if rows else None,
            "freshness": _freshness(summary["computed_at"]),
            "corrections": open_requests,
            # Counted from the rows, at most five minutes old (the stored figures above are
            # refreshed less often; the queue changes by the minute).
            "queue_figures": queue.cached_figures(agency.pk),
            "can_use_queue": agency.pk in policies.queue_agencies(request.user),
        },
    )
