"""Reads of documents; every one starts from the employees the user may see."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django.db.models import Prefetch
from django.utils.translation import gettext as _

from asndigital.accounts import policies
from asndigital.core.errors import NotFound
from asndigital.documents import search
from asndigital.documents.models import (
    Document,
    DocumentEvent,
    DocumentType,
    DocumentVersion,
    SignatureReport,
)
from asndigital.personnel.models import Employee


def visible_documents(user):
    return Document.objects.visible_to(user)


def get_document(*, user, pk) -> Document:
    try:
        key = uuid.UUID(str(pk))
    except ValueError:
        raise NotFound() from None
    document = (
        visible_documents(user)
        .select_related("employee", "current_version", "doc_type")
        .filter(pk=key)
        .first()
    )
    if document is None:
        raise NotFound()
    return document


def single_copy_document(*, user, employee: Employee, doc_type) -> Document | None:
    """The one document of a single-copy type that the employee has (an upload of that type
    replaces it), or None; also None for a repeating type."""
    if doc_type.multiplicity != doc_type.Multiplicity.SINGLE:
        return None
    return (
        visible_documents(user)
        .filter(employee=employee, doc_type=doc_type)
        .select_related("current_version", "doc_type")
        .first()
    )


def dossier(employee: Employee):
    """An employee's documents with their current version and last rejection (the caller has
    already checked that the user may see the employee)."""
    rejections = DocumentEvent.objects.filter(kind=DocumentEvent.Kind.REJECTED).order_by(
        "-at", "-id"
    )
    return (
        Document.objects.filter(employee=employee)
        .select_related(
            "employee", "doc_type", "current_version", "current_version__uploaded_by__employee"
        )
        .prefetch_related(Prefetch("events", queryset=rejections, to_attr="rejections"))
        .order_by("doc_type__group", "doc_type__sort_order", "created_at")
    )


def mandatory_types(employment_type: str):
    return [
        t
        for t in DocumentType.objects.filter(
            is_active=True, requirement=DocumentType.Requirement.MANDATORY
        )
        if t.applies_to_type(employment_type)
    ]


Status = Document.Status
STATE_ORDER = {"missing": 0, Status.REJECTED: 1, Status.WAITING: 2, Status.ACCEPTED: 3}


def checklist(employee: Employee, documents: list | None = None) -> dict:
    """The mandatory types for the employee's employment type, each present / missing / accepted
    / rejected (with the reason), and the completeness (share of them accepted). ``documents``:
    the employee's ``dossier`` when the caller has already read it (not read twice)."""
    if documents is None:
        documents = list(dossier(employee))
    rows = []
    for doc_type in mandatory_types(employee.employment_type):
        # A destroyed document (a tombstone) no longer counts: the type is missing again.
        mine = [d for d in documents if d.doc_type_id == doc_type.pk and d.status in STATE_ORDER]
        # The best state among this type's documents counts (one accepted ijazah is enough).
        best = max(mine, key=lambda d: STATE_ORDER[d.status], default=None)
        state = best.status if best is not None else "missing"
        reason = best.rejections[0].reason if best is not None and best.rejections else ""
        rows.append(
            {
                "type": doc_type,
                "state": state,
                "reason": reason,
                "signature": _signature_gap(doc_type, best),
            }
        )
    accepted = sum(1 for row in rows if row["state"] == Status.ACCEPTED)
    return {
        "rows": rows,
        "accepted": accepted,
        "total": len(rows),
        "percent": round(100 * accepted / len(rows)) if rows else 100,
        "Status": Status,  # pages compare a row's state with its members, not with literals
    }


def _signature_gap(doc_type, document) -> str:
    """For a type issued with an electronic signature: the state of the file's signatures when
    it is not valid and trusted ("" when nothing is missing, "" before anything was uploaded)."""
    if not doc_type.requires_trusted_signature or document is None:
        return ""
    version = document.current_version
    state = version.signature_state if version is not None else ""
    if state == SignatureReport.State.VALID:
        return ""
    return state or "pending"


def history(document: Document) -> dict:
    """A document's versions (newest first) and every event, with who did it."""
    versions = list(
        DocumentVersion.objects.filter(document=document)
        .select_related("uploaded_by__employee")
        .order_by("-number")
    )
    events = list(
        DocumentEvent.objects.filter(document=document)
        .select_related("actor__employee", "version")
        .order_by("-at", "-id")
    )
    return {"versions": versions, "events": events}


# Codes are Crockford base32 (no I, L, O, U): what is read from paper can be typed back. Codes
# made before are RFC 4648 base32 (A-Z, 2-7) and keep working.
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})  # Crockford's decoding rules
_LEGACY = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")


