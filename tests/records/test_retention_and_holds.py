"""Retention schedules (JRA) give every dossier and document a lifecycle phase; legal holds
stop destruction, replacement and change."""

from datetime import date

import pytest
from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.audit.models import AuditEvent
from asndigital.core.errors import DomainError, NotFound
from asndigital.documents import services as documents
from asndigital.records import lifecycle, services
from asndigital.records.models import LegalHold, RetentionSchedule
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def employee(agency):
    documents.load_catalogue()
    return EmployeeFactory(agency=agency)


@pytest.fixture
def officer(make_staff, agency):
    return make_staff(Role.RECORDS_OFFICER, agency)


@pytest.mark.parametrize(
    ("status", "since", "today", "phase"),
    [
        ("aktif", date(2015, 3, 1), date(2026, 1, 1), "active"),
        ("pensiun", date(2024, 6, 1), date(2025, 5, 31), "active"),
        ("pensiun", date(2024, 6, 1), date(2025, 6, 1), "inactive"),
        ("meninggal", date(2020, 1, 10), date(2022, 12, 31), "inactive"),
        ("berhenti", date(2020, 1, 10), date(2023, 1, 10), "eligible"),
        ("cltn", date(2010, 1, 1), date(2026, 1, 1), "active"),
    ],
)
def test_the_personal_file_is_counted_from_separation(employee, status, since, today, phase):
    employee.status, employee.status_on = status, since
    assert lifecycle.dossier_phase(employee, today=today).code == phase


def test_a_document_type_with_its_own_schedule_follows_it(employee, bkn_admin):
    services.create_schedule(
        actor=bkn_admin,
        series="sk-cpns",
        data={
            "name": "SK CPNS (contoh)",
            "active_years": 5,
            "inactive_years": 10,
            "trigger": "tanggal_dokumen",
            "disposition": "permanen",
        },
    )
    document = upload(employee.user, employee, pdf_bytes(1)).document  # SK dated 2 March 2015
    assert lifecycle.document_phase(document, today=date(2020, 3, 1)).code == "active"
    assert lifecycle.document_phase(document, today=date(2020, 3, 2)).code == "inactive"
    assert lifecycle.document_phase(document, today=date(2030, 3, 2)).code == "permanent"
    other = upload(
        employee.user,
        employee,
        pdf_bytes(2),
        code="ijazah",
        meta={"jenjang": "S1", "institusi": "UI", "tahun": "2010"},
    ).document
    assert lifecycle.document_phase(other).schedule.series == "berkas-perseorangan"


def test_only_national_admins_edit_schedules_and_history_is_kept(make_staff, agency, bkn_admin):
    schedule = RetentionSchedule.objects.get(series="berkas-perseorangan")
    with pytest.raises(NotFound):
        services.update_schedule(
            actor=make_staff(Role.AGENCY_ADMIN, agency), schedule=schedule, data={"active_years": 9}
        )
    services.update_schedule(actor=bkn_admin, schedule=schedule, data={"active_years": 2})
    schedule.refresh_from_db()
    assert schedule.active_years == 2
    change = schedule.changes.get()
    assert change.actor == bkn_admin and change.changes == {"active_years": [1, 2]}
    assert AuditEvent.objects.filter(action="retention.updated").count() == 1


def test_the_schedule_page_says_it_is_configurable(client, officer):
    client.force_login(officer)
    page = client.get(reverse("records:schedules")).content.decode()
    assert "Berkas perseorangan ASN" in page and "dapat diubah" in page


def test_a_hold_stops_replacement_and_decisions_until_lifted(employee, officer, make_staff, agency):
    version = upload(employee.user, employee, pdf_bytes(1))
    document = version.document
    hold = services.place_hold(
        actor=officer, employee=employee, document=document, reason="Perkara PTUN 12/2026"
    )
    assert lifecycle.document_phase(document).code == "on_hold"
    with pytest.raises(DomainError, match="legal hold"):
        upload(employee.user, employee, pdf_bytes(2))  # a replacement of the held SK CPNS
    verifier = make_staff(Role.VERIFIER, agency)
    with pytest.raises(DomainError, match="legal hold"):
        documents.accept_document(actor=verifier, document=document)
    services.lift_hold(actor=officer, hold=hold, reason="Perkara selesai")
    documents.accept_document(actor=verifier, document=document)
    actions = AuditEvent.objects.filter(action__startswith="hold.").values_list("action", flat=True)
    assert sorted(actions) == ["hold.lifted", "hold.placed"]


def test_a_dossier_hold_covers_every_document(employee, officer):
    document = upload(employee.user, employee, pdf_bytes(1)).document
    services.place_hold(actor=officer, employee=employee, reason="Pemeriksaan inspektorat")
    assert lifecycle.is_held(document)
    assert lifecycle.dossier_phase(employee).code == "on_hold"


@pytest.mark.parametrize("who", ["operator", "the_employee", "other_officer", "verifier"])
def test_only_records_officers_and_national_admins_hold(
    employee, make_staff, agency, other_agency, who
):
    actor = {
        "operator": lambda: make_staff(Role.OPERATOR, agency),
        "the_employee": lambda: employee.user,
        "other_officer": lambda: make_staff(Role.RECORDS_OFFICER, other_agency),
        "verifier": lambda: make_staff(Role.VERIFIER, agency),
    }[who]()
    with pytest.raises((DomainError, NotFound)):
        services.place_hold(actor=actor, employee=employee, reason="alasan")
    assert not LegalHold.objects.exists()
    assert not AuditEvent.objects.filter(action="hold.placed").exists()


def test_a_hold_needs_a_reason_and_is_placed_from_the_page(client, employee, officer, bkn_admin):
    client.force_login(officer)
    url = reverse("records:place_hold", args=[employee.pk])
    client.post(url, {"reason": "  "})
    assert not LegalHold.objects.exists()
    client.post(url, {"reason": "Sengketa kepegawaian"})
    page = client.get(reverse("personnel:employee_detail", args=[employee.pk])).content.decode()
    assert "Sengketa kepegawaian" in page and "Ditahan (legal hold)" in page
    client.force_login(bkn_admin)
    hold = LegalHold.objects.get()
    client.post(reverse("records:lift_hold", args=[hold.pk]), {"reason": "Selesai"})
    hold.refresh_from_db()
    assert hold.lifted_by == bkn_admin and hold.lift_reason == "Selesai"


def test_a_storage_outage_after_a_hold_is_logged_and_repaired_by_the_daily_mirror(
    employee, officer, settings, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    """The hold is recorded even if the object storage cannot be reached right after the
    commit; `mirror_legal_holds` then sets the objects' legal holds."""
    from django.core.management import call_command

    from asndigital.documents import storage

    settings.ASN_S3_OBJECT_LOCK = True
    version = upload(employee.user, employee, pdf_bytes(1))

    def unreachable(keys, on):
        raise ConnectionError("the object storage is unreachable")

    monkeypatch.setattr(storage, "set_legal_hold", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        hold = services.place_hold(actor=officer, employee=employee, reason="Sengketa")
    assert LegalHold.objects.filter(pk=hold.pk).exists()
    assert "unreachable" in caplog.text
    mirrored = []
    monkeypatch.setattr(storage, "set_legal_hold", lambda keys, on: mirrored.append((keys, on)))
    call_command("mirror_legal_holds")
    assert (
        [version.storage_key, version.thumbnail_key],
        True,
    ) in mirrored
