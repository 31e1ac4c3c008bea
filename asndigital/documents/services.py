"""Changes to the document catalogue. The only writer of DocumentType."""

from __future__ import annotations

import json
import logging
import math
import re
import secrets
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asndigital.accounts import policies
from asndigital.audit.services import record
from asndigital.core.dates import DateInputError, parse_date
from asndigital.core.errors import DomainError, NotFound
from asndigital.documents.models import DocumentEvent, DocumentType
from asndigital.personnel.models import EmploymentType
from asndigital.records.services import refuse_if_held

logger = logging.getLogger(__name__)
CATALOGUE = Path(__file__).with_name("catalogue.json")
# Control characters (C0, DEL, C1) and the bidirectional overrides and isolates that make text
# show in another order than it is stored ("Trojan Source"): never part of a decree's number.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
FIELD_TYPES = frozenset({"text", "date", "number"})
FORMATS = frozenset({"pdf", "jpg", "png"})
EDITABLE = (
    "name",
    "group",
    "siasn_code",
    "applies_to",
    "requirement",
    "multiplicity",
    "metadata_fields",
    "allowed_formats",
    "max_size_bytes",
    "is_sensitive",
    "requires_trusted_signature",
    "is_active",
    "sort_order",
)


def clean_definition(data: dict[str, Any]) -> dict[str, Any]:
    """Check one type's definition; raise DomainError with a reason for people."""
    if data["group"] not in DocumentType.Group.values:
        raise DomainError(_("Unknown group: %(value)s.") % {"value": data["group"]})
    if data["requirement"] not in DocumentType.Requirement.values:
        raise DomainError(_("Unknown requirement: %(value)s.") % {"value": data["requirement"]})
    if data["multiplicity"] not in DocumentType.Multiplicity.values:
        raise DomainError(_("Unknown multiplicity: %(value)s.") % {"value": data["multiplicity"]})
    applies = list(data["applies_to"])
    if not applies or any(t not in EmploymentType.values for t in applies):
        raise DomainError(_("Applies to must list CPNS, PNS and/or PPPK."))
    formats = list(data["allowed_formats"])
    if not formats or any(f not in FORMATS for f in formats):
        raise DomainError(_("Allowed formats are pdf, jpg and png."))
    names = set()
    for spec in data["metadata_fields"]:
        if spec.get("type") not in FIELD_TYPES or not spec.get("name") or spec["name"] in names:
            raise DomainError(
                _("Each metadata field needs a unique name and a type (text, date or number).")
            )
        names.add(spec["name"])
    if int(data["max_size_bytes"]) <= 0:
        raise DomainError(_("The maximum size must be positive."))
    return {**data, "applies_to": applies, "allowed_formats": formats}


@transaction.atomic
def upsert_document_type(*, actor, code: str, data: dict[str, Any]) -> tuple[DocumentType, bool]:
    """Create the type with this code or bring it up to date; (type, whether anything changed)."""
    if actor is not None:
        policies.require(policies.can_use_django_admin(actor))
    data = clean_definition({k: data[k] for k in EDITABLE if k in data})
    current = DocumentType.objects.select_for_update().filter(code=code).first()
    if current is None:
        created = DocumentType.objects.create(code=code, **data)
        record(actor, "doctype.created", created, code=code)
        return created, True
    changes = {k: [getattr(current, k), v] for k, v in data.items() if getattr(current, k) != v}
    if not changes:
        return current, False
    for key, (_old, new) in changes.items():
        setattr(current, key, new)
    current.updated_at = timezone.now()
    current.save()
    record(actor, "doctype.updated", current, changes=changes)
    return current, True


