"""The document catalogue (the types, their metadata fields and formats): the only writer of
DocumentType."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asndigital.accounts import policies
from asndigital.audit.services import record
from asndigital.core.errors import DomainError
from asndigital.documents.models import DocumentType
from asndigital.personnel.models import EmploymentType

CATALOGUE = Path(__file__).resolve().parents[1] / "catalogue.json"
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


def type_for(employment_type: str, code: str | None) -> DocumentType | None:
    """The active type with this code if it applies to the employment type, else None: one row
    read, for an upload that names its type (``types_for`` reads the whole catalogue)."""
    if not code:
        return None
    found = DocumentType.objects.filter(is_active=True, code=code).first()
    return found if found is not None and found.applies_to_type(employment_type) else None


def types_for(employment_type: str):
    """Active types that apply to an employment type (CPNS, PNS, PPPK): Arsip Utama first, then
    Kondisional, then Pendukung, each in catalogue order."""
    found = [
        t for t in DocumentType.objects.filter(is_active=True) if t.applies_to_type(employment_type)
    ]
    return sorted(found, key=lambda t: GROUP_ORDER.index(t.group))
