from django.contrib import admin

from asndigital.accounts import policies, services
from asndigital.accounts.models import RoleAssignment, User
from asndigital.core.admin_site import NationalModelAdmin


class RoleInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    fields = ("role", "agency", "granted_at", "granted_by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class UserAdmin(NationalModelAdmin):
    list_display = ("username", "full_name", "is_active", "last_login")
    search_fields = ("username", "full_name")
    list_filter = ("is_active",)
    exclude = ("password", "user_permissions", "groups")
    inlines = [RoleInline]


@admin.register(RoleAssignment)
class RoleAssignmentAdmin(NationalModelAdmin):
    list_display = ("user", "role", "agency", "granted_at")
    list_filter = ("role",)
    search_fields = ("user__username",)
    raw_id_fields = ("user", "agency")
    fields = ("user", "role", "agency")

    def has_add_permission(self, request) -> bool:
        return policies.can_use_django_admin(request.user)

    def has_delete_permission(self, request, obj=None) -> bool:
        return policies.can_use_django_admin(request.user)

    def save_model(self, request, obj, form, change):
        saved = services.grant_role(
            actor=request.user, user=obj.user, role=obj.role, agency=obj.agency
        )
        obj.pk = saved.pk

    def delete_model(self, request, obj):
        services.revoke_role(actor=request.user, assignment=obj)

    def delete_queryset(self, request, queryset):
        for assignment in queryset:
            services.revoke_role(actor=request.user, assignment=assignment)
