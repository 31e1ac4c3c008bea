"""Every file of the corpus through the upload page, as the agency's operator: refused with its
reason in Indonesian and nothing left, or stored under a key of our own and served safely."""

import re

import pytest
from django.urls import reverse

from asndigital.documents import services
from asndigital.documents.models import DocumentVersion
from tests.hostile.corpus import BAD_REQUEST, FILES, MESSAGES, NO_FILE, STORED
from tests.hostile.helpers import assert_nothing_left, browser, files_under, sha256, upload_page

KINDS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}
KINDS_BY_EXTENSION = {"pdf": "pdf", "jpg": "jpg", "jpeg": "jpg", "png": "png"}
SAFE_LABEL = r"^[A-Za-z0-9._ -]{1,120}$"


@pytest.mark.parametrize("entry", FILES, ids=lambda entry: entry.id)
def test_a_hostile_file_on_the_upload_page(world, entry):
    response = upload_page(world, entry.doc_type, entry.filename(), entry.content)

    if entry.expected == STORED:
        assert response.status_code == 302, response.content.decode()[:2000]
        assert_stored_safely(world, entry)
        return
    page = response.content.decode()
    if entry.expected == BAD_REQUEST:
        assert response.status_code == 400
        assert "Permintaan tidak dapat dibaca" in page
    elif entry.expected == NO_FILE:
        assert response.status_code == 200
        assert "Pilih berkas dokumen." in page
    else:
        assert response.status_code == 200
        assert MESSAGES[entry.refused] in page, page[:3000]
    assert_nothing_left(world)


def assert_stored_safely(world, entry) -> None:
    version = DocumentVersion.objects.select_related("document").get()
    document = version.document
    employee = world.employee
    # The key is ours; the person's name for the file survives only as a cleaned label.
    assert version.storage_key == f"documents/{employee.pk}/{version.pk}"
    assert files_under(world.storage) == [version.storage_key]
    assert files_under(world.scratch) == []
    assert re.match(SAFE_LABEL, version.original_name), version.original_name
    assert version.sha256 == sha256(entry.content) and version.size == len(entry.content)
    # Stored as the kind its content and its name agree on (a JPEG+PDF polyglot is a JPEG).
    kind = KINDS[version.media_type]
    assert kind == KINDS_BY_EXTENSION[entry.filename().lower().rstrip(". ").rpartition(".")[2]]

    client = browser(world.operator)
    for name, disposition in (("documents:view", "inline"), ("documents:download", "attachment")):
        served = client.get(reverse(name, args=[document.pk, version.pk]))
        assert served.status_code == 200
        assert b"".join(served.streaming_content) == entry.content
        # Served as what the content is, never sniffed, nothing in it may run.
        assert served["Content-Type"] == version.media_type
        assert served["X-Content-Type-Options"] == "nosniff"
        assert "default-src 'none'" in served["Content-Security-Policy"]
        assert served["Content-Disposition"] == (
            f'{disposition}; filename="{entry.doc_type}-{employee.nip}-v1.{kind}"'
        )
    assert "sandbox" in served["Content-Security-Policy"]

    # The preview is drawn (or, for a file that cannot be drawn in bounds, simply missing),
    # and its work leaves nothing behind.
    if entry.preview:
        state = services.make_thumbnail(version_id=version.pk)
        assert state == entry.preview
        expected = [version.storage_key] + ([version.thumbnail_key] if state == "ready" else [])
        assert files_under(world.storage) == sorted(expected)
        assert files_under(world.scratch) == []
    for page in (
        reverse("documents:detail", args=[document.pk]),
        reverse("personnel:employee_detail", args=[employee.pk]),
    ):
        assert client.get(page).status_code == 200