def read_catalogue(path: Path = CATALOGUE) -> list[tuple[str, dict[str, Any]]]:
    """The catalogue file as (code, definition) pairs, metadata fields expanded."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    fields = raw["fields"]
    result = []
    for order, entry in enumerate(raw["types"], start=1):
        metadata = [
            {
                "name": name,
                "type": fields[name]["type"],
                "label": fields[name]["label"],
                "required": required,
            }
            for name, required in entry["metadata"]
        ]
        result.append(
            (
                entry["code"],
                {
                    "name": entry["name"],
                    "group": entry["group"],
                    "siasn_code": entry["siasn_code"],
                    "applies_to": entry["applies_to"],
                    "requirement": entry["requirement"],
                    "multiplicity": entry["multiplicity"],
                    "metadata_fields": metadata,
                    "allowed_formats": entry["formats"],
                    "max_size_bytes": entry.get("max_size_bytes", 2 * 1024 * 1024),
                    "is_sensitive": entry.get("sensitive", False),
                    "requires_trusted_signature": entry.get("requires_signature", False),
                    "is_active": True,
                    "sort_order": order,
                },
            )
        )
    return result


def load_catalogue(*, actor=None, path: Path = CATALOGUE, update: bool = False) -> dict[str, int]:
    """Create the catalogue's types that are missing; with ``update``, also overwrite edited
    ones with the file's version (national admins' edits are kept otherwise)."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    existing = set(DocumentType.objects.values_list("code", flat=True))
    for code, definition in read_catalogue(path):
        if code in existing and not update:
            counts["unchanged"] += 1
            continue
        _type, changed = upsert_document_type(actor=actor, code=code, data=definition)
        if code not in existing:
            counts["created"] += 1
        elif changed:
            counts["updated"] += 1
        else:
            counts["unchanged"] += 1
    return counts


# The groups as people meet them: the core dossier first (the database orders by the group's
# code, which is alphabetical: kondisional, pendukung, utama).
GROUP_ORDER = (
    DocumentType.Group.MAIN,
    DocumentType.Group.CONDITIONAL,
    DocumentType.Group.SUPPORTING,
)


def types_for(employment_type: str):
    """Active types that apply to an employment type (CPNS, PNS, PPPK): Arsip Utama first, then
    Kondisional, then Pendukung, each in catalogue order."""
    found = [
        t for t in DocumentType.objects.filter(is_active=True) if t.applies_to_type(employment_type)
    ]
    return sorted(found, key=lambda t: GROUP_ORDER.index(t.group))


# --- Uploads ---------------------------------------------------------------------------------


def clean_metadata_value(spec: dict[str, Any], given: Any, *, require: bool = True) -> Any:
    """One metadata field's value, typed (None when empty and allowed to be); DomainError with a
    message naming the field otherwise."""
    label = spec.get("label", spec["name"])

    def refuse(message: str) -> DomainError:
        return DomainError(message, code="metadata", fields={spec["name"]: message})

    # Text or a number (the API's JSON): not a list, an object, true/false or NaN.
    if given is not None and (
        isinstance(given, bool)
        or not isinstance(given, str | int | float)
        or (isinstance(given, float) and not math.isfinite(given))
    ):
        raise refuse(_("%(field)s is not valid.") % {"field": label})
    value = str(given if given is not None else "").strip()
    if not value:
        if spec.get("required") and require:
            raise refuse(_("%(field)s is required.") % {"field": label})
        return None
    if len(value) > 200 or _CONTROL.search(value):
        raise refuse(_("%(field)s is not valid.") % {"field": label})
    if spec["type"] == "date":
        try:
            return parse_date(value).isoformat()
        except DateInputError as exc:
            raise refuse(exc.message(label)) from None
    if spec["type"] == "number":
        try:
            return int(value)
        except ValueError:
            raise refuse(_("%(field)s must be a number.") % {"field": label}) from None
    return value


