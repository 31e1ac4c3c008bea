from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from asndigital.core.scoping import AgencyScopedQuerySet


class FixityRun(models.Model):
    """One pass of re-hashing stored files (all of them, or a sample)."""

    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    scope = models.CharField(max_length=32)  # "all" or "sample:<n>"
    checked = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    bytes_read = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("fixity run")
        verbose_name_plural = _("fixity runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"fixity {self.started_at:%Y-%m-%d %H:%M} {self.checked}/{self.failed}"


class FixityCheck(models.Model):
    """The result of re-hashing one stored version."""

    class Outcome(models.TextChoices):
        OK = "ok", _("intact")
        MISMATCH = "mismatch", _("changed (hash differs)")
        MISSING = "missing", _("missing")
        # The database's copy of the fingerprint no longer says what the audit trail recorded
        # at upload: the hash column was changed (the file is checked against the trail's).
        RECORD_CHANGED = "record_changed", _("fingerprint in the database changed")

    run = models.ForeignKey(FixityRun, on_delete=models.PROTECT, related_name="checks")
    version = models.ForeignKey(
        "documents.DocumentVersion", on_delete=models.PROTECT, related_name="fixity_checks"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    observed_sha256 = models.CharField(max_length=64, blank=True)
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("fixity check")
        verbose_name_plural = _("fixity checks")
        indexes = [models.Index(fields=["version", "-checked_at"], name="fixity_version_latest")]

    def __str__(self) -> str:
        return f"{self.version_id} {self.outcome}"


class RetentionSchedule(models.Model):
    """A row of the retention schedule (JRA): how long a record series stays active and
    inactive, counted from which trigger, and what happens then. National admins edit them.

    ``series`` is ``berkas-perseorangan`` (the personal file, i.e. the whole dossier) or a
    document type's code; a document type without its own row goes into the personal file.
    """

    class Trigger(models.TextChoices):
        DOCUMENT_DATE = "tanggal_dokumen", _("the document's date")
        SEPARATION = "berhenti_bekerja", _("retirement, leaving or death")
        RETIREMENT = "pensiun", _("retirement (pensiun)")
        LEAVING = "berhenti", _("leaving the service (berhenti)")
        DEATH = "meninggal", _("death (meninggal)")
        CLTN_END = "akhir_cltn", _("the end of CLTN")

    class Disposition(models.TextChoices):
        DESTROY = "musnah", _("Destroy (Musnah)")
        PERMANENT = "permanen", _("Keep permanently (Permanen)")
        REAPPRAISE = "dinilai_kembali", _("Appraise again (Dinilai Kembali)")
        PERSONAL_FILE = (
            "berkas_perseorangan",
            _("Into the personal file (Masuk Berkas Perseorangan)"),
        )

    series = models.SlugField(_("record series"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    active_years = models.PositiveSmallIntegerField(_("active retention (years)"))
    inactive_years = models.PositiveSmallIntegerField(_("inactive retention (years)"))
    trigger = models.CharField(_("counted from"), max_length=20, choices=Trigger.choices)
    disposition = models.CharField(
        _("final disposition"), max_length=24, choices=Disposition.choices
    )
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("retention schedule")
        verbose_name_plural = _("retention schedules (JRA)")
        ordering = ["series"]

    def __str__(self) -> str:
        return self.name


class RetentionScheduleChange(models.Model):
    """The history of a schedule row: who changed what, from what, to what."""

    schedule = models.ForeignKey(
        RetentionSchedule, on_delete=models.PROTECT, related_name="changes"
    )
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-changed_at", "-id"]

    def __str__(self) -> str:
        return f"{self.schedule_id} {self.changed_at:%Y-%m-%d}"


class LegalHoldQuerySet(AgencyScopedQuerySet):
    """Holds are seen by whoever reads the employee's records."""

    agency_path = "employee__agency_id"


class LegalHold(models.Model):
    """A hold on a whole dossier or on one document: while it stands, nothing held may be
    destroyed, replaced or changed, by anyone."""

    employee = models.ForeignKey(
        "personnel.Employee", on_delete=models.PROTECT, related_name="legal_holds"
    )
    document = models.ForeignKey(
        "documents.Document",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="legal_holds",
    )
    reason = models.CharField(_("reason"), max_length=500)
    placed_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(default=timezone.now)
    lifted_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.CharField(_("reason for lifting"), max_length=500, blank=True)

    objects = LegalHoldQuerySet.as_manager()

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["-placed_at"]
        indexes = [models.Index(fields=["employee", "lifted_at"], name="hold_employee_active")]

    def __str__(self) -> str:
        return f"hold {self.employee_id} {self.document_id or 'dossier'}"

    @property
    def is_active(self) -> bool:
        return self.lifted_at is None


class DestructionProposalQuerySet(AgencyScopedQuerySet):
    """Proposals are followed by their agency's records officers, admins and auditors."""

    agency_path = "agency_id"


class DestructionProposal(models.Model):
    """A list of records proposed for destruction (Daftar Arsip Usul Musnah) and its way
    through appraisal, approval and execution; each step by a different person."""

    class Status(models.TextChoices):
        DRAFT = "draf", _("Draft")
        SUBMITTED = "diajukan", _("Submitted for appraisal")
        APPRAISED = "dinilai", _("Appraised")
        APPROVED = "disetujui", _("Approved")
        EXECUTED = "dilaksanakan", _("Executed")

    agency = models.ForeignKey("personnel.Agency", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    appraised_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    appraised_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    # The national archive's approval letter, needed when an item's inactive retention is 10
    # years or more (docs/domain.md §6; threshold unconfirmed).
    anri_letter_key = models.CharField(max_length=200, blank=True)
    anri_letter_sha256 = models.CharField(max_length=64, blank=True)
    anri_letter_number = models.CharField(max_length=100, blank=True)
    witnesses = models.JSONField(default=list, blank=True)
    executed_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    executed_at = models.DateTimeField(null=True, blank=True)
    # The destruction record (berita acara): a PDF kept permanently, verifiable online.
    record_key = models.CharField(max_length=200, blank=True)
    record_sha256 = models.CharField(max_length=64, blank=True)
    verification_code = models.CharField(
        max_length=32, unique=True, null=True, blank=True, editable=False
    )

    objects = DestructionProposalQuerySet.as_manager()

    class Meta:
        verbose_name = _("destruction proposal")
        verbose_name_plural = _("destruction proposals")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def needs_anri_letter(self) -> bool:
        return self.items.filter(inactive_years__gte=10).exists()


class DestructionItem(models.Model):
    """One document in a proposal, with the appraiser's opinion and its fate."""

    class Opinion(models.TextChoices):
        PENDING = "", _("not yet appraised")
        DESTROY = "musnah", _("destroy")
        KEEP = "simpan", _("keep")

    class Outcome(models.TextChoices):
        PENDING = "", _("not yet executed")
        DESTROYED = "dimusnahkan", _("destroyed")
        KEPT = "disimpan", _("kept")
        HELD = "ditahan", _("excluded: under a legal hold")

    proposal = models.ForeignKey(
        DestructionProposal, on_delete=models.PROTECT, related_name="items"
    )
    document = models.ForeignKey(
        "documents.Document", on_delete=models.PROTECT, related_name="destruction_items"
    )
    inactive_years = models.PositiveSmallIntegerField(default=0)
    opinion = models.CharField(max_length=8, choices=Opinion.choices, blank=True)
    opinion_note = models.CharField(max_length=300, blank=True)
    outcome = models.CharField(max_length=12, choices=Outcome.choices, blank=True)
    # What was destroyed, kept for the record: [{"version": n, "sha256": ..., "size": ...}]
    hashes = models.JSONField(default=list, blank=True)
    executed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "document"], name="destruction_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}: {self.document_id}"


class Transfer(models.Model):
    """An employee moved to another agency (mutasi / pindah instansi) with the whole dossier."""

    employee = models.ForeignKey(
        "personnel.Employee", on_delete=models.PROTECT, related_name="transfers"
    )
    from_agency = models.ForeignKey("personnel.Agency", on_delete=models.PROTECT, related_name="+")
    to_agency = models.ForeignKey("personnel.Agency", on_delete=models.PROTECT, related_name="+")
    effective_on = models.DateField(_("effective date"))
    sk_document = models.ForeignKey(
        "documents.Document", on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-effective_on", "-created_at"]

    def __str__(self) -> str:
        return f"{self.employee_id}: {self.from_agency_id} → {self.to_agency_id}"
