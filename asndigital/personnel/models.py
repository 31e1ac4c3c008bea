import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from asndigital.core.scoping import AgencyScopedQuerySet
from asndigital.personnel.nip import format_nip


class AgencyQuerySet(AgencyScopedQuerySet):
    """Agencies by what one may do in them (read, report, dashboard, manage_tokens)."""

    agency_path = "pk"


class Agency(models.Model):
    """An instansi: a central ministry/agency or a regional government."""

    class Kind(models.TextChoices):
        CENTRAL = "central", _("Central (instansi pusat)")
        REGIONAL = "regional", _("Regional (instansi daerah)")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    region_office = models.CharField(_("regional office (Kanreg)"), max_length=100, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """An organisational unit (unit organisasi), a tree inside one agency."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="units")
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children"
    )
    code = models.CharField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=255)

    class Meta:
        verbose_name = _("organisational unit")
        verbose_name_plural = _("organisational units")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "code"], name="uniq_unit_code_per_agency"),
            models.CheckConstraint(condition=~Q(parent=models.F("id")), name="unit_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name


class EmploymentType(models.TextChoices):
    CPNS = "CPNS", _("CPNS (candidate civil servant)")
    PNS = "PNS", _("PNS (civil servant)")
    PPPK = "PPPK", _("PPPK (contract civil servant)")


class EmployeeStatus(models.TextChoices):
    ACTIVE = "aktif", _("Active")
    CLTN = "cltn", _("Leave outside state liability (CLTN)")
    RETIRED = "pensiun", _("Retired")
    LEFT = "berhenti", _("Left the service")
    DECEASED = "meninggal", _("Deceased")


# Statuses after which the employee's account is kept but disabled.
DEPARTED_STATUSES = frozenset(
    {EmployeeStatus.RETIRED, EmployeeStatus.LEFT, EmployeeStatus.DECEASED}
)


class EmployeeQuerySet(AgencyScopedQuerySet):
    """``visible_to(user, action)``: "read" (personal page, dossier, files) or "report" (the
    missing-documents report); one's own record is always one's own to read."""

    owner_path = "user_id"


class Employee(models.Model):
    """A civil servant (PNS/CPNS) or contract civil servant (PPPK)."""

    class Sex(models.TextChoices):
        MALE = "L", _("Male")
        FEMALE = "P", _("Female")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # Unique through Meta.constraints (one index; unique=True would add a LIKE index on
    # PostgreSQL). Prefix search uses a range over this index instead: see selectors.
    nip = models.CharField(_("NIP / NI PPPK"), max_length=18)
    nip_lama = models.CharField(_("old NIP"), max_length=9, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="employee",
    )
    front_title = models.CharField(_("front title"), max_length=60, blank=True)
    name = models.CharField(_("name"), max_length=200)
    back_title = models.CharField(_("back title"), max_length=80, blank=True)
    employment_type = models.CharField(
        _("employment type"), max_length=8, choices=EmploymentType.choices
    )
    birth_date = models.DateField(_("birth date"))
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    appointed_on = models.DateField(_("appointment date (TMT)"))
    # No separate index: the composite indexes below all start with agency (cheaper imports).
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="employees", db_index=False
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, null=True, blank=True, related_name="employees"
    )
    rank = models.CharField(_("rank / grade (golongan)"), max_length=16, blank=True)
    position = models.CharField(_("position (jabatan)"), max_length=255, blank=True)
    email = models.EmailField(_("registered e-mail"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=EmployeeStatus.choices, default=EmployeeStatus.ACTIVE
    )
    status_on = models.DateField(_("status effective date"))
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)
    # The import's fingerprint of the row it last applied, of what that row resolved to and of
    # updated_at (personnel.importer.row_digest): a nightly row with the same fingerprint is
    # skipped unread. Any other change bumps updated_at, so the fingerprint stops matching
    # without its writers knowing about it. Null: no import wrote it yet.
    import_digest = models.BigIntegerField(null=True, blank=True, editable=False)

    objects = EmployeeQuerySet.as_manager()

    class Meta:
        verbose_name = _("employee")
        verbose_name_plural = _("employees")
        ordering = ["name", "nip"]
        indexes = [
            models.Index(fields=["agency", "name"], name="employee_agency_name"),
            models.Index(fields=["agency", "unit", "status"], name="employee_agency_unit_status"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["nip"], name="employee_nip_unique"),
            models.CheckConstraint(
                condition=Q(nip__regex=r"^[0-9]{18}$"), name="employee_nip_18_digits"
            ),
            models.CheckConstraint(
                condition=Q(employment_type__in=EmploymentType.values), name="employee_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=EmployeeStatus.values), name="employee_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.nip})"

    @property
    def display_name(self) -> str:
        name = self.name
        if self.front_title:
            name = f"{self.front_title} {name}"
        if self.back_title:
            name = f"{name}, {self.back_title}"
        return name

    @property
    def nip_grouped(self) -> str:
        return format_nip(self.nip)

    @property
    def is_departed(self) -> bool:
        return self.status in DEPARTED_STATUSES


class EmployeeStatusEvent(models.Model):
    """History of an employee's status: these events will drive retention later."""

    # Indexed by (employee, effective_on) below.
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="status_events", db_index=False
    )
    status = models.CharField(_("status"), max_length=16, choices=EmployeeStatus.choices)
    effective_on = models.DateField(_("effective date"))
    recorded_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(_("source"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("status event")
        verbose_name_plural = _("status events")
        ordering = ["-effective_on", "-recorded_at"]
        indexes = [models.Index(fields=["employee", "effective_on"], name="status_event_employee")]

    def __str__(self) -> str:
        return f"{self.status} {self.effective_on:%d-%m-%Y}"

    @property
    def source_label(self) -> str:
        return source_label(self.source)


SOURCE_LABELS = {
    "import": _("Employee import"),
    "manual": _("Changed by hand"),
    "transfer": _("Transfer between agencies"),
    "seed_demo": _("Demo data"),
}


def source_label(code: str) -> str:
    """Where a status or a change came from, in words (an unknown code as it is)."""
    return str(SOURCE_LABELS.get(code, code))


class EmployeeChange(models.Model):
    """What changed on an employee record, field by field (``{"field": [old, new]}``)."""

    # Indexed by (employee, changed_at) below.
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="changes", db_index=False
    )
    changed_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(_("source"), max_length=32)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changes = models.JSONField(_("changes"))

    class Meta:
        verbose_name = _("employee change")
        verbose_name_plural = _("employee changes")
        ordering = ["-changed_at"]
        indexes = [models.Index(fields=["employee", "changed_at"], name="employee_change_employee")]

    def __str__(self) -> str:
        return f"{self.changed_at:%Y-%m-%d %H:%M} {', '.join(self.changes)}"

    @property
    def source_label(self) -> str:
        return source_label(self.source)


class CorrectionRequestQuerySet(AgencyScopedQuerySet):
    """Requests by the agency that answers them; the employee always sees their own."""

    agency_path = "agency_id"
    owner_path = "employee__user_id"


class CorrectionStatus(models.TextChoices):
    """A correction request's status (``CorrectionRequest.Status``); at module level so that
    ``Meta``'s constraints can name it."""

    OPEN = "terbuka", _("Waiting for the agency")
    CORRECTED = "diperbaiki", _("Corrected")
    REFUSED = "ditolak", _("Refused")


class CorrectionSubject(models.TextChoices):
    """What a correction request is about (``CorrectionRequest.Subject``)."""

    DOCUMENT = "dokumen", _("A document")
    NAME = "nama", _("Name and titles")
    BIRTH_DATE = "tanggal_lahir", _("Birth date")
    SEX = "jenis_kelamin", _("Sex")
    EMPLOYMENT_TYPE = "jenis_pegawai", _("Employment type")
    APPOINTED_ON = "tmt", _("Appointment date (TMT)")
    RANK = "golongan", _("Rank / grade")
    POSITION = "jabatan", _("Position")
    UNIT = "unit", _("Unit")
    STATUS = "status", _("Employment status")
    OTHER = "lainnya", _("Something else")


class CorrectionRequest(models.Model):
    """“Ajukan perbaikan”: an employee says that a document or a field of their record is wrong.

    It lands in the worklist of the employee's agency (``agency``, fixed when it is made), which
    answers once: corrected (with a note) or refused (with a reason). The attachment, when
    given, is checked and stored like a document's file (encrypted with its own key).
    ``personnel.corrections`` is the only writer."""

    Status = CorrectionStatus
    Subject = CorrectionSubject

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    employee = models.ForeignKey(
        Employee, on_delete=models.PROTECT, related_name="correction_requests"
    )
    # Indexed by (agency, status, created_at) below.
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+", db_index=False)
    subject = models.CharField(_("what is wrong"), max_length=16, choices=Subject.choices)
    document = models.ForeignKey(
        "documents.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="correction_requests",
    )
    note = models.TextField(_("what should it be"), max_length=1000)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.OPEN
    )
    answer = models.TextField(_("answer"), max_length=1000, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)
    # The optional supporting file, stored like a document version's (documents.storage).
    attachment_key = models.CharField(max_length=200, blank=True, editable=False)
    attachment_name = models.CharField(max_length=120, blank=True)
    attachment_media_type = models.CharField(max_length=64, blank=True)
    attachment_size = models.PositiveBigIntegerField(default=0)
    attachment_sha256 = models.CharField(max_length=64, blank=True)
    attachment_sealed_key = models.BinaryField(null=True, blank=True, editable=False)

    objects = CorrectionRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("correction request")
        verbose_name_plural = _("correction requests")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["agency", "status", "created_at"], name="correction_agency_status"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=CorrectionStatus.values),
                name="correction_status_valid",
            ),
            models.CheckConstraint(condition=~Q(note=""), name="correction_has_note"),
            # A request about a document names it; one about a field of the record does not.
            models.CheckConstraint(
                condition=(Q(subject=CorrectionSubject.DOCUMENT) & Q(document__isnull=False))
                | (~Q(subject=CorrectionSubject.DOCUMENT) & Q(document__isnull=True)),
                name="correction_document_iff_subject_document",
            ),
            # Open: nobody answered yet. Answered: by someone, when, and with words.
            models.CheckConstraint(
                condition=(
                    Q(
                        status=CorrectionStatus.OPEN,
                        answered_at__isnull=True,
                        answered_by__isnull=True,
                    )
                    & Q(answer="")
                )
                | (
                    ~Q(status=CorrectionStatus.OPEN)
                    & Q(answered_at__isnull=False, answered_by__isnull=False)
                    & ~Q(answer="")
                ),
                name="correction_answered_iff_closed",
            ),
            models.CheckConstraint(
                condition=Q(attachment_key="") | Q(attachment_sha256__regex=r"^[0-9a-f]{64}$"),
                name="correction_attachment_has_hash",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_subject_display()} · {self.employee_id}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    @property
    def age_days(self) -> int:
        return (timezone.now() - self.created_at).days
