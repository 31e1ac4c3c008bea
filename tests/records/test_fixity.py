"""Fixity: stored files re-hashed against their upload SHA-256; failures are loud and kept."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from asndigital.audit.models import AuditEvent
from asndigital.documents import services
from asndigital.records.models import FixityCheck, FixityRun
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import upload

IJAZAH = {"jenjang": "S1", "institusi": "Universitas Indonesia", "tahun": "2015"}


@pytest.fixture
def versions(agency, files_in_tmp, db):
    services.load_catalogue()
    employee = EmployeeFactory(agency=agency)
    return [
        upload(employee.user, employee, pdf_bytes(n), code="ijazah", meta=IJAZAH) for n in (1, 2, 3)
    ]


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("check_fixity", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_intact_files_pass_and_every_result_is_kept(versions):
    out, err = run()
    assert "3 file(s) checked, 0 failed" in out and err == ""
    assert FixityCheck.objects.filter(outcome="ok").count() == 3
    assert AuditEvent.objects.filter(action="fixity.checked").count() == 1


def test_a_changed_file_and_a_missing_file_fail_loudly(versions, files_in_tmp):
    changed, missing, _fine = versions
    path = files_in_tmp / changed.storage_key
    stored = bytearray(path.read_bytes())
    stored[200] ^= 0x01  # one bit flipped on disk
    path.write_bytes(bytes(stored))
    (files_in_tmp / missing.storage_key).unlink()
    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("check_fixity", stdout=io.StringIO(), stderr=err)
    assert failed.value.returncode == 1
    assert f"mismatch: document {changed.document_id}" in err.getvalue()
    assert f"missing: document {missing.document_id}" in err.getvalue()
    outcomes = dict(FixityCheck.objects.values_list("version_id", "outcome"))
    assert outcomes == {changed.pk: "mismatch", missing.pk: "missing", _fine.pk: "ok"}
    assert AuditEvent.objects.filter(action="fixity.failed").count() == 2
    assert FixityRun.objects.get().failed == 2


def test_a_sample_checks_that_many(versions):
    out, _err = run("--sample", "2")
    assert "2 file(s) checked" in out
    assert FixityRun.objects.get().scope == "sample:2"


def test_deep_checks_decrypt_and_compare_the_original(versions, files_in_tmp):
    out, err = run("--deep")
    assert "3 file(s) checked, 0 failed" in out and err == ""


def test_a_file_and_its_hash_column_altered_together_are_found(versions, files_in_tmp):
    """An insider with the files and the database rewrites a stored file and, to match it,
    the version's stored_sha256 column: the default check judges by the chained upload event."""
    import hashlib

    from asndigital.documents.models import DocumentVersion
    from asndigital.records import fixity

    altered, column_only, _fine = versions
    path = files_in_tmp / altered.storage_key
    stored = bytearray(path.read_bytes())
    stored[300] ^= 0x01
    path.write_bytes(bytes(stored))
    new_hash = hashlib.sha256(bytes(stored)).hexdigest()
    DocumentVersion.objects.filter(pk=altered.pk).update(stored_sha256=new_hash)
    # Only the column changed (the file is intact): the record itself was tampered with.
    DocumentVersion.objects.filter(pk=column_only.pk).update(sha256="0" * 64)
    assert fixity.anchors([altered])[str(altered.pk)].stored_sha256 != new_hash
    with pytest.raises(CommandError):
        call_command("check_fixity", stdout=io.StringIO(), stderr=io.StringIO())
    outcomes = dict(FixityCheck.objects.values_list("version_id", "outcome"))
    assert outcomes == {
        altered.pk: "mismatch",
        column_only.pk: "record_changed",
        _fine.pk: "ok",
    }
