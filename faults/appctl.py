"""The fault suite's hands inside the application: run as a child process with the fault's
environment (``python faults/appctl.py COMMAND``), answers one JSON line.

- ``token``: a write API token for the demo agency (Kota Bandung) and its employees' NIPs.
- ``inventory``: rows and files side by side: what a crash may have left behind.
- ``destruction-setup N``: N employees who left in 2010, two documents each, and an approved
  destruction proposal listing them.
- ``destroy PROPOSAL``: execute it (the process the suite kills).
- ``destruction-report PROPOSAL``: what the execution did, counted.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asndigital.settings")

import django  # noqa: E402 - the path and settings must be in place first

django.setup()

from asndigital.accounts.models import User  # noqa: E402
from asndigital.audit.models import AuditEvent  # noqa: E402
from asndigital.documents import storage  # noqa: E402
from asndigital.documents.models import Document, DocumentEvent, DocumentVersion  # noqa: E402

WRITE = ["employees:read", "documents:read", "documents:write"]  # the suite's token may do

AGENCY = "PEMKOT-BDG"


def answer(data) -> None:
    print(json.dumps(data, default=str), flush=True)


def token() -> None:
    from asndigital.accounts import tokens
    from asndigital.personnel.models import Agency, Employee

    admin = User.objects.get(username="admin.bandung")
    _token, value = tokens.create_token(
        actor=admin, name="Fault suite", agency=Agency.objects.get(code=AGENCY), scopes=WRITE
    )
    nips = list(
        Employee.objects.filter(agency__code=AGENCY, status="aktif")
        .order_by("nip")
        .values_list("nip", flat=True)
    )
    answer({"token": value, "nips": nips})


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def inventory() -> None:
    """Every version row and every file under the storage root, and where they disagree."""
    root = storage.root()
    versions = list(
        DocumentVersion.objects.values(
            "pk", "document_id", "number", "sha256", "stored_sha256", "storage_key", "destroyed_at"
        )
    )
    keys = {v["storage_key"] for v in versions if v["destroyed_at"] is None}
    thumbs = {f"thumbnails/{k.removeprefix('documents/')}.png" for k in keys}
    files = {
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and p.relative_to(root).parts[0] in ("documents", "thumbnails")
    }
    bad_stored_hash = [
        v["storage_key"]
        for v in versions
        if v["destroyed_at"] is None
        and (root / v["storage_key"]).is_file()
        and _sha256(root / v["storage_key"]) != v["stored_sha256"]
    ]
    answer(
        {
            "versions": len(versions),
            "documents": Document.objects.count(),
            "documents_without_current_version": Document.objects.filter(
                current_version=None
            ).count(),
            "rows_without_file": sorted(keys - files),
            "files_without_row": sorted(files - keys - thumbs),
            "tmp_files": sorted(p.name for p in (root / "tmp").glob("*") if p.is_file())
            if (root / "tmp").is_dir()
            else [],
            "bad_stored_hash": bad_stored_hash,
            "upload_events": AuditEvent.objects.filter(
                action__in=["document.uploaded", "document.replaced"]
            ).count(),
            "document_events": DocumentEvent.objects.filter(
                kind__in=["uploaded", "replaced"]
            ).count(),
            "by_sha256": {v["sha256"]: [str(v["document_id"]), v["number"]] for v in versions},
        }
    )


def destruction_setup(count: int) -> None:
    from datetime import date

    from asndigital.documents import services as documents
    from asndigital.documents.models import DocumentType
    from asndigital.personnel.models import Agency
    from asndigital.records import destruction
    from asndigital.records.models import DestructionProposal
    from tests.factories import EmployeeFactory

    from faults.pdfs import unique_pdf

    agency = Agency.objects.get(code=AGENCY)
    operator = User.objects.get(username="operator.bandung")
    types = {
        "realisasi-skp": {"tahun": "2008"},
        "sertifikat-penghargaan": {"nama_kegiatan": "Satyalancana", "tanggal": "01-02-2008"},
    }
    for n in range(count):
        employee = EmployeeFactory(
            agency=agency,
            nip=f"19700101199503{1 + n % 2}{n + 1:03d}",
            status="berhenti",
            status_on=date(2010, 1, 1),
        )
        for code, meta in types.items():
            documents.upload_document(
                actor=operator,
                employee=employee,
                doc_type=DocumentType.objects.get(code=code),
                chunks=[unique_pdf(4000)],
                original_name="lama.pdf",
                metadata=meta,
                source="scan",
            )
    officer = User.objects.get(username="arsiparis.bandung")
    proposal = destruction.create_proposal(actor=officer, agency=agency, title="DAUM uji gangguan")
    destruction.submit(actor=officer, proposal=proposal)
    opinions = {item.pk: ("musnah", "") for item in proposal.items.all()}
    appraiser = User.objects.get(username="admin.bandung")
    destruction.appraise(actor=appraiser, proposal=proposal, opinions=opinions)
    destruction.approve(actor=User.objects.get(username="admin.bkn"), proposal=proposal)
    proposal = DestructionProposal.objects.get(pk=proposal.pk)
    answer(
        {
            "proposal": proposal.pk,
            "items": proposal.items.count(),
            "documents": [str(d) for d in proposal.items.values_list("document_id", flat=True)],
        }
    )


def destroy(proposal_id: int) -> None:
    from asndigital.records import destruction
    from asndigital.records.models import DestructionProposal

    proposal = DestructionProposal.objects.get(pk=proposal_id)
    officer = User.objects.get(username="arsiparis.bandung")
    item, finish = destruction._execute_item, destruction._finish

    def item_then_say(actor, item_id):  # progress, so the suite knows where its kill landed
        item(actor, item_id)
        print("item", flush=True)

    def say_then_finish(actor, proposal):
        print("finishing", flush=True)
        return finish(actor, proposal)

    destruction._execute_item, destruction._finish = item_then_say, say_then_finish
    print("ready", flush=True)  # the suite kills at random moments from here on
    proposal = destruction.execute(
        actor=officer, proposal=proposal, witnesses=os.environ["FAULT_WITNESSES"].split(",")
    )
    answer({"status": proposal.status})


def destruction_report(proposal_id: int) -> None:
    from asndigital.records.models import DestructionProposal

    proposal = DestructionProposal.objects.get(pk=proposal_id)
    documents = list(proposal.items.values_list("document_id", flat=True))
    versions = DocumentVersion.objects.filter(document_id__in=documents)
    root = storage.root()
    record = root / proposal.record_key if proposal.record_key else None
    destroyed_events = Counter(
        AuditEvent.objects.filter(action="document.destroyed").values_list("target_id", flat=True)
    )
    answer(
        {
            "status": proposal.status,
            "items": len(documents),
            "outcomes": dict(Counter(proposal.items.values_list("outcome", flat=True))),
            "documents_destroyed": Document.objects.filter(
                pk__in=documents, status=Document.Status.DESTROYED
            ).count(),
            "versions": versions.count(),
            "versions_destroyed": versions.exclude(destroyed_at=None).count(),
            "versions_with_key": versions.exclude(sealed_key=None).count(),
            "files_left": sum(
                (root / key).exists() for key in versions.values_list("storage_key", flat=True)
            ),
            "destroyed_document_events": DocumentEvent.objects.filter(
                document_id__in=documents, kind="destroyed"
            ).count(),
            "destroyed_audit_events": sum(destroyed_events.values()),
            "documents_with_more_than_one_audit_event": sum(
                1 for n in destroyed_events.values() if n > 1
            ),
            "started_events": AuditEvent.objects.filter(action="destruction.started").count(),
            "executed_events": AuditEvent.objects.filter(action="destruction.executed").count(),
            "record_sha256": proposal.record_sha256,
            "record_file_sha256": _sha256(record) if record and record.is_file() else None,
            "record_folder": sorted(
                p.name for p in (root / "destruction" / str(proposal.pk)).glob("*") if p.is_file()
            ),
            "verification_code": bool(proposal.verification_code),
        }
    )


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "token":
        token()
    elif command == "inventory":
        inventory()
    elif command == "destruction-setup":
        destruction_setup(int(args[0]))
    elif command == "destroy":
        destroy(int(args[0]))
    elif command == "destruction-report":
        destruction_report(int(args[0]))
    else:
        raise SystemExit(f"unknown command {command}")