def clean_metadata(
    doc_type: DocumentType, raw: dict[str, Any], *, require: bool = True
) -> dict[str, Any]:
    """The type's metadata fields, typed; refuse missing required fields and bad values, all
    of them at once (``DomainError.fields``: each field's own message)."""
    cleaned: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for spec in doc_type.metadata_fields:
        try:
            value = clean_metadata_value(spec, raw.get(spec["name"]), require=require)
        except DomainError as exc:
            problems.update(exc.fields)
            continue
        if value is not None:
            cleaned[spec["name"]] = value
    if problems:
        raise DomainError(" ".join(problems.values()), code="metadata", fields=problems)
    return cleaned


# Refusals about the rest of an upload form, not the file: once they are fixed, the same file
# can be used again (the upload page holds it for a retry, documents/pending.py).
RETRYABLE = frozenset({"metadata", "confirm_replace", "source"})
# Refusals about the document or the employee: no file and no field would change them.
NOT_ABOUT_THE_FILE = frozenset({"type_not_applicable", "mismatch", "held", "destroyed"})


def replacing_accepted_message(doc_type: DocumentType) -> str:
    """What replacing an accepted document does, in the words the confirmation uses."""
    return _(
        "The accepted (DITERIMA) %(type)s will be replaced by the new version and its status "
        "becomes waiting for verification (MENUNGGU); the old version is kept."
    ) % {"type": doc_type.name}


def check_file(*, employee, doc_type: DocumentType, received, original_name: str):
    """The checks every received file gets before it is stored, or held for a retry: the type
    applies to the employee, the size, the format by content (PDF checks included), and not
    the exact same file again. Returns the inspection (format, pages)."""
    from asndigital.documents import storage
    from asndigital.documents.inspection import inspect_file
    from asndigital.documents.models import DocumentVersion

    if not doc_type.is_active or not doc_type.applies_to_type(employee.employment_type):
        raise DomainError(
            _("This document type does not apply to this employee."),
            code="type_not_applicable",
        )
    if received.full:
        raise storage.storage_full()
    if received.size > doc_type.max_size_bytes:
        raise storage.too_large(doc_type.max_size_bytes)
    inspected = inspect_file(
        received.path, original_name=original_name, allowed=doc_type.allowed_formats
    )
    if DocumentVersion.objects.filter(
        document__employee=employee, document__doc_type=doc_type, sha256=received.sha256
    ).exists():
        raise DomainError(_("This exact file is already in the dossier."), code="duplicate")
    return inspected


