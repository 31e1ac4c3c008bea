"""The documents on a real S3 server (Ceph's radosgw, started on 127.0.0.1): upload, streaming
download, fixity and destruction, and S3 Object Lock keeping held records undeletable at the
storage layer."""

import io
from datetime import date

import pytest
from botocore.exceptions import ClientError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.documents import services as documents
from asndigital.documents import storage
from asndigital.records import destruction, services
from asndigital.records.models import RetentionSchedule
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def employee(agency, bucket):
    documents.load_catalogue()
    return EmployeeFactory(agency=agency)


def versions_of(bucket, key):
    client, name = bucket
    listing = client.list_object_versions(Bucket=name, Prefix=key)
    return [v for v in listing.get("Versions", []) if v["Key"] == key]


def test_an_upload_is_stored_encrypted_and_streams_back(client, employee, bucket):
    assert not storage.is_local()
    content = pdf_bytes(2)
    version = upload(employee.user, employee, content)
    s3, name = bucket
    stored = s3.get_object(Bucket=name, Key=version.storage_key)["Body"].read()
    assert b"%PDF" not in stored
    client.force_login(employee.user)
    response = client.get(reverse("documents:download", args=[version.document_id, version.pk]))
    assert b"".join(response.streaming_content) == content


def test_fixity_reads_the_store_and_finds_a_changed_object(employee, bucket):
    version = upload(employee.user, employee, pdf_bytes(1))
    out = io.StringIO()
    call_command("check_fixity", "--deep", stdout=out)
    assert "1 file(s) checked, 0 failed" in out.getvalue()
    s3, name = bucket
    s3.put_object(Bucket=name, Key=version.storage_key, Body=b"diganti")  # a newer version
    with pytest.raises(CommandError):
        call_command("check_fixity", stdout=io.StringIO(), stderr=io.StringIO())


def test_a_legal_hold_makes_the_object_undeletable_until_lifted(
    employee, bucket, make_staff, agency, django_capture_on_commit_callbacks
):
    officer = make_staff(Role.RECORDS_OFFICER, agency)
    version = upload(employee.user, employee, pdf_bytes(1))
    with django_capture_on_commit_callbacks(execute=True):
        hold = services.place_hold(actor=officer, employee=employee, reason="Perkara 7/2026")
    s3, name = bucket
    (only,) = versions_of(bucket, version.storage_key)
    status = s3.get_object_legal_hold(
        Bucket=name, Key=version.storage_key, VersionId=only["VersionId"]
    )
    assert status["LegalHold"]["Status"] == "ON"
    with pytest.raises(ClientError):  # not even the storage's owner deletes it now
        s3.delete_object(Bucket=name, Key=version.storage_key, VersionId=only["VersionId"])
    with django_capture_on_commit_callbacks(execute=True):
        services.lift_hold(actor=officer, hold=hold, reason="Perkara selesai")
    status = s3.get_object_legal_hold(
        Bucket=name, Key=version.storage_key, VersionId=only["VersionId"]
    )
    assert status["LegalHold"]["Status"] == "OFF"


def test_destruction_removes_every_version_from_the_store(agency, bucket, make_staff, files_in_tmp):
    documents.load_catalogue()
    RetentionSchedule.objects.get_or_create(
        series="berkas-perseorangan",
        defaults={
            "name": "Berkas",
            "active_years": 1,
            "inactive_years": 2,
            "trigger": "berhenti_bekerja",
            "disposition": "musnah",
        },
    )
    gone = EmployeeFactory(agency=agency, status="berhenti", status_on=date(2010, 1, 1))
    version = upload(gone.user, gone, pdf_bytes(1))
    documents.make_thumbnail(version_id=version.pk)
    officer = make_staff(Role.RECORDS_OFFICER, agency)
    proposal = destruction.create_proposal(actor=officer, agency=agency, title="DAUM S3")
    destruction.submit(actor=officer, proposal=proposal)
    destruction.appraise(
        actor=make_staff(Role.AGENCY_ADMIN, agency),
        proposal=proposal,
        opinions={item.pk: ("musnah", "") for item in proposal.items.all()},
    )
    destruction.approve(actor=make_staff(Role.BKN_ADMIN), proposal=proposal)
    destruction.execute(actor=officer, proposal=proposal, witnesses=["Saksi A", "Saksi B"])
    assert versions_of(bucket, version.storage_key) == []
    assert versions_of(bucket, version.thumbnail_key) == []


def test_checkpoints_are_kept_in_the_bucket_locked_and_read_by_verify_audit(
    bucket, settings, django_capture_on_commit_callbacks
):
    """Each signed checkpoint is also an object locked in compliance mode: not even the
    bucket's owner deletes it, and verify_audit reads it when the database's copies are gone."""
    from asndigital.audit import chain
    from asndigital.audit.services import make_checkpoint, record
    from tests.helpers import rewrite_everything, tamper

    settings.ASN_AUDIT_CHECKPOINT_FILE = ""  # the bucket alone
    settings.ASN_AUDIT_CHECKPOINT_RETENTION_DAYS = 1
    for n in range(3):
        record(None, "test.happened", None, number=n, nested={"b": 2, "a": [1, "x"]})
    with django_capture_on_commit_callbacks(execute=True):
        checkpoint = make_checkpoint()
    s3, name = bucket
    (kept,) = s3.list_objects_v2(Bucket=name, Prefix="audit-checkpoints/")["Contents"]
    assert kept["Key"].startswith(f"audit-checkpoints/{checkpoint.position:015d}-")
    (only,) = versions_of(bucket, kept["Key"])
    retention = s3.get_object_retention(Bucket=name, Key=kept["Key"], VersionId=only["VersionId"])
    assert retention["Retention"]["Mode"] == "COMPLIANCE"
    with pytest.raises(ClientError):
        s3.delete_object(Bucket=name, Key=kept["Key"], VersionId=only["VersionId"])
    call_command("verify_audit", stdout=io.StringIO())
    rewrite_everything()
    tamper("DELETE FROM audit_checkpoint")
    tamper("DELETE FROM audit_sealbatch")  # and the application's seals, for this test
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_audit", stdout=io.StringIO(), stderr=err)
    assert "kept outside checkpoint" not in err.getvalue()  # its signature is valid
    database_only = chain.verify().problems  # no checkpoint left in the database
    assert not any("does not match the chain" in p for p in database_only)
    assert "does not match the chain" in err.getvalue()  # the bucket's checkpoint says it
