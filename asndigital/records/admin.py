from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _

from asndigital.accounts import policies
from asndigital.core.admin_site import NationalModelAdmin
from asndigital.core.errors import DomainError
from asndigital.documents.models import DocumentType
from asndigital.records import services
from asndigital.records.models import FixityRun, LegalHold, RetentionSchedule


class RetentionScheduleForm(forms.ModelForm):
    class Meta:
        model = RetentionSchedule
        fields = ("series", *services.EDITABLE)

    def clean_series(self):
        series = self.cleaned_data["series"]
        if self.instance.pk is None and not DocumentType.objects.filter(code=series).exists():
            raise forms.ValidationError(
                _("The archive series is a document type's code (for example realisasi-skp).")
            )
        return series


@admin.register(RetentionSchedule)
class RetentionScheduleAdmin(NationalModelAdmin):
    """National admins edit the retention schedule (JRA); saves go through the service, which
    keeps the history and audits them."""

    form = RetentionScheduleForm
    list_display = ("name", "series", "active_years", "inactive_years", "trigger", "disposition")

    def has_add_permission(self, request) -> bool:
        return policies.can_edit_retention(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return policies.can_edit_retention(request.user)

    def get_readonly_fields(self, request, obj=None):
        return ("series",) if obj else ()

    def save_model(self, request, obj, form, change):
        data = {key: form.cleaned_data[key] for key in services.EDITABLE}
        try:
            if change:
                saved = services.update_schedule(actor=request.user, schedule=obj, data=data)
            else:
                saved = services.create_schedule(actor=request.user, series=obj.series, data=data)
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None
        obj.pk = saved.pk


@admin.register(LegalHold)
class LegalHoldAdmin(NationalModelAdmin):
    list_display = ("employee", "document", "reason", "placed_at", "lifted_at")
    list_filter = ("lifted_at",)


@admin.register(FixityRun)
class FixityRunAdmin(NationalModelAdmin):
    list_display = ("started_at", "scope", "checked", "failed", "finished_at")
