"""Where a record stands in its lifecycle: active, inactive, eligible for destruction,
permanent, to be appraised again, or on hold. Computed from the retention schedule (JRA), the
employee's events and legal holds; nothing here writes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from asndigital.documents.models import Document
from asndigital.personnel.models import EmployeeStatus
from asndigital.records.models import LegalHold, RetentionSchedule

PERSONAL_FILE = "berkas-perseorangan"

PHASES = {
    "destroyed": _("Destroyed"),
    "active": _("Active"),
    "inactive": _("Inactive"),
    "eligible": _("Eligible for destruction"),
    "permanent": _("Permanent"),
    "reappraise": _("To be appraised again"),
    "on_hold": _("On legal hold"),
}


@dataclass(frozen=True)
class Phase:
    code: str
    schedule: RetentionSchedule | None
    trigger_on: date | None = None
    active_until: date | None = None
    inactive_until: date | None = None

    @property
    def label(self):
        return PHASES[self.code]


def _add_years(day: date, years: int) -> date:
    year = min(day.year + years, date.max.year)  # past the calendar's end: never, in effect
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return day.replace(year=year, day=28)


def _schedules() -> dict[str, RetentionSchedule]:
    return {s.series: s for s in RetentionSchedule.objects.all()}


def _document_date(document) -> date | None:
    metadata = (document.current_version.metadata if document.current_version else {}) or {}
    for key in ("tanggal_sk", "tanggal"):
        if metadata.get(key):
            try:
                return date.fromisoformat(metadata[key])
            except ValueError:
                pass
    if metadata.get("tahun"):
        try:
            return date(int(metadata["tahun"]), 1, 1)
        except ValueError:  # a number, but no year the calendar has (0, 20015)
            pass
    return timezone.localdate(document.created_at)


def _trigger_on(schedule: RetentionSchedule, employee, document=None) -> date | None:
    trigger = RetentionSchedule.Trigger
    status, since = employee.status, employee.status_on
    if schedule.trigger == trigger.DOCUMENT_DATE:
        return _document_date(document) if document is not None else None
    if schedule.trigger == trigger.SEPARATION:
        departed = {EmployeeStatus.RETIRED, EmployeeStatus.LEFT, EmployeeStatus.DECEASED}
        return since if status in departed else None
    if schedule.trigger in (trigger.RETIREMENT, trigger.LEAVING, trigger.DEATH):
        return since if status == schedule.trigger else None
    if schedule.trigger == trigger.CLTN_END:
        events = list(employee.status_events.order_by("effective_on", "id"))
        back = [
            e.effective_on
            for before, e in pairwise(events)
            if before.status == EmployeeStatus.CLTN and e.status == EmployeeStatus.ACTIVE
        ]
        return back[-1] if back else None
    return None


def _phase(schedule, trigger_on, today) -> Phase:
    if trigger_on is None:
        return Phase("active", schedule)
    active_until = _add_years(trigger_on, schedule.active_years)
    inactive_until = _add_years(active_until, schedule.inactive_years)
    if today < active_until:
        code = "active"
    elif today < inactive_until:
        code = "inactive"
    else:
        code = {
            RetentionSchedule.Disposition.DESTROY: "eligible",
            RetentionSchedule.Disposition.PERMANENT: "permanent",
        }.get(schedule.disposition, "reappraise")
    return Phase(code, schedule, trigger_on, active_until, inactive_until)


def dossier_phase(
    employee, *, today: date | None = None, schedules=None, holds: list | None = None
) -> Phase:
    """``holds``: the dossier's ``active_holds`` when the caller has read them (not asked
    again)."""
    today = today or timezone.localdate()
    schedules = schedules if schedules is not None else _schedules()
    schedule = schedules.get(PERSONAL_FILE)
    if holds is not None:
        on_hold = any(hold.document_id is None for hold in holds)
    else:
        dossier_holds = LegalHold.objects.filter(employee=employee, document=None, lifted_at=None)
        on_hold = dossier_holds.exists()
    if on_hold:
        return Phase("on_hold", schedule)
    return _dossier_schedule_phase(employee, today, schedules)


def _dossier_schedule_phase(employee, today, schedules) -> Phase:
    schedule = schedules.get(PERSONAL_FILE)
    if schedule is None:
        return Phase("active", None)
    return _phase(schedule, _trigger_on(schedule, employee), today)


def document_phase(
    document,
    *,
    today: date | None = None,
    schedules=None,
    check_holds: bool = True,
    holds: list | None = None,
) -> Phase:
    """A document with its own schedule follows it; any other goes into the personal file and
    shares the dossier's phase. A hold on the document or its dossier wins. ``holds``: the
    document's ``active_holds`` when the caller has read them (not asked again)."""
    today = today or timezone.localdate()
    schedules = schedules if schedules is not None else _schedules()
    if document.status == Document.Status.DESTROYED:
        return Phase("destroyed", schedules.get(document.doc_type.code))
    if check_holds and (bool(holds) if holds is not None else is_held(document)):
        return Phase("on_hold", schedules.get(document.doc_type.code))
    schedule = schedules.get(document.doc_type.code)
    if schedule is None or schedule.disposition == RetentionSchedule.Disposition.PERSONAL_FILE:
        # A hold on the dossier holds the document too, so none stands here (checked above).
        return _dossier_schedule_phase(document.employee, today, schedules)
    return _phase(schedule, _trigger_on(schedule, document.employee, document), today)


def is_held(document) -> bool:
    """Whether a legal hold stands on the document or on its whole dossier."""
    return LegalHold.objects.filter(
        Q(document=document) | Q(document=None), employee_id=document.employee_id, lifted_at=None
    ).exists()


def active_holds(employee, document=None):
    """The holds standing on a dossier (all of them), or on one document (its own and its
    dossier's)."""
    holds = LegalHold.objects.filter(employee=employee, lifted_at=None).select_related(
        "placed_by", "document__doc_type"
    )
    if document is not None:
        holds = holds.filter(Q(document=document) | Q(document=None))
    return list(holds)
