"""A document's metadata (the fields its type asks for): checked when it is uploaded, or completed
later for many documents at once (bulk uploads map files first)."""

from __future__ import annotations

import math
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asndigital.accounts import policies
from asndigital.audit.services import record
from asndigital.core.dates import DateInputError, parse_date
from asndigital.core.errors import DomainError, NotFound
from asndigital.core.text import CONTROL_CHARACTERS
from asndigital.documents.models import Document, DocumentEvent, DocumentType
from asndigital.records.services import refuse_if_held


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
    if len(value) > 200 or CONTROL_CHARACTERS.search(value):
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
