"""Every list and dossier page asks the database the same number of questions whatever it
shows: the count for a few rows equals the count for many (an N+1 query fails here). Each page
is measured on a later request of the session, as a person meets it."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from asndigital.accounts import tokens
from asndigital.accounts.models import Role
from asndigital.audit import reads
from asndigital.documents import services
from asndigital.records import services as records_services
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory, UnitFactory
from tests.helpers import META, upload


def queries(client, url, **params) -> int:
    client.get(url, params)  # the session's first request records its start
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, params)
    assert response.status_code == 200, url
    return len(captured)


@pytest.fixture
def world(agency, make_staff, files_in_tmp):
    services.load_catalogue()
    return {
        "admin": make_staff(Role.AGENCY_ADMIN, agency, full_name="Sari Admin"),
        "verifier": make_staff(Role.VERIFIER, agency),
        "officer": make_staff(Role.RECORDS_OFFICER, agency),
        "auditor": make_staff(Role.AUDITOR),
        "bkn": make_staff(Role.BKN_ADMIN),
        "unit": UnitFactory(agency=agency),
    }


def _documents(world, employee, count):
    for n in range(count):
        code, extra = [("sk-jabatan", {"jabatan": "Guru"}), ("sk-kp", {"golongan": "III/b"})][n % 2]
        version = upload(world["admin"], employee, pdf_bytes(n + 1), code=code, meta=META | extra)
        if n % 2:
            services.reject_document(
                actor=world["verifier"], document=version.document, reason="Buram"
            )


@pytest.mark.parametrize("few,many", [(1, 6)])
def test_the_dossier_page(client, world, agency, few, many):
    counts = []
    for n in (few, many):
        employee = EmployeeFactory(agency=agency, unit=world["unit"])
        _documents(world, employee, n)
        client.force_login(world["admin"])
        counts.append(queries(client, reverse("personnel:employee_detail", args=[employee.pk])))
    assert counts[0] == counts[1], counts
    # The documents are read once (the checklist reuses them) and the holds once (the phase
    # is judged from them): a busy page of the load test.
    assert counts[0] == 18, counts


def test_the_document_page_with_its_versions_and_events(client, world, agency):
    counts = []
    for n in (1, 5):
        employee = EmployeeFactory(agency=agency)
        document = upload(world["admin"], employee, pdf_bytes(99)).document
        for k in range(n):
            upload(world["admin"], employee, pdf_bytes(100 + k), document=document)
        client.force_login(world["admin"])
        counts.append(queries(client, reverse("documents:detail", args=[document.pk])))
    assert counts[0] == counts[1], counts
    assert counts[0] == 10, counts  # the holds read once, for the phase and the list


def test_the_audit_search_and_the_access_history(client, world, agency):
    searched, history = [], []
    for n in (2, 12):
        employee = EmployeeFactory(agency=agency)
        for _ in range(n):
            reads.one(world["admin"], "employee.viewed", employee)
        client.force_login(world["auditor"])
        searched.append(queries(client, reverse("audit:search"), nip=employee.nip))
        client.force_login(employee.user)
        history.append(queries(client, reverse("audit:my_access")))
    assert searched[0] == searched[1], searched
    assert history[0] == history[1], history


def test_the_api_tokens_page(client, world, agency):
    counts = []
    for n in (1, 6):
        for k in range(n):
            tokens.create_token(
                actor=world["admin"],
                name=f"SIMPEG {n}-{k}",
                agency=agency,
                scopes=["employees:read"],
            )
        client.force_login(world["admin"])
        counts.append(queries(client, reverse("accounts:api_tokens")))
    assert counts[0] == counts[1], counts


def test_the_employee_list_with_holds_and_units(client, world, agency):
    counts = []
    for n in (2, 10):
        for _ in range(n):
            employee = EmployeeFactory(agency=agency, unit=UnitFactory(agency=agency))
            records_services.place_hold(actor=world["officer"], employee=employee, reason="Kasus")
        client.force_login(world["admin"])
        counts.append(queries(client, reverse("personnel:employee_list")))
    assert counts[0] == counts[1], counts