def upload_document(
    *,
    actor,
    employee,
    doc_type: DocumentType,
    chunks=None,
    received=None,
    pending=None,
    original_name: str = "",
    metadata: dict[str, Any],
    source: str,
    document=None,
    require_metadata: bool = True,
    replace_accepted: bool = False,
    keep_refused: bool = False,
):
    """Store a new document (or a new version of ``document``): checked by content, hashed in
    the same pass that writes it, durable before its row commits. Returns the version.

    The bytes come as ``chunks``, or already ``received`` into storage's ``tmp/`` by an upload
    handler, or from a file ``pending`` for a retry (documents/pending.py: only its owner's,
    for the same employee and type, removed with this commit). This service commits them or
    removes them, never leaves them; with ``keep_refused`` a refused ``received`` file is left
    to the caller, who holds it for a retry or removes it.

    An ACCEPTED document is replaced only with ``replace_accepted`` (the person confirmed it);
    otherwise the upload is refused (``confirm_replace``) and nothing changes."""
    from asndigital.documents import encryption, storage
    from asndigital.documents import pending as pending_uploads
    from asndigital.documents.inspection import safe_name
    from asndigital.documents.models import Document, DocumentVersion

    taken_from_pending = False
    try:
        policies.require(policies.can_upload_for(actor, employee))
        if not doc_type.is_active or not doc_type.applies_to_type(employee.employment_type):
            raise DomainError(
                _("This document type does not apply to this employee."),
                code="type_not_applicable",
            )
        if source not in DocumentVersion.Source.values:
            raise DomainError(
                _("Say whether the document is a scan or born digital."), code="source"
            )
        # Bulk uploads map files only; their metadata is completed later.
        cleaned = clean_metadata(doc_type, metadata, require=require_metadata)
        if pending is not None:
            pending_uploads.require_usable(
                pending, actor=actor, employee=employee, doc_type=doc_type
            )
            original_name = pending.original_name
            received = pending_uploads.restore(pending)
            taken_from_pending = True
        elif received is None:
            received = storage.receive(chunks, max_size=doc_type.max_size_bytes)
        inspected = check_file(
            employee=employee, doc_type=doc_type, received=received, original_name=original_name
        )
        with transaction.atomic():
            if document is None and doc_type.multiplicity == DocumentType.Multiplicity.SINGLE:
                document = Document.objects.filter(employee=employee, doc_type=doc_type).first()
            if document is not None:
                document = Document.objects.select_for_update().get(pk=document.pk)
                if document.employee_id != employee.pk or document.doc_type_id != doc_type.pk:
                    raise DomainError(_("That document belongs elsewhere."), code="mismatch")
                refuse_if_held(document)
                if document.status == Document.Status.DESTROYED:
                    raise DomainError(_("This document was destroyed."), code="destroyed")
                if document.status == Document.Status.ACCEPTED and not replace_accepted:
                    raise DomainError(replacing_accepted_message(doc_type), code="confirm_replace")
            if pending is not None:
                pending_uploads.take(pending)  # gone with this commit, or still there
            duplicate = DocumentVersion.objects.filter(
                document__employee=employee, document__doc_type=doc_type, sha256=received.sha256
            ).exists()
            if duplicate:
                raise DomainError(_("This exact file is already in the dossier."), code="duplicate")
            if document is None:
                document = Document.objects.create(employee=employee, doc_type=doc_type)
                number, kind = 1, DocumentEvent.Kind.UPLOADED
            else:
                number, kind = document.versions.count() + 1, DocumentEvent.Kind.REPLACED
            version = DocumentVersion(
                document=document,
                number=number,
                sha256=received.sha256,
                size=received.size,
                media_type=inspected.media_type,
                page_count=inspected.page_count,
                original_name=safe_name(original_name),
                source=source,
                metadata=cleaned,
                uploaded_by=actor,
            )
            version.storage_key = f"documents/{employee.pk}/{version.pk}"
            # Encrypted with its own key and durable before the row commits; if the commit
            # fails, the file is a leftover (cleanup_uploads).
            data_key = encryption.new_data_key()
            version.is_encrypted = True
            version.sealed_key = encryption.seal_key(data_key, version.pk)
            version.stored_sha256 = storage.commit(received, version.storage_key, data_key=data_key)
            version.save()
            document.current_version = version
            document.status = Document.Status.WAITING
            document.updated_at = timezone.now()
            document.save(update_fields=["current_version", "status", "updated_at"])
            document.events.create(version=version, kind=kind, actor=actor)
            record(
                actor,
                f"document.{kind}",
                document,
                version=str(version.pk),
                sha256=received.sha256,
                # The fingerprint of the bytes as stored, in the chained trail too: fixity then
                # need not trust the version's column alone (records/fixity.py).
                stored_sha256=version.stored_sha256,
                type=doc_type.code,
            )
            # The upload is stored once this commits: failing to queue its preview (the
            # database gone a moment later) is logged, never turned into an error for a caller
            # who would then think it was not stored. (Not a partial: Django names the failed
            # callback by its __qualname__.)
            version_id = version.pk
            transaction.on_commit(lambda: _enqueue_thumbnail(version_id), robust=True)
            transaction.on_commit(lambda: _enqueue_signature_check(version_id), robust=True)
            transaction.on_commit(lambda: _enqueue_text(version_id), robust=True)
            if settings.ASN_S3_OBJECT_LOCK:
                from asndigital.records.lifecycle import is_held

                if is_held(document):  # a new document in a held dossier is held too
                    transaction.on_commit(
                        partial(storage.set_legal_hold, [version.storage_key], True)
                    )
    except BaseException:
        if received is not None and (taken_from_pending or not keep_refused):
            storage.discard(received)
        raise
    return version