def normalise_code(code: str) -> str | None:
    """A verification code as typed or scanned (any case, spaces and dashes anywhere), or None
    when it cannot be one (24 letters and digits)."""
    cleaned = "".join((code or "").split()).replace("-", "").upper()
    if len(cleaned) != 24 or not cleaned.isascii() or not cleaned.isalnum():
        return None
    return cleaned


def code_candidates(code: str) -> list[str]:
    """The stored codes a typed code can mean: read with Crockford's rules (O is 0, I and L
    are 1), and, for codes made before, with 0 read as the letter O."""
    cleaned = normalise_code(code)
    if cleaned is None:
        return []
    found = []
    crockford = cleaned.translate(_READ_AS)
    if set(crockford) <= set(CROCKFORD):
        found.append(crockford)
    legacy = cleaned.replace("0", "O")
    if set(legacy) <= _LEGACY and legacy not in found:
        found.append(legacy)
    return found


def public_verification(code: str):
    """The accepted version with this verification code, for the public page; or None.
    Deliberately unscoped: the code itself is the capability (120 random bits)."""
    candidates = code_candidates(code)
    if not candidates:
        return None
    return (
        DocumentVersion.objects.select_related(
            "document", "document__doc_type", "document__employee"
        )
        .filter(verification_code__in=candidates)
        .first()
    )


def mask_name(name: str) -> str:
    """“Budi Santoso, S.Kom.” → “B*** S******, S.***.”: enough to recognise, not to identify."""
    words = []
    for word in (name or "").split():
        letters = [i for i, ch in enumerate(word) if ch.isalpha()]
        masked = list(word)
        for i in letters[1:]:
            masked[i] = "*"
        words.append("".join(masked))
    return " ".join(words)


def public_facts(version) -> dict:
    """What the public verification page may show of a version: never its content."""
    document = version.document
    metadata = version.metadata or {}
    number = next((metadata[k] for k in ("nomor_sk", "nomor") if metadata.get(k)), "")
    raw_date = next((metadata[k] for k in ("tanggal_sk", "tanggal") if metadata.get(k)), "")
    try:
        issued_on = date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        issued_on = None
    is_current = (
        document.current_version_id == version.pk and document.status == Document.Status.ACCEPTED
    )
    return {
        "type": document.doc_type.name,
        "number": number,
        "issued_on": issued_on,
        "year": metadata.get("tahun", ""),
        "owner": mask_name(document.employee.display_name),
        "state": "destroyed"
        if document.status == Document.Status.DESTROYED
        else "valid"
        if is_current
        else "superseded",
        "sha256": version.sha256,
        "size": version.size,
        "pages": version.page_count,
        "accepted_at": version.accepted_at,
        "version": version.number,
        "code": version.verification_code_display,
        # Who signed it electronically and what the archive's check found (names of the
        # signing officials are printed on the document itself; nothing else of the report).
        "signature": _public_signature(version),
    }


def _public_signature(version) -> dict:
    shown = present_signatures(latest_signature_report(version))
    return {
        "state": shown["state"],
        "label": shown["label"],
        "tone": shown["tone"],
        "explanation": shown["explanation"],
        "signers": shown["signers"],
        "checked_at": shown["checked_at"],
    }


# --- Electronic signatures ---------------------------------------------------------------------

# Each state: (tone for the badge, what it means in a sentence for verifiers and employees).
SIGNATURE_TONES = {
    "valid": "ok",
    "untrusted": "warn",
    "expired": "bad",
    "revoked": "bad",
    "modified": "bad",
    "broken": "bad",
    "unsigned": "none",
    "unchecked": "warn",
    "": "none",
}


def signature_explanation(state: str) -> str:
    return {
        "valid": _(
            "The signature is intact, the file has not changed since it was signed, and the "
            "signer's certificate leads to a root this archive trusts."
        ),
        "untrusted": _(
            "The file has not changed since it was signed, but the signer's certificate does "
            "not lead to a root this archive trusts: who issued it cannot be confirmed."
        ),
        "expired": _(
            "The signer's certificate was not valid at the time that counts (it had expired or "
            "was not yet valid), and no trusted timestamp shows the signature was made while it "
            "was."
        ),
        "revoked": _(
            "The signer's certificate was revoked by its issuer, according to the revocation "
            "data in the file."
        ),
        "modified": _(
            "The signature itself is intact, but the file was changed after it was signed: what "
            "the file shows now is not what was signed."
        ),
        "broken": _(
            "The signature does not match the file or cannot be read: the file was altered or "
            "the signature is damaged."
        ),
        "unsigned": _("The file holds no electronic signature."),
        "unchecked": _("The signatures could not be checked; the archive tries again later."),
        "": _("The electronic signatures are being checked."),
    }[state]


