from django.contrib import admin

from asndigital.accounts import policies
from asndigital.core.admin_site import NationalModelAdmin
from asndigital.personnel import services
from asndigital.personnel.models import Agency, Employee, Unit


@admin.register(Agency)
class AgencyAdmin(NationalModelAdmin):
    list_display = ("code", "name", "kind", "region_office")
    search_fields = ("code", "name")
    list_filter = ("kind",)
    fields = ("code", "name", "kind", "region_office")

    def has_add_permission(self, request) -> bool:
        return policies.can_use_django_admin(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return policies.can_use_django_admin(request.user)

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()

    def save_model(self, request, obj, form, change):
        saved = services.upsert_agency(
            actor=request.user,
            code=obj.code,
            name=obj.name,
            kind=obj.kind,
            region_office=obj.region_office,
        )
        obj.pk = saved.pk


@admin.register(Unit)
class UnitAdmin(NationalModelAdmin):
    list_display = ("code", "name", "agency", "parent")
    search_fields = ("code", "name", "agency__code")
    list_select_related = ("agency", "parent")
    raw_id_fields = ("agency", "parent")


@admin.register(Employee)
class EmployeeAdmin(NationalModelAdmin):
    """Read-only: employees come from SIASN imports; corrections go through the services."""

    list_display = ("nip", "name", "employment_type", "agency", "status")
    search_fields = ("nip", "name")
    list_filter = ("employment_type", "status")
    list_select_related = ("agency",)
    show_full_result_count = False
