from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from asndigital.core.admin_site import NationalModelAdmin
from asndigital.schedule import jobs
from asndigital.schedule.models import ScheduledJob
from asndigital.schedule.selectors import JobState


@admin.register(ScheduledJob)
class ScheduledJobAdmin(NationalModelAdmin):
    """What the scheduler does and how each job last went; read-only (the environment sets the
    intervals, docs/configuration.md)."""

    list_display = ("job", "every", "last_started_at", "outcome", "result", "next_due_at")
    fields = (
        "job",
        "every",
        "last_started_at",
        "last_finished_at",
        "last_succeeded_at",
        "outcome",
        "result",
        "last_error",
        "failures_in_a_row",
        "next_due_at",
        "running_since",
    )
    readonly_fields = fields

    @staticmethod
    def _state(obj) -> JobState | None:
        job = jobs.BY_NAME.get(obj.name)
        return JobState(job=job, row=obj, now=timezone.now()) if job else None

    @admin.display(description=_("job"))
    def job(self, obj):
        state = self._state(obj)
        return state.job.label if state else obj.name

    @admin.display(description=_("every"))
    def every(self, obj):
        state = self._state(obj)
        minutes = state.every_minutes if state else None
        if minutes is None:
            return _("off")
        if minutes % (24 * 60) == 0:
            days = minutes // (24 * 60)
            return ngettext("%(n)d day", "%(n)d days", days) % {"n": days}
        if minutes % 60 == 0:
            hours = minutes // 60
            return ngettext("%(n)d hour", "%(n)d hours", hours) % {"n": hours}
        return ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}

    @admin.display(description=_("last outcome"))
    def outcome(self, obj):
        if obj.running_since:
            return _("running")
        return obj.get_last_outcome_display() or _("not run yet")

    @admin.display(description=_("result"))
    def result(self, obj):
        state = self._state(obj)
        return (state.summary if state else "") or obj.last_error
