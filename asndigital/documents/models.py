import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from asndigital.core.scoping import AgencyScopedQuerySet
from asndigital.documents import encryption


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
    # Issued with an electronic signature (TTE, e.g. BSrE-certified): the checklist says when an
    # uploaded file lacks a valid, trusted one.
    requires_trusted_signature = models.BooleanField(
        _("requires a valid trusted electronic signature"), default=False
    )
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


class DocumentQuerySet(AgencyScopedQuerySet):
    """Documents are read by whoever reads their employee; one's own dossier is one's own."""

    agency_path = "employee__agency_id"
    owner_path = "employee__user_id"


class DocumentStatus(models.TextChoices):
    """A document's status (``Document.Status``); at module level so that ``Meta`` can name it."""

    WAITING = "menunggu", _("Waiting for verification")
    ACCEPTED = "diterima", _("Accepted (DITERIMA)")
    REJECTED = "ditolak", _("Rejected (DITOLAK)")
    DESTROYED = "dimusnahkan", _("Destroyed (a tombstone remains)")


class Document(models.Model):
    """One document of one employee (one SK, one ijazah...), with its versions and history."""

    Status = DocumentStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    employee = models.ForeignKey(
        "personnel.Employee", on_delete=models.PROTECT, related_name="documents"
    )
    doc_type = models.ForeignKey(DocumentType, on_delete=models.PROTECT, related_name="documents")
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.WAITING
    )
    current_version = models.ForeignKey(
        "DocumentVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    objects = DocumentQuerySet.as_manager()

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [
            # On PostgreSQL it also carries the status, so the missing-documents report reads
            # an employee's mandatory documents from the index alone (documents/report.py;
            # SQLite ignores INCLUDE).
            models.Index(
                fields=["employee", "doc_type"],
                name="document_employee_type_status",
                include=["status"],
            ),
            # The verifier's queue (documents/queue.py): waiting documents, oldest first. Small
            # (only the waiting ones), and read in order, so a page needs no sort; on
            # PostgreSQL it also carries the employee and the type, so the queue's counts read
            # the index alone (bench/queue.py; SQLite ignores INCLUDE).
            models.Index(
                fields=["updated_at", "id"],
                name="document_waiting_since",
                condition=Q(status=DocumentStatus.WAITING),
                include=["employee", "doc_type"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.doc_type} · {self.employee_id}"


class SignatureState(models.TextChoices):
    """What a check of a version's signatures found (``SignatureReport.State``, and the newest
    one on ``DocumentVersion.signature_state``)."""

    VALID = "valid", _("Valid and trusted")
    UNTRUSTED = "untrusted", _("Valid, but the root is not trusted")
    EXPIRED = "expired", _("Certificate expired or not yet valid")
    REVOKED = "revoked", _("Certificate revoked")
    MODIFIED = "modified", _("Changed after signing")
    BROKEN = "broken", _("Signature broken")
    UNSIGNED = "unsigned", _("Not signed")
    UNCHECKED = "unchecked", _("Could not be checked")


class DocumentVersion(models.Model):
    """An immutable original: the bytes under ``storage_key`` never change after upload."""

    class Source(models.TextChoices):
        SCAN = "scan", _("Scanned paper (alih media)")
        DIGITAL = "digital", _("Born digital")

    class ThumbnailState(models.TextChoices):
        PENDING = "pending", _("being made")
        READY = "ready", _("ready")
        FAILED = "failed", _("not available")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField()
    storage_key = models.CharField(max_length=200, unique=True)
    sha256 = models.CharField(max_length=64, db_index=True)
    size = models.PositiveBigIntegerField()
    media_type = models.CharField(max_length=64)
    page_count = models.PositiveIntegerField()
    original_name = models.CharField(max_length=120)
    source = models.CharField(max_length=16, choices=Source.choices)
    metadata = models.JSONField(default=dict)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    # Encryption at rest (documents/encryption.py): the version's data key, sealed by the master
    # keyring; destroying it makes every copy of the file unreadable. ``stored_sha256`` is the
    # hash of the bytes as stored (fixity checks them without any key).
    is_encrypted = models.BooleanField(default=False)
    sealed_key = models.BinaryField(null=True, blank=True, editable=False)
    stored_sha256 = models.CharField(max_length=64, blank=True, editable=False)
    # Issued when this version is accepted: the key of its public verification page. Random
    # (120 bits), so it can be neither guessed nor enumerated.
    verification_code = models.CharField(
        max_length=32, unique=True, null=True, blank=True, editable=False
    )
    accepted_at = models.DateTimeField(null=True, blank=True)
    # Set when the version was destroyed: its file, preview and data key are gone; this row
    # stays as the tombstone (what it was, its hashes, who uploaded it).
    destroyed_at = models.DateTimeField(null=True, blank=True)
    # A first-page preview made in the background (a PNG under thumbnails/).
    thumbnail_state = models.CharField(
        max_length=16, choices=ThumbnailState.choices, default=ThumbnailState.PENDING
    )
    # The state of the newest SignatureReport ("" until the first check has run): kept here so
    # lists and the checklist need no extra query; the reports themselves are the evidence.
    SignatureState = SignatureState
    signature_state = models.CharField(
        max_length=16, blank=True, default="", choices=SignatureState.choices
    )

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["document", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="version_number_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.document_id} v{self.number}"

    def data_key(self) -> bytes | None:
        """The key that decrypts this version's file (None: stored in plain)."""
        if not self.is_encrypted:
            return None
        if self.sealed_key is None:
            raise encryption.KeyDestroyed(f"the data key of version {self.pk} was destroyed")
        return encryption.open_key(bytes(self.sealed_key), self.pk)

    @property
    def thumbnail_key(self) -> str:
        return f"thumbnails/{self.document.employee_id}/{self.pk}.png"

    @property
    def verification_code_display(self) -> str:
        code = self.verification_code or ""
        return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


class DocumentEvent(models.Model):
    """Every transition of a document, kept (uploaded, replaced, accepted, rejected...)."""

    class Kind(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        REPLACED = "replaced", _("Replaced by a new version")
        ACCEPTED = "accepted", _("Accepted (DITERIMA)")
        REJECTED = "rejected", _("Rejected (DITOLAK)")
        METADATA_COMPLETED = "metadata_completed", _("Details filled in")
        DESTROYED = "destroyed", _("Destroyed")

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="events")
    version = models.ForeignKey(
        DocumentVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices)
    reason = models.TextField(blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d %H:%M}"


class PendingUpload(models.Model):
    """A file the upload page received with a form it had to send back (a field to fix, a
    confirmation to give), held encrypted for a short while so the retry need not send it
    again. Only its owner can use it, only for the same employee and type, only through the
    upload service (documents/pending.py); it is never a record of the archive."""

    class Purpose(models.TextChoices):
        RETRY = "retry", _("a form sent back")
        PROPOSAL = "proposal", _("a bulk file matched by its text")

    class State(models.TextChoices):
        READING = "reading", _("being read")
        PROPOSED = "proposed", _("proposed")
        UNMATCHED = "unmatched", _("not matched")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # A bulk file whose name says neither (documents/matching.py) learns them from its text, and
    # the operator may change them before confirming.
    employee = models.ForeignKey(
        "personnel.Employee", on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    doc_type = models.ForeignKey(
        DocumentType, on_delete=models.CASCADE, related_name="+", null=True, blank=True
    )
    purpose = models.CharField(max_length=16, choices=Purpose.choices, default=Purpose.RETRY)
    state = models.CharField(max_length=16, choices=State.choices, blank=True)
    note = models.CharField(max_length=300, blank=True)  # why a proposal is not matched
    media_type = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=16, blank=True)  # scan or digital, as the batch said
    storage_key = models.CharField(max_length=200, unique=True)
    sealed_key = models.BinaryField(editable=False)
    sha256 = models.CharField(max_length=64)
    size = models.PositiveBigIntegerField()
    original_name = models.CharField(max_length=120)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("file held for a retry")
        verbose_name_plural = _("files held for a retry")
        indexes = [models.Index(fields=["owner", "created_at"], name="pending_owner_created")]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.owner_id})"


class SignatureReport(models.Model):
    """What one check of a version's electronic signatures found (documents/signatures.py).

    Evidence, so append-only: a later check adds a report, none is ever changed or deleted."""

    State = SignatureState

    class Occasion(models.TextChoices):
        UPLOAD = "upload", _("at upload")
        REVALIDATION = "revalidation", _("checked again")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    version = models.ForeignKey(
        DocumentVersion, on_delete=models.PROTECT, related_name="signature_reports"
    )
    state = models.CharField(max_length=16, choices=State.choices)
    occasion = models.CharField(max_length=16, choices=Occasion.choices)
    signature_count = models.PositiveSmallIntegerField(default=0)
    signer = models.CharField(max_length=200, blank=True)  # the first signer, for short lists
    # The earliest end of validity among the signers' certificates; whether any signature was
    # checked without revocation data (the file carried none): what re-validation looks for.
    certificate_expires_at = models.DateTimeField(null=True, blank=True)
    lacks_validation_data = models.BooleanField(default=False)
    trust_store = models.CharField(max_length=64, blank=True)  # SHA-256 of the roots used
    report = models.JSONField(default=dict)
    checked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("signature report")
        verbose_name_plural = _("signature reports")
        ordering = ["version", "-checked_at"]
        indexes = [
            models.Index(fields=["version", "-checked_at"], name="sigreport_version_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.version_id} {self.state} {self.checked_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValueError("signature reports are append-only: add a new one")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("signature reports are append-only")

    @property
    def signatures(self) -> list[dict]:
        return list(self.report.get("signatures") or [])


class ReasonTemplateQuerySet(AgencyScopedQuerySet):
    """An agency's reasons for rejection, read by its verifiers and kept by its admins."""

    agency_path = "agency_id"


class ReasonTemplate(models.Model):
    """A reason for rejection an agency reuses ("Dokumen tidak terbaca"): one click for the
    verifier, the same words for every employee."""

    agency = models.ForeignKey(
        "personnel.Agency", on_delete=models.CASCADE, related_name="reason_templates"
    )
    text = models.CharField(_("reason"), max_length=500)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = ReasonTemplateQuerySet.as_manager()

    class Meta:
        verbose_name = _("reason template")
        verbose_name_plural = _("reason templates")
        ordering = ["text"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "text"], name="reason_template_unique"),
        ]

    def __str__(self) -> str:
        return self.text


class QueueClaim(models.Model):
    """One verifier is looking at one waiting document until ``expires_at``: others' "next"
    skips it and their decision is refused. A row, not process memory, so that it holds across
    every app process; taken and renewed with conditional writes (documents/queue_services.py).
    """

    document = models.OneToOneField(
        Document, on_delete=models.CASCADE, primary_key=True, related_name="claim"
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    claimed_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        verbose_name = _("queue claim")
        verbose_name_plural = _("queue claims")

    def __str__(self) -> str:
        return f"{self.document_id} · {self.claimed_by_id}"


class VersionText(models.Model):
    """The text read from one version (``textract``): encrypted with the version's data key, so
    destroying the version's key destroys its text too; this row goes with the version."""

    class State(models.TextChoices):
        PENDING = "pending", _("being read")
        READY = "ready", _("text available")
        NONE = "tanpa_teks", _("no text (tanpa teks)")

    version = models.OneToOneField(
        DocumentVersion, on_delete=models.CASCADE, primary_key=True, related_name="text"
    )
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    method = models.CharField(max_length=16, blank=True)  # layer, ocr, layer+ocr
    reason = models.CharField(max_length=32, blank=True)  # textract.REASONS, when no text
    pages = models.PositiveIntegerField(default=0)
    confidence = models.FloatField(null=True, blank=True)
    sealed_text = models.BinaryField(null=True, blank=True, editable=False)
    made_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.version_id} {self.state}"


class SearchEntry(models.Model):
    """What full-text search matches for one version: keyed hashes of its normalised words, in
    order (``search.terms``), never the words themselves (docs/documents.md, "Search")."""

    version = models.OneToOneField(
        DocumentVersion, on_delete=models.CASCADE, related_name="search_entry"
    )
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    terms = models.TextField()

    def __str__(self) -> str:
        return f"search {self.version_id}"
