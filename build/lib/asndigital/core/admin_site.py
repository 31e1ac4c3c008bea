"""The Django admin, for national administrators (BKN) only, behind the normal login."""

from django.contrib import admin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from asndigital.accounts import policies


class ASNAdminSite(admin.AdminSite):
    site_header = _("ASN Digital administration")
    site_title = _("ASN Digital administration")
    index_title = _("National administration (BKN)")

    def has_permission(self, request) -> bool:
        return policies.can_use_django_admin(request.user)

    def login(self, request, extra_context=None):
        if request.user.is_authenticated:
            # Signed in but not a national admin: the admin does not exist for them.
            raise Http404
        # One login for everything (and, with MFA, one second factor): the site's own.
        query = urlencode({"next": request.GET.get("next", reverse("admin:index"))})
        return redirect(f"{reverse('accounts:login')}?{query}")

    def password_change(self, request, extra_context=None):
        # One way to change a password: the site's own, which also asks for a current code,
        # mails the person and records the change in the audit trail (Django's form does none).
        return redirect("accounts:password_change")


class NationalModelAdmin(admin.ModelAdmin):
    """Visible to national admins; writes only where a subclass routes them through a service."""

    def has_module_permission(self, request) -> bool:
        return policies.can_use_django_admin(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return policies.can_use_django_admin(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
