"""Every read of personal data is recorded, and the employee sees who read theirs (UU 27/2022):
their page, their documents, an export or an API list that included them; never their own."""

import hashlib

import pytest
from django.test import Client
from django.urls import reverse

from asndigital.accounts import tokens
from asndigital.accounts.models import Role
from asndigital.audit import reads, selectors
from asndigital.audit.models import AuditEvent, ReadSubject
from asndigital.documents import services
from asndigital.personnel.models import Employee
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import upload

HISTORY = reverse("audit:my_access")


@pytest.fixture
def people(agency, make_staff, files_in_tmp):
    services.load_catalogue()
    gap = EmployeeFactory(agency=agency, name="Rina Kekurangan", nip="199001012015031001")
    upload(gap.user, gap, pdf_bytes(1))  # one document, so still missing mandatory ones
    other = EmployeeFactory(agency=agency, name="Budi Lain")
    admin = make_staff(Role.AGENCY_ADMIN, agency, full_name="Sari Admin")
    return {"gap": gap, "other": other, "admin": admin}


def history_of(employee) -> list[str]:
    return list(selectors.access_history(employee).values_list("action", flat=True))


def test_opening_a_page_is_recorded_for_others_only(client, people):
    gap = people["gap"]
    client.force_login(gap.user)
    client.get(reverse("personnel:employee_detail", args=[gap.pk]))
    assert not AuditEvent.objects.filter(action="employee.viewed").exists()
    client.force_login(people["admin"])
    client.get(reverse("personnel:employee_detail", args=[gap.pk]))
    assert history_of(gap) == ["employee.viewed"]
    client.force_login(gap.user)
    page = client.get(HISTORY).content.decode()
    assert "Sari Admin" in page and "membuka halaman data pribadi Anda" in page


def test_an_export_is_found_by_each_person_in_it_and_by_nobody_else(client, people, agency):
    client.force_login(people["admin"])
    response = client.get(
        reverse("personnel:missing_report"), {"agency": agency.pk, "export": "csv"}
    )
    exported = b"".join(response.streaming_content).decode("utf-8-sig")
    event = AuditEvent.objects.get(action="report.exported")
    in_it = set(ReadSubject.objects.filter(event_id=event.pk).values_list("employee_id", flat=True))
    assert people["gap"].pk in in_it and people["gap"].nip_grouped in exported
    ids = sorted(str(pk) for pk in in_it)
    assert event.data["subjects"] == len(ids)
    assert event.data["subjects_sha256"] == hashlib.sha256("\n".join(ids).encode()).hexdigest()
    assert history_of(people["gap"]) == ["report.exported"]
    client.force_login(people["gap"].user)
    assert "mengekspor laporan kekurangan berkas" in client.get(HISTORY).content.decode()
    outsider = EmployeeFactory(name="Tidak Diekspor")  # another agency: not in the file
    assert history_of(outsider) == []


def test_api_reads_are_recorded_with_their_people(people, agency):
    _token, value = tokens.create_token(
        actor=people["admin"],
        name="SIMPEG",
        agency=agency,
        scopes=["employees:read", "documents:read"],
    )
    api = Client(HTTP_AUTHORIZATION=f"Bearer {value}")
    listed = api.get("/api/v1/employees", {"page_size": 1}).json()
    first = listed["results"][0]["nip"]
    api.get(f"/api/v1/employees/{people['gap'].nip}")
    api.get(f"/api/v1/employees/{people['gap'].nip}/documents")
    listed_event = AuditEvent.objects.get(action="employees.listed")
    subjects = ReadSubject.objects.filter(event_id=listed_event.pk)
    assert [s.employee_id for s in subjects] == [Employee.objects.get(nip=first).pk]
    assert {"employee.viewed", "dossier.read"} <= set(history_of(people["gap"]))
    assert all(e.data.get("api") for e in AuditEvent.objects.filter(action__in=["dossier.read"]))


