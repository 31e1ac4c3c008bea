from django.contrib import admin

from asndigital.audit.models import AuditEvent
from asndigital.core.admin_site import NationalModelAdmin


@admin.register(AuditEvent)
class AuditEventAdmin(NationalModelAdmin):
    list_display = ("occurred_at", "action", "actor", "target_type", "target_id")
    list_filter = ("action",)
    search_fields = ("action", "target_id")
    show_full_result_count = False