def make_thumbnail(*, version_id) -> str:
    """Draw a version's first-page preview (once); its ``thumbnail_state`` says whether there is
    one. A file that cannot be drawn gets no preview, and nothing else changes."""
    from asndigital.documents import storage, thumbnails
    from asndigital.documents.models import DocumentVersion

    version = DocumentVersion.objects.select_related("document").filter(pk=version_id).first()
    if version is None:
        return "missing"
    ready = DocumentVersion.ThumbnailState.READY
    if version.thumbnail_state == ready and storage.exists(version.thumbnail_key):
        return ready
    try:
        data_key = version.data_key()
        with storage.local_copy(version.storage_key, data_key=data_key) as path:
            data = thumbnails.render(path, version.media_type)
    except Exception:  # any failure to draw means "no preview"; it is logged, not hidden
        logger.warning("no thumbnail for document version %s", version.pk, exc_info=True)
        state = DocumentVersion.ThumbnailState.FAILED
    else:
        storage.write_bytes(version.thumbnail_key, data, data_key=data_key)
        state = ready
        if settings.ASN_S3_OBJECT_LOCK:
            from asndigital.records.lifecycle import is_held

            if is_held(version.document):
                storage.set_legal_hold([version.thumbnail_key], True)
    DocumentVersion.objects.filter(pk=version.pk).update(thumbnail_state=state)
    return state


def extract_text(*, version_id) -> str:
    """Read a version's text (``textract``), store it encrypted with the version's data key
    and index it for search; a file without readable text is marked "tanpa teks" with the
    reason. The original is only read. Its state."""
    from asndigital.documents import encryption, storage, textract
    from asndigital.documents.models import DocumentVersion, VersionText

    version = (
        DocumentVersion.objects.select_related("document__employee").filter(pk=version_id).first()
    )
    if version is None or version.destroyed_at is not None:
        return "missing"
    try:
        data_key = version.data_key()
        with storage.local_copy(version.storage_key, data_key=data_key) as path:
            outcome = textract.extract(path, version.media_type)
    except Exception:  # a file that cannot be fetched or read has no text; logged, not hidden
        logger.warning("no text for document version %s", version.pk, exc_info=True)
        outcome = textract.Outcome(reason="failed")
    row: dict[str, Any] = {
        "method": outcome.method,
        "reason": outcome.reason,
        "pages": outcome.pages,
        "confidence": outcome.confidence,
        "made_at": timezone.now(),
    }
    if outcome.text and data_key is not None:
        row["state"] = VersionText.State.READY
        row["sealed_text"] = encryption.seal_text(outcome.text, data_key, version.pk)
    else:
        row["state"] = VersionText.State.NONE
        row["sealed_text"] = None
        row["reason"] = outcome.reason or "failed"
    with transaction.atomic():
        # Destroyed meanwhile (its key gone): nothing of its text may be kept.
        current = DocumentVersion.objects.select_for_update().filter(pk=version.pk).first()
        if current is None or current.destroyed_at is not None:
            return "missing"
        VersionText.objects.update_or_create(version=version, defaults=row)
        _index(version, outcome.text)
    return str(row["state"])


def _index(version, text: str) -> None:
    """The version's search-index row: its text's words, the employee's NIP and the metadata,
    as keyed hashes (documents/search.py)."""
    from asndigital.documents import search
    from asndigital.documents.models import SearchEntry

    employee = version.document.employee
    extra = [employee.nip, *[str(v) for v in (version.metadata or {}).values()]]
    SearchEntry.objects.update_or_create(
        version=version,
        defaults={"document_id": version.document_id, "terms": search.terms_for(text, extra)},
    )