def test_an_audit_export_is_found_by_the_people_whose_events_it_holds(client, people, make_staff):
    client.force_login(people["admin"])
    client.get(reverse("personnel:employee_detail", args=[people["gap"].pk]))
    auditor = make_staff(Role.AUDITOR, full_name="Inspektur")
    client.force_login(auditor)
    response = client.get(reverse("audit:search"), {"action": "employee.", "export": "csv"})
    assert response.status_code == 200
    b"".join(response.streaming_content)
    assert history_of(people["gap"])[0] == "audit.exported"
    assert "audit.exported" not in history_of(people["other"])  # none of their events in it


def test_the_history_is_paged_newest_first(client, people, django_assert_max_num_queries):
    gap, admin = people["gap"], people["admin"]
    for _ in range(53):
        reads.one(admin, "employee.viewed", gap)
    reads.many(admin, "report.exported", [gap.pk, people["other"].pk], report="missing")
    client.force_login(gap.user)
    with django_assert_max_num_queries(12):
        first = client.get(HISTORY)
    rows = first.context["rows"]
    assert len(rows) == 50 and rows[0][0].action == "report.exported"
    second = client.get(HISTORY, {"sebelum": first.context["older"]})
    assert len(second.context["rows"]) == 4 and second.context["older"] is None
    seen = [row[0].pk for row in rows] + [row[0].pk for row in second.context["rows"]]
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 54


def test_each_read_records_why_and_the_employee_sees_it(client, people, make_staff, agency):
    gap = people["gap"]
    page = reverse("personnel:employee_detail", args=[gap.pk])
    # A verifier has one purpose: it is recorded without asking.
    client.force_login(make_staff(Role.VERIFIER, agency, full_name="Dadang Verif"))
    assert 'name="keperluan"' not in client.get(page).content.decode()
    # An agency admin has several: asked on the page, not given until chosen, then kept.
    client.force_login(people["admin"])
    asked = client.get(page).content.decode()
    assert 'name="keperluan"' in asked and "Mengapa Anda membuka data pegawai ini?" in asked
    client.get(page, {"keperluan": "account_help"})
    client.get(page, {"keperluan": "destroy-everything"})  # not one of theirs: ignored
    client.get(page)
    purposes = [
        e.data.get("purpose")
        for e in AuditEvent.objects.filter(action="employee.viewed").order_by("id")
    ]
    assert purposes == ["verification", "", "account_help", "account_help", "account_help"]
    client.force_login(gap.user)
    history = client.get(HISTORY).content.decode()
    assert "untuk: bantuan akun (MFA, e-mail terdaftar)" in history
    assert "untuk: verifikasi dokumen" in history


def test_the_rows_saying_whom_an_export_included_are_checked_against_the_sealed_event(
    client, people, agency
):
    """An insider with the database (triggers dropped) who removes someone from an export, adds
    someone to it, or hangs rows on an event that never claimed any, is found by verify_audit."""
    from asndigital.audit import chain, guard

    client.force_login(people["admin"])
    client.get(reverse("personnel:missing_report"), {"agency": agency.pk, "export": "csv"})
    chain.seal()
    assert chain.verify().intact
    event = AuditEvent.objects.get(action="report.exported")
    row = ReadSubject.objects.filter(event_id=event.pk).first()
    outsider = EmployeeFactory(name="Tidak Diekspor")
    other_event = AuditEvent.objects.exclude(pk=event.pk).first()

    def problems():
        return [p for p in chain.verify().problems if "recorded read(s) of many" in p]

    with guard.maintenance():
        ReadSubject.objects.filter(pk=row.pk).delete()
    assert problems()
    with guard.maintenance():
        ReadSubject.objects.create(event_id=event.pk, employee_id=row.employee_id)
    assert not problems()
    with guard.maintenance():
        ReadSubject.objects.create(event_id=event.pk, employee_id=outsider.pk)
    assert problems()
    with guard.maintenance():
        ReadSubject.objects.filter(employee_id=outsider.pk).delete()
        ReadSubject.objects.create(event_id=other_event.pk, employee_id=outsider.pk)
    assert problems()


def test_every_read_of_many_uses_an_action_verify_audit_checks():
    import ast

    from tests.helpers import ROOT, recorded_actions

    used = set()
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "many":
                used |= recorded_actions(ast.unparse(node))
    assert used and used <= set(reads.MANY_ACTIONS), used - set(reads.MANY_ACTIONS)
