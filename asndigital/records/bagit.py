"""An employee's dossier as a BagIt bag (RFC 8493) in a ZIP, and the import that checks every
manifest entry before accepting anything.

Layout (the ZIP holds one top-level folder, the bag)::

    dossier-<NIP>/bagit.txt                  BagIt-Version 1.0, UTF-8
    dossier-<NIP>/bag-info.txt               source, date, Payload-Oxum, the NIP
    dossier-<NIP>/manifest-sha256.txt        every payload file and its SHA-256
    dossier-<NIP>/tagmanifest-sha256.txt     the tag files and their SHA-256
    dossier-<NIP>/data/metadata.json         the employee, documents, versions, events
    dossier-<NIP>/data/<group>/<type>/<document>-v<n>.<ext>   every readable version

Files are streamed into the ZIP (memory does not grow with the dossier); destroyed versions
appear in the metadata as tombstones, without files.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from asndigital.accounts import policies
from asndigital.audit.services import record
from asndigital.core.errors import DomainError
from asndigital.documents import storage
from asndigital.documents.models import Document, DocumentType, DocumentVersion
from asndigital.documents.services import upload_document

EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
MAX_ENTRIES = 5000
MAX_TOTAL = 2 * 1024 * 1024 * 1024
MAX_RATIO = 100


def bag_name(employee) -> str:
    return f"dossier-{employee.nip}"


def _version_path(version: DocumentVersion) -> str:
    document = version.document
    return (
        f"data/{document.doc_type.group}/{document.doc_type.code}/"
        f"{document.pk}-v{version.number}.{EXTENSIONS[version.media_type]}"
    )


def export_dossier(*, actor, employee):
    """The dossier as a BagIt ZIP in a temporary file (deleted when closed), ready to send."""
    policies.require(policies.can_view_employee(actor, employee))
    policies.require(policies.can_export_dossier(actor, employee))
    documents = list(
        Document.objects.filter(employee=employee)
        .select_related("doc_type")
        .prefetch_related("versions", "events")
        .order_by("doc_type__group", "doc_type__sort_order", "created_at")
    )
    name = bag_name(employee)
    target = tempfile.NamedTemporaryFile(suffix=".zip")  # noqa: SIM115 - returned open
    manifest, octets, count = [], 0, 0
    metadata = {
        "employee": {
            "nip": employee.nip,
            "name": employee.display_name,
            "employment_type": employee.employment_type,
            "agency": employee.agency.code,
            "status": employee.status,
        },
        "exported_at": timezone.now().isoformat(),
        "documents": [],
    }
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for document in documents:
            entry = {
                "id": str(document.pk),
                "type": document.doc_type.code,
                "type_name": document.doc_type.name,
                "group": document.doc_type.group,
                "status": document.status,
                "versions": [],
                "events": [
                    {"kind": e.kind, "at": e.at.isoformat(), "reason": e.reason}
                    for e in sorted(document.events.all(), key=lambda e: (e.at, e.pk))
                ],
            }
            for version in sorted(document.versions.all(), key=lambda v: v.number):
                version.document = document
                item = {
                    "number": version.number,
                    "sha256": version.sha256,
                    "size": version.size,
                    "media_type": version.media_type,
                    "pages": version.page_count,
                    "source": version.source,
                    "metadata": version.metadata,
                    "uploaded_at": version.uploaded_at.isoformat(),
                    "verification_code": version.verification_code,
                }
                if version.destroyed_at is not None:
                    item["destroyed_at"] = version.destroyed_at.isoformat()
                else:
                    path = _version_path(version)
                    item["file"] = path
                    digest = hashlib.sha256()
                    with (
                        storage.open_version(
                            version.storage_key, data_key=version.data_key()
                        ) as source,
                        archive.open(f"{name}/{path}", "w", force_zip64=True) as out,
                    ):
                        while block := source.read(storage.CHUNK):
                            digest.update(block)
                            out.write(block)
                    if digest.hexdigest() != version.sha256:
                        raise DomainError(
                            _(
                                "A stored file no longer matches its fingerprint, so nothing "
                                "was exported. Tell the system administrator: the file must be "
                                "restored from a backup."
                            ),
                            code="fixity",
                        )
                    manifest.append((version.sha256, path))
                    octets += version.size
                    count += 1
                entry["versions"].append(item)
            metadata["documents"].append(entry)
        meta_bytes = json.dumps(metadata, ensure_ascii=False, indent=2).encode()
        archive.writestr(f"{name}/data/metadata.json", meta_bytes)
        manifest.append((hashlib.sha256(meta_bytes).hexdigest(), "data/metadata.json"))
        octets += len(meta_bytes)
        count += 1
        tags = {
            "bagit.txt": b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
            "bag-info.txt": (
                f"Source-Organization: {settings.ASN_SITE_NAME}\n"
                f"Bagging-Date: {timezone.localdate().isoformat()}\n"
                f"External-Identifier: {employee.nip}\n"
                f"Payload-Oxum: {octets}.{count}\n"
            ).encode(),
            "manifest-sha256.txt": "".join(f"{h}  {p}\n" for h, p in manifest).encode(),
        }
        for tag, data in tags.items():
            archive.writestr(f"{name}/{tag}", data)
        tagmanifest = "".join(
            f"{hashlib.sha256(data).hexdigest()}  {tag}\n" for tag, data in tags.items()
        )
        archive.writestr(f"{name}/tagmanifest-sha256.txt", tagmanifest.encode())
    record(actor, "dossier.exported", employee, files=count - 1, bytes=octets)
    target.seek(0)
    return target


# --- Import ------------------------------------------------------------------------------------


@dataclass
class Checked:
    metadata: dict
    files: dict[str, str]  # payload path -> sha256


def _refuse(message: str):
    raise DomainError(message, code="bag")


def _read(archive, info, limit: int) -> bytes:
    with archive.open(info) as source:
        data = source.read(limit + 1)
    if len(data) > limit:
        _refuse(_("A file in the bag is larger than it claims."))
    return data


def _parse_manifest(text: str) -> dict[str, str]:
    entries = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        digest, _sep, path = line.partition("  ")
        path = path.strip()
        if len(digest) != 64 or not path or path in entries:
            _refuse(_("The bag's manifest is malformed."))
        entries[path] = digest.lower()
    return entries


def check_bag(path) -> Checked:
    """Every rule of the bag, every manifest entry's SHA-256, before anything is accepted."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        _refuse(_("The file is not a ZIP archive."))
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > MAX_ENTRIES or sum(i.file_size for i in infos) > MAX_TOTAL:
            _refuse(_("The bag is too large."))
        roots, by_path = set(), {}
        for info in infos:
            parts = PurePosixPath(info.filename.replace("\\", "/")).parts
            if (
                not parts
                or info.filename.startswith("/")
                or ".." in parts
                or len(parts) < 2
                or (info.external_attr >> 16) & 0o170000 == 0o120000
            ):
                _refuse(
                    _("The bag contains a path that is not allowed: %(p)s") % {"p": info.filename}
                )
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                _refuse(_("A file in the bag is compressed suspiciously well (a ZIP bomb?)."))
            roots.add(parts[0])
            by_path["/".join(parts[1:])] = info
        if len(roots) != 1:
            _refuse(_("The ZIP must hold exactly one bag folder."))
        for required in ("bagit.txt", "manifest-sha256.txt", "data/metadata.json"):
            if required not in by_path:
                _refuse(_("The bag has no %(f)s.") % {"f": required})
        declaration = _read(archive, by_path["bagit.txt"], 1000).decode("utf-8", "replace")
        if "BagIt-Version: 1.0" not in declaration:
            _refuse(_("This is not a BagIt 1.0 bag."))
        manifest = _parse_manifest(
            _read(archive, by_path["manifest-sha256.txt"], 10_000_000).decode("utf-8", "replace")
        )
        payload = {p for p in by_path if p.startswith("data/")}
        if payload != set(manifest):
            _refuse(_("The bag's payload and its manifest do not list the same files."))
        for member, expected in manifest.items():
            info = by_path[member]
            digest = hashlib.sha256()
            with archive.open(info) as source:
                while block := source.read(1024 * 1024):
                    digest.update(block)
            if digest.hexdigest() != expected:
                _refuse(_("%(f)s does not match its SHA-256 in the manifest.") % {"f": member})
        if "tagmanifest-sha256.txt" in by_path:
            tags = _parse_manifest(
                _read(archive, by_path["tagmanifest-sha256.txt"], 100_000).decode("utf-8")
            )
            for tag, expected in tags.items():
                if tag not in by_path:
                    _refuse(_("The bag has no %(f)s.") % {"f": tag})
                data = _read(archive, by_path[tag], 10_000_000)
                if hashlib.sha256(data).hexdigest() != expected:
                    _refuse(_("%(f)s does not match its SHA-256 in the manifest.") % {"f": tag})
        try:
            metadata = json.loads(_read(archive, by_path["data/metadata.json"], 50_000_000))
            metadata["employee"]["nip"]
        except (ValueError, KeyError, TypeError):
            _refuse(_("The bag's metadata.json is not valid."))
        return Checked(metadata=metadata, files=manifest)