def index_texts(*, rehash: bool = False) -> dict[str, int]:
    """Read the text of every version that has none yet (uploaded before text was read, or
    while the worker was down); with ``rehash``, also make every index row again from the
    stored texts (after SECRET_KEY changed). Destroyed versions are left alone. Counts."""
    from asndigital.documents.models import DocumentVersion, VersionText

    counts = {"read": 0, "rehashed": 0}
    living = DocumentVersion.objects.filter(destroyed_at=None)
    for pk in living.filter(text=None).values_list("pk", flat=True).iterator():
        extract_text(version_id=pk)
        counts["read"] += 1
    if rehash:
        done = living.exclude(text=None).exclude(text__state=VersionText.State.PENDING)
        for version in done.select_related("document__employee").iterator(chunk_size=200):
            with transaction.atomic():
                _index(version, version_text(version) or "")
            counts["rehashed"] += 1
    return counts


def version_text(version) -> str | None:
    """The decrypted text of a version, or None (not read, tanpa teks, or destroyed)."""
    from asndigital.documents import encryption
    from asndigital.documents.models import VersionText

    row = VersionText.objects.filter(version=version, state=VersionText.State.READY).first()
    if row is None or row.sealed_text is None or version.destroyed_at is not None:
        return None
    return encryption.open_text(bytes(row.sealed_text), version.data_key(), version.pk)


def remove_leftovers(*, min_age_minutes: float, dry_run: bool = False) -> list[str]:
    """Remove what a crash can leave behind, older than ``min_age_minutes``: temporary upload
    files, and stored files (or thumbnails) without a version row; their names. An upload in
    progress is younger than that, and its row commits before its file is that old."""
    from asndigital.documents import pending, storage
    from asndigital.documents.models import DocumentVersion

    known = pending.known_keys()  # files held for a retry are not leftovers
    for key in DocumentVersion.objects.values_list("storage_key", flat=True).iterator():
        # documents/<employee>/<version> and its preview thumbnails/<employee>/<version>.png
        known.add(key)
        known.add(f"thumbnails/{key.removeprefix('documents/')}.png")
    found = storage.leftovers(known, min_age_seconds=min_age_minutes * 60)
    if not dry_run:
        for name in found:
            storage.remove_leftover(name)
    return found


def _enqueue_thumbnail(version_id) -> None:
    from asndigital.documents.tasks import make_thumbnail

    make_thumbnail.enqueue(str(version_id))


def _enqueue_signature_check(version_id) -> None:
    from asndigital.documents.tasks import check_signatures

    check_signatures.enqueue(str(version_id))


def _enqueue_text(version_id) -> None:
    from asndigital.documents.tasks import extract_text

    extract_text.enqueue(str(version_id))


# --- Verification ----------------------------------------------------------------------------


def new_verification_code() -> str:
    """120 random bits as 24 Crockford base32 characters (digits and letters without I, L, O,
    U, which are read for 1, 1, 0 and V): printed on copies, never guessable, typed back as
    read."""
    from asndigital.documents.selectors import CROCKFORD

    number = int.from_bytes(secrets.token_bytes(15), "big")
    return "".join(CROCKFORD[(number >> (5 * i)) & 31] for i in reversed(range(24)))


