"""The missing-documents report page and its CSV/XLSX exports."""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from asndigital.accounts import policies
from asndigital.audit import reads
from asndigital.core.spreadsheet import csv_response, spreadsheet_safe
from asndigital.documents.report import HEADER, cells, gaps
from asndigital.personnel import selectors

PAGE = 50


def _scope(request):
    if not policies.can_see_missing_report(request.user):
        raise Http404
    agencies = list(selectors.agencies_for(request.user, "report"))
    try:
        agency_id = int(request.GET.get("agency") or (agencies[0].pk if len(agencies) == 1 else 0))
        unit_id = int(request.GET.get("unit") or 0)
    except ValueError:
        raise Http404 from None
    employees = selectors.employee_list(
        user=request.user, agency_id=agency_id or None, unit_id=unit_id or None, action="report"
    )
    return agencies, agency_id, unit_id, employees


def _record(request, shown, form: str) -> None:
    if shown:
        reads.many(
            request.user,
            "report.exported" if form != "page" else "report.viewed",
            [gap.employee_id for gap in shown],
            report="missing",
            format=form,
        )


@login_required
def report_view(request):
    agencies, agency_id, unit_id, employees = _scope(request)
    if agency_id == 0:
        return render(request, "documents/report.html", {"agencies": agencies, "rows": None})
    export = request.GET.get("export")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if export in ("csv", "xlsx"):
        # Who is in the file is known before it is sent: each of them finds the export in
        # their access history.
        found = list(gaps(employees))
        _record(request, found, export)
    if export == "csv":
        rows = (cells(gap) for gap in found)
        return csv_response(f"kekurangan-berkas-{stamp}.csv", HEADER, rows)
    if export == "xlsx":
        # imported here: openpyxl is heavy: loaded only for a spreadsheet
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("Missing documents"))
        sheet.append(HEADER)
        for gap in found:
            sheet.append([spreadsheet_safe(v) for v in cells(gap)])
        handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it when sent
        book.save(handle)
        handle.seek(0)
        return FileResponse(handle, as_attachment=True, filename=f"kekurangan-berkas-{stamp}.xlsx")
    page = int(request.GET.get("page") or 1) if (request.GET.get("page") or "1").isdigit() else 1
    rows = list(gaps(employees, offset=(page - 1) * PAGE, limit=PAGE + 1))
    _record(request, rows[:PAGE], "page")
    context = {
        "agencies": agencies,
        "agency_id": agency_id,
        "unit_id": unit_id,
        "units": selectors.units_for(request.user, agency_id, "report"),
        "rows": rows[:PAGE],
        "page": page,
        "has_next": len(rows) > PAGE,
        "query": f"agency={agency_id}&unit={unit_id}",
        # Monitors see who has gaps, not the employees' pages.
        "opens_pages": policies.can_list_employees(request.user),
    }
    return render(request, "documents/report.html", context)
