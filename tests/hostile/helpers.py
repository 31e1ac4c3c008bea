"""Uploading the way browsers and API clients do, and checking that nothing was left behind."""

import hashlib
import json
from uuid import uuid4

from django.test import Client
from django.urls import reverse

from asndigital.audit.models import AuditEvent
from asndigital.documents.models import Document, DocumentEvent, DocumentVersion

NIP = "199001012015031001"
META = {
    "sk-cpns": {"nomor_sk": "813/KEP/2015", "tanggal_sk": "02-03-2015", "tmt": "01-03-2015"},
    "sertifikat-diklat": {
        "nama_kegiatan": "Latsar CPNS",
        "institusi": "BPSDM Jawa Barat",
        "tanggal": "10-10-2015",
    },
}


def files_under(folder) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def rows() -> tuple[int, int, int, int]:
    """Documents, versions, events and upload audit events."""
    return (
        Document.objects.count(),
        DocumentVersion.objects.count(),
        DocumentEvent.objects.count(),
        AuditEvent.objects.filter(action__startswith="document.").count(),
    )


def assert_nothing_left(world) -> None:
    """No row, no stored file, no temporary file anywhere."""
    assert rows() == (0, 0, 0, 0)
    assert files_under(world.storage) == []
    assert files_under(world.scratch) == []


def assert_only_the_file_held(world) -> None:
    """Nothing stored in the archive: the only file is the one held for the retry (encrypted,
    under pending/, with its row), as the upload page holds a good file whose form it sends
    back; no temporary file anywhere."""
    from asndigital.documents.models import PendingUpload

    assert rows() == (0, 0, 0, 0)
    held = sorted(PendingUpload.objects.values_list("storage_key", flat=True))
    assert len(held) == 1 and files_under(world.storage) == held
    assert files_under(world.scratch) == []


def multipart(fields: dict, files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body with the file names exactly as given (Django's test client
    would keep only their base name), encoded the way browsers do: UTF-8, with quotes and line
    breaks percent-encoded."""
    boundary = f"----asn-hostile-{uuid4().hex}"
    body = bytearray()
    for name, values in fields.items():
        for value in values if isinstance(values, list) else [values]:
            body += (
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            )
            body += str(value).encode() + b"\r\n"
    for field, filename, content in files:
        quoted = filename.replace("\r", "%0D").replace("\n", "%0A").replace('"', "%22")
        body += (
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="{field}"; filename="{quoted}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        body += content + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    return bytes(body), f"multipart/form-data; boundary={boundary}"


def browser(user) -> Client:
    """A signed-in browser that sends CSRF tokens like a real one."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


# A browser that already holds its CSRF cookie (a secret of 32 letters and digits) sends it
# back in the form, as Django's own pages make it do.
CSRF_SECRET = "HostileCorpus0CsrfSecret00000000"


def post_form(client: Client, url: str, fields: dict, files) -> object:
    client.cookies["csrftoken"] = CSRF_SECRET
    fields = {"csrfmiddlewaretoken": CSRF_SECRET, **fields}
    body, content_type = multipart(fields, files)
    return client.post(url, body, content_type=content_type)


def upload_page(world, doc_type: str, filename: str, content: bytes, **meta):
    """The upload page, as the agency's operator fills it in."""
    client = browser(world.operator)
    fields = {"type": doc_type, "source": "scan"}
    fields.update({f"meta_{k}": v for k, v in {**META[doc_type], **meta}.items()})
    url = reverse("personnel:upload_document", args=[world.employee.pk])
    return post_form(client, url, fields, [("file", filename, content)])


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def api_upload(world, doc_type, filename, content, *, nip=NIP, **fields):
    body, content_type = multipart(
        {"type": doc_type, "metadata": json.dumps(META[doc_type]), "source": "scan", **fields},
        [("file", filename, content)],
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {world.token}")
    return api.post(f"/api/v1/employees/{nip}/documents", body, content_type=content_type)