def _decide(*, actor, document, status: str, kind: str, reason: str = ""):
    from asndigital.core.mail import queue_email
    from asndigital.documents import queue_services
    from asndigital.documents.models import Document

    with transaction.atomic():
        document = (
            Document.objects.select_for_update(of=("self",))
            .select_related("employee", "current_version", "doc_type")
            .get(pk=document.pk)
        )
        policies.require(policies.can_view_employee(actor, document.employee))
        if not policies.can_verify(actor, document):
            raise DomainError(
                _(
                    "You cannot verify this document (four eyes: not your own "
                    "upload, and only the employee's agency verifies)."
                ),
                code="forbidden",
            )
        if document.status != Document.Status.WAITING:
            raise DomainError(_("This document was already decided."), code="decided")
        refuse_if_held(document)
        # Someone else checking it in the queue keeps it; the decision ends any claim.
        queue_services.refuse_if_claimed(actor=actor, document=document)
        document.status = status
        document.updated_at = timezone.now()
        document.save(update_fields=["status", "updated_at"])
        if status == Document.Status.ACCEPTED:
            version = document.current_version
            version.verification_code = new_verification_code()
            version.accepted_at = document.updated_at
            version.save(update_fields=["verification_code", "accepted_at"])
        document.events.create(
            version=document.current_version, kind=kind, reason=reason, actor=actor
        )
        record(
            actor,
            f"document.{kind}",
            document,
            version=str(document.current_version_id),
            reason=reason,
        )
        employee = document.employee
        queue_email(
            to=employee.email,
            template="documents/email/decision",
            context={
                "name": employee.display_name,
                "type": document.doc_type.name,
                "accepted": status == Document.Status.ACCEPTED,
                "reason": reason,
            },
            language=employee.user.language if employee.user_id else "",
        )
    return document


def accept_document(*, actor, document):
    """DITERIMA: the current version is accepted."""
    from asndigital.documents.models import Document

    return _decide(
        actor=actor,
        document=document,
        status=Document.Status.ACCEPTED,
        kind=DocumentEvent.Kind.ACCEPTED,
    )


def reject_document(*, actor, document, reason: str):
    """DITOLAK, with a reason the employee sees; a replacement goes back to waiting."""
    from asndigital.documents.models import Document

    reason = " ".join((reason or "").split())
    if not reason:
        raise DomainError(_("A rejection needs a reason."), code="reason")
    if _CONTROL.search(reason):
        raise DomainError(
            _("The reason is not valid: it contains control characters."), code="reason"
        )
    if len(reason) > 500:
        raise DomainError(_("The reason can have at most 500 characters."), code="reason")
    return _decide(
        actor=actor,
        document=document,
        status=Document.Status.REJECTED,
        kind=DocumentEvent.Kind.REJECTED,
        reason=reason,
    )


def destroy_document(*, actor, document, proposal_id, now) -> list[dict]:
    """Destroy a document whose destruction was approved (records/destruction.py decides and
    holds its row lock): every version's bytes and thumbnail deleted and its key shredded, the
    document marked destroyed, with its event and audit event. The versions' hashes, for the
    berita acara. Safe to run again after a crash: deleting twice is harmless."""
    from asndigital.documents import storage
    from asndigital.documents.models import Document, DocumentVersion, SearchEntry, VersionText

    hashes = []
    for version in DocumentVersion.objects.select_for_update().filter(document=document):
        hashes.append({"version": version.number, "sha256": version.sha256, "size": version.size})
        if version.destroyed_at is None:
            storage.delete(version.storage_key, destruction=True)
            storage.delete(version.thumbnail_key, destruction=True)
            VersionText.objects.filter(version=version).delete()
            SearchEntry.objects.filter(version=version).delete()
            version.sealed_key = None
            version.destroyed_at = now
            version.save(update_fields=["sealed_key", "destroyed_at"])
    document.status = Document.Status.DESTROYED
    document.updated_at = now
    document.save(update_fields=["status", "updated_at"])
    document.events.create(kind=DocumentEvent.Kind.DESTROYED, actor=actor, reason=str(proposal_id))
    record(actor, "document.destroyed", document, proposal=proposal_id, versions=len(hashes))
    return hashes


def reseal_data_keys() -> int:
    """Re-seal every document version's data key with the keyring's current key
    (``rotate_keys``; the files themselves are not re-encrypted), one row at a time; audited.
    How many."""
    from asndigital.core import crypto
    from asndigital.documents.models import DocumentVersion

    count = 0
    rows = DocumentVersion.objects.exclude(sealed_key=None).values_list("pk", "sealed_key")
    context = lambda pk: f"document-data-key:{pk}"  # noqa: E731 - as sealed in encryption.py
    for pk, old, new in crypto.resealed(rows.iterator(chunk_size=1000), context):
        count += DocumentVersion.objects.filter(pk=pk, sealed_key=old).update(sealed_key=new)
    if count:
        record(
            None,
            "keys.resealed",
            None,
            secrets="document data keys",
            count=count,
            key=crypto.current_key_id(),
        )
    return count