def import_dossier(*, actor, path, employee) -> dict[str, int]:
    """Bring a bag's documents into ``employee``'s dossier: the whole bag is checked first; then
    every current file is stored like an upload, in one transaction (all or nothing); files
    already in the dossier (same SHA-256) are skipped."""
    checked = check_bag(path)
    if checked.metadata["employee"]["nip"] != employee.nip:
        _refuse(
            _("This bag belongs to another employee (NIP %(nip)s).")
            % {"nip": checked.metadata["employee"]["nip"]}
        )
    policies.require(policies.can_upload_for(actor, employee))
    counts = {"stored": 0, "already_there": 0}
    name = None
    with zipfile.ZipFile(path) as archive, transaction.atomic():
        name = archive.namelist()[0].split("/", 1)[0]
        for entry in checked.metadata.get("documents", []):
            doc_type = DocumentType.objects.filter(code=entry.get("type")).first()
            if doc_type is None:
                _refuse(_("Unknown document type in the bag: %(t)s") % {"t": entry.get("type")})
            for item in entry.get("versions", []):
                member = item.get("file")
                if not member:
                    continue  # a tombstone
                if member not in checked.files:
                    _refuse(_("metadata.json names a file the manifest does not list."))
                if DocumentVersion.objects.filter(
                    document__employee=employee, sha256=checked.files[member]
                ).exists():
                    counts["already_there"] += 1
                    continue
                with archive.open(f"{name}/{member}") as source:
                    upload_document(
                        actor=actor,
                        employee=employee,
                        doc_type=doc_type,
                        chunks=iter(lambda s=source: s.read(1024 * 1024), b""),
                        original_name=PurePosixPath(member).name,
                        metadata=item.get("metadata") or {},
                        source=item.get("source") or "digital",
                        require_metadata=False,
                        replace_accepted=True,  # the bag's versions come in as they were
                    )
                counts["stored"] += 1
        record(actor, "dossier.imported", employee, **counts)
    return counts