def _coverage_text(signature: dict) -> str:
    coverage = signature.get("coverage")
    if coverage == "ENTIRE_FILE":
        return _("The whole file")
    if coverage == "ENTIRE_REVISION":
        later = {
            "NONE": _("nothing"),
            "LTA_UPDATES": _("validation data only"),
            "FORM_FILLING": _("form filling or further signatures"),
            "ANNOTATIONS": _("comments (annotations)"),
            "OTHER": _("changes to the content"),
        }.get(signature.get("modification_level") or "", _("unknown changes"))
        return _("The file as it was signed; added afterwards: %(later)s") % {"later": later}
    if coverage:
        return _("Only part of the file")
    return ""


def _moment(value):
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def present_signatures(report) -> dict:
    """A SignatureReport (or None: not yet checked) as the pages show it."""
    state = report.state if report is not None else ""
    labels = dict(SignatureReport.State.choices)
    shown = []
    for signature in report.signatures if report is not None else []:
        cert = signature.get("certificate") or {}
        stamp = signature.get("timestamp") or None
        data = signature.get("validation_data") or {}
        shown.append(
            {
                "signer": signature.get("signer") or "",
                "state": signature.get("state", "broken"),
                "label": labels.get(signature.get("state", "broken"), ""),
                "tone": SIGNATURE_TONES.get(signature.get("state", "broken"), "bad"),
                "signed_at": _moment(signature.get("signed_at")),
                "timestamp_at": _moment(stamp.get("time")) if stamp else None,
                "timestamp_authority": stamp.get("authority", "") if stamp else "",
                "timestamp_trusted": bool(stamp and stamp.get("trusted")),
                "subject": cert.get("subject", ""),
                "issuer": cert.get("issuer", ""),
                "serial": cert.get("serial", ""),
                "not_before": _moment(cert.get("not_before")),
                "not_after": _moment(cert.get("not_after")),
                "coverage": _coverage_text(signature),
                "chain": signature.get("chain") or [],
                "revocation_checked": bool(data.get("embedded")),
                "reason": signature.get("reason", ""),
            }
        )
    return {
        "state": state,
        "label": labels.get(state, "") if state else "",
        "tone": SIGNATURE_TONES.get(state, "warn"),
        "explanation": signature_explanation(state if state in SIGNATURE_TONES else "unchecked"),
        "signatures": shown,
        "count": report.signature_count if report is not None else 0,
        "checked_at": report.checked_at if report is not None else None,
        "detail": (report.report.get("detail") or "") if report is not None else "",
        "signers": [s["signer"] for s in shown if s["signer"]],
    }


def latest_signature_report(version):
    """The newest signature report of a version (None before the first check)."""
    return SignatureReport.objects.filter(version=version).order_by("-checked_at").first()


def signature_reports(version) -> list:
    """Every signature report of a version, newest first (each check adds one)."""
    return list(SignatureReport.objects.filter(version=version).order_by("-checked_at"))


# --- Full-text search (documents/search.py) ------------------------------------------------------

SEARCH_PAGE = 20


def can_search(user) -> bool:
    """Staff who read documents somewhere; an employee's own dossier is not searched."""
    if user is None or not user.is_authenticated:
        return False
    everywhere, agencies = policies.scope(user, Document, "search")
    return everywhere or bool(agencies)


def search_documents(*, user, query, agency_id=None, type_code="", status=""):
    """The documents ``user`` may read whose current version matches ``query`` (every word,
    every phrase), newest first; filtered by agency, type code and status."""
    if query.empty or not can_search(user):
        return Document.objects.none()
    found = (
        Document.objects.visible_to(user, "search")
        .filter(current_version__in=search.matching(query))
        .exclude(status=Document.Status.DESTROYED)
        .select_related("employee__agency", "doc_type", "current_version")
        .order_by("-updated_at", "pk")
    )
    if agency_id:
        found = found.filter(employee__agency_id=agency_id)
    if type_code:
        found = found.filter(doc_type__code=type_code)
    if status:
        found = found.filter(status=status)
    return found


def search_excerpt(document, query) -> str:
    """A short highlighted piece of the document's text around what was searched ("" when the
    match was in its NIP or metadata only)."""
    # imported here: cycle: documents/services.py imports this module (until its split)
    from asndigital.documents import services

    version = document.current_version
    try:
        text = services.version_text(version) if version is not None else None
    except Exception:  # a key or text that cannot be opened gives no excerpt, not an error
        return ""
    return search.excerpt(text, query) if text else ""
