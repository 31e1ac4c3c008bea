"""Bulk upload: files named ``<NIP>_<CODE>.pdf`` (CODE: the catalogue code or the SIASN code),
loose or in a ZIP, each mapped to its employee and type and checked like any upload. A file
named otherwise is read and matched by its text, and proposed for confirmation
(``documents.matching``).

Every file gets a row in the result: stored, unknown NIP, unknown code, invalid file (with the
reason), duplicate, or proposed (being read, then a proposal or why there is none). Running the
same batch twice stores nothing twice. A NIP of another agency is an unknown NIP: the outcome
must not tell which NIPs exist elsewhere (docs/domain.md §2). ZIPs are read entry by entry with
limits on entries, sizes and compression ratio (bombs), and only the entry's base name counts
(no paths, no links).
"""

from __future__ import annotations

import lzma
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext as _

from asndigital.core.errors import DomainError, NotFound
from asndigital.documents import matching, services
from asndigital.documents.models import DocumentType
from asndigital.personnel.models import Employee

NAME = re.compile(r"^(?P<nip>\d{18})_(?P<code>[A-Za-z0-9-]{1,40})\.(?P<ext>[A-Za-z]{3,4})$")
MAX_ENTRIES = 1000
MAX_TOTAL = 1024 * 1024 * 1024  # 1 GiB uncompressed per ZIP
MAX_RATIO = 100  # uncompressed / compressed, per entry
CHUNK = 1024 * 1024


@dataclass
class Outcome:
    name: str
    status: str  # stored, unknown_nip, unknown_code, invalid_file, duplicate, proposed
    message: str = ""
    document_id: str = ""
    proposal: object = None  # the held file (PendingUpload) of a "proposed" outcome


class BulkError(DomainError):
    pass


def zip_entries(path: Path) -> Iterator[tuple[str, Iterator[bytes] | None, str]]:
    """(base name, chunks, problem) per file entry; a problem means the entry is not read."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, NotImplementedError):  # e.g. "zip file version 19.3"
        raise BulkError(_("The ZIP file is damaged or not a ZIP file."), code="bad_zip") from None
    with archive:
        # Not ZipInfo.is_dir(): it raises IndexError for an entry with an empty name.
        infos = [i for i in archive.infolist() if not i.filename.endswith("/")]
        if not infos:
            raise BulkError(_("The ZIP contains no files."), code="zip_empty")
        if len(infos) > MAX_ENTRIES:
            raise BulkError(
                _("The ZIP has more than %(n)d files.") % {"n": MAX_ENTRIES}, code="zip_too_many"
            )
        if sum(i.file_size for i in infos) > MAX_TOTAL:
            raise BulkError(_("The ZIP unpacks to more than 1 GB."), code="zip_too_large")
        for info in infos:
            base = info.filename.replace("\\", "/").rsplit("/", 1)[-1]
            mode = (info.external_attr >> 16) & 0o170000
            if mode == 0o120000:
                yield base, None, _("Links are not accepted.")
            elif info.flag_bits & 0x1:
                yield base, None, _("Encrypted ZIP entries are not accepted.")
            elif info.compress_size and info.file_size / info.compress_size > MAX_RATIO:
                yield base, None, _("The entry is compressed suspiciously well (a ZIP bomb?).")
            else:
                yield base, _read(archive, info), ""


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    # Counting what comes out: the header's sizes could lie.
    produced = 0
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(CHUNK):
                produced += len(chunk)
                if produced > info.file_size or produced > MAX_TOTAL:
                    raise DomainError(
                        _("The entry is larger than its ZIP header says."), code="zip_lies"
                    )
                yield chunk
    # What zipfile and the decompressors raise for a damaged entry: a wrong CRC, broken
    # compressed data, headers that disagree, a method it does not know.
    except (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, NotImplementedError):
        raise DomainError(
            _("The entry is damaged and cannot be unpacked."), code="zip_damaged"
        ) from None


def _find_type(code: str) -> DocumentType | None:
    types = DocumentType.objects.filter(is_active=True)
    if code.isdigit():
        return types.filter(siasn_code=int(code)).first()
    return types.filter(code=code.lower()).first()


def _unknown_nip(name: str) -> Outcome:
    # Missing, another agency's, or one the actor may not upload for: one answer for all.
    return Outcome(name, "unknown_nip", _("No employee you may upload for has this NIP."))


def _proposed(actor, name, chunks, source) -> Outcome:
    """A name that names neither: the file is read and matched by its text (documents/
    matching.py), and stored only when the operator confirms the proposal."""
    try:
        held = matching.propose(actor=actor, name=name, chunks=chunks, source=source)
    except DomainError as exc:
        return Outcome(name, "invalid_file", exc.message)
    return Outcome(name, "proposed", "", proposal=held)


def upload_many(*, actor, files, source: str) -> list[Outcome]:
    """``files``: (name, chunks or None, problem) as ``zip_entries`` yields, or loose files."""
    visible = Employee.objects.visible_to(actor)
    outcomes = []
    for name, chunks, problem in files:
        outcomes.append(_one(actor, visible, name, chunks, problem, source))
    return outcomes


def _one(actor, visible, name, chunks, problem, source) -> Outcome:
    if problem:
        return Outcome(name, "invalid_file", problem)
    match = NAME.match(name)
    if match is None:
        return _proposed(actor, name, chunks, source)
    employee = visible.filter(nip=match["nip"]).first()
    if employee is None:
        return _unknown_nip(name)
    doc_type = _find_type(match["code"])
    if doc_type is None:
        return Outcome(
            name, "unknown_code", _("Unknown document code “%(code)s”.") % {"code": match["code"]}
        )
    try:
        version = services.upload_document(
            actor=actor,
            employee=employee,
            doc_type=doc_type,
            chunks=chunks,
            original_name=name,
            metadata={},
            source=source,
            require_metadata=False,
            replace_accepted=True,  # a batch replaces what it names, as it always has
        )
    except NotFound:
        return _unknown_nip(name)
    except DomainError as exc:
        status = "duplicate" if exc.code == "duplicate" else "invalid_file"
        return Outcome(name, status, exc.message)
    return Outcome(name, "stored", "", str(version.document_id))
