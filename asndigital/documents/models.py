from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DocumentType(models.Model):
    """One kind of personnel document (SK CPNS, ijazah, ...): data, edited by national admins."""

    class Group(models.TextChoices):
        MAIN = "utama", _("Arsip Utama")
        CONDITIONAL = "kondisional", _("Arsip Kondisional")
        SUPPORTING = "pendukung", _("Pendukung")

    class Requirement(models.TextChoices):
        MANDATORY = "wajib", _("Mandatory")
        CONDITIONAL = "kondisional", _("When the event happened")

    class Multiplicity(models.TextChoices):
        SINGLE = "tunggal", _("One per employee")
        REPEATING = "berulang", _("Repeating (one per event)")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    group = models.CharField(_("group"), max_length=16, choices=Group.choices)
    siasn_code = models.PositiveIntegerField(
        _("SIASN code (id_ref_dokumen)"), null=True, blank=True, unique=True
    )
    # Employment types (CPNS, PNS, PPPK) the type applies to.
    applies_to = models.JSONField(_("applies to"), default=list)
    requirement = models.CharField(_("requirement"), max_length=16, choices=Requirement.choices)
    multiplicity = models.CharField(_("multiplicity"), max_length=16, choices=Multiplicity.choices)
    # [{"name": "nomor_sk", "type": "text"|"date"|"number", "required": true}, ...]
    metadata_fields = models.JSONField(_("metadata fields"), default=list, blank=True)
    allowed_formats = models.JSONField(_("allowed formats"), default=list)
    max_size_bytes = models.PositiveIntegerField(_("maximum size (bytes)"), default=2 * 1024 * 1024)
    is_sensitive = models.BooleanField(_("sensitive (UU 27/2022)"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(default=100)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("document type")
        verbose_name_plural = _("document types")
        ordering = ["group", "sort_order", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(max_size_bytes__gt=0), name="doctype_size_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    def applies_to_type(self, employment_type: str) -> bool:
        return employment_type in self.applies_to
