from django import forms
from django.contrib import admin

from asndigital.accounts import policies
from asndigital.core.admin_site import NationalModelAdmin
from asndigital.core.errors import DomainError
from asndigital.documents import services
from asndigital.documents.models import DocumentType


class DocumentTypeForm(forms.ModelForm):
    class Meta:
        model = DocumentType
        fields = ("code", *services.EDITABLE)

    def clean(self):
        cleaned = super().clean()
        try:
            services.clean_definition({k: cleaned[k] for k in services.EDITABLE if k in cleaned})
        except KeyError:
            pass  # a field already has its own error
        except DomainError as exc:
            raise forms.ValidationError(exc.message) from None
        return cleaned


@admin.register(DocumentType)
class DocumentTypeAdmin(NationalModelAdmin):
    """National admins edit the catalogue; saves go through the service (checked, audited)."""

    form = DocumentTypeForm

    list_display = (
        "name",
        "code",
        "group",
        "siasn_code",
        "requirement",
        "multiplicity",
        "is_active",
    )
    list_filter = ("group", "requirement", "is_active")
    search_fields = ("name", "code")
    fields = ("code", *services.EDITABLE)

    def has_add_permission(self, request) -> bool:
        return policies.can_use_django_admin(request.user)

    def has_change_permission(self, request, obj=None) -> bool:
        return policies.can_use_django_admin(request.user)

    def get_readonly_fields(self, request, obj=None):
        return ("code",) if obj else ()

    def save_model(self, request, obj, form, change):
        data = {key: getattr(obj, key) for key in services.EDITABLE}
        saved, _changed = services.upsert_document_type(
            actor=request.user, code=obj.code, data=data
        )
        obj.pk = saved.pk