# --- Metadata completed later (bulk uploads) -------------------------------------------------


class MetadataErrors(DomainError):
    """Rows of a batch that are not valid: ``errors`` is {document id: {field name: message}},
    the field name "" for what concerns the whole row."""

    def __init__(self, errors: dict[str, dict[str, str]]):
        super().__init__(
            _("Nothing was saved: correct the fields marked below and save again."),
            code="metadata",
        )
        self.errors = errors


def missing_fields(doc_type: DocumentType, metadata: dict[str, Any]) -> list[str]:
    """The names of the type's required metadata fields that ``metadata`` lacks."""
    return [
        spec["name"]
        for spec in doc_type.metadata_fields
        if spec.get("required") and metadata.get(spec["name"]) in (None, "")
    ]


@transaction.atomic
def complete_metadata(*, actor, entries) -> list:
    """Complete the metadata of many waiting documents at once (``entries``: (document, the
    current version's id as the form showed it, the submitted values)). Every row is checked
    before anything is written: all are saved, each with its document event and audit event,
    or none is (MetadataErrors names every wrong field). The file itself never changes."""
    from asndigital.documents.models import Document

    ids = sorted({document.pk for document, _version, _values in entries})
    locked = {
        d.pk: d
        for d in Document.objects.select_for_update(of=("self",))
        .select_related("employee", "doc_type", "current_version")
        .filter(pk__in=ids)
        .order_by("pk")
    }
    errors: dict[str, dict[str, str]] = {}
    planned = []
    for given, version_id, values in entries:
        document = locked.get(given.pk)
        if document is None or not policies.can_upload_for(actor, document.employee):
            raise NotFound()
        key = str(document.pk)
        try:
            if document.status != Document.Status.WAITING:
                raise DomainError(_("This document was decided meanwhile; it is not changed."))
            if str(document.current_version_id) != str(version_id):
                raise DomainError(
                    _("A new version was uploaded meanwhile; open the document to check it.")
                )
            refuse_if_held(document)
        except DomainError as exc:
            errors.setdefault(key, {})[""] = exc.message
            continue
        cleaned = {}
        for spec in document.doc_type.metadata_fields:
            try:
                value = clean_metadata_value(spec, values.get(spec["name"]))
            except DomainError as exc:
                errors.setdefault(key, {})[spec["name"]] = exc.message
                continue
            if value is not None:
                cleaned[spec["name"]] = value
        planned.append((document, cleaned))
    if errors:
        raise MetadataErrors(errors)
    done = []
    for document, cleaned in planned:
        version = document.current_version
        before = version.metadata or {}
        changed = sorted(k for k, v in cleaned.items() if before.get(k) != v)
        if not changed:
            continue
        version.metadata = {**before, **cleaned}
        version.save(update_fields=["metadata"])
        document.updated_at = timezone.now()
        document.save(update_fields=["updated_at"])
        document.events.create(
            version=version, kind=DocumentEvent.Kind.METADATA_COMPLETED, actor=actor
        )
        record(
            actor,
            "document.metadata_completed",
            document,
            version=str(version.pk),
            fields=changed,
        )
        done.append(document)
    return done


def record_search(
    *, actor, q: str, filters: dict, found: int, api: bool = False, more: bool = False
) -> None:
    """Every search goes into the audit trail: who searched what, with which filters, and how
    many documents were found (counted up to search.COUNT_CAP; ``more`` past it)."""
    extra = {"more": True} if more else {}
    with transaction.atomic():
        record(
            actor, "document.searched", None, q=q[:200], found=found, api=api, **filters, **extra
        )
