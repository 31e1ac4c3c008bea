"""The operator's unfinished work: three lists in scope, and metadata of many files completed in
one form (every error at once, nothing half-saved)."""

import pytest
from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.audit.models import AuditEvent, ReadSubject
from asndigital.documents import services, worklists
from asndigital.documents.bulk import upload_many
from asndigital.documents.models import Document, DocumentEvent
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import upload

SPMT = {"nomor": "800/12/2015", "tanggal": "02-03-2015", "tmt": "01-03-2015"}


@pytest.fixture
def world(agency, other_agency, make_staff, db):
    services.load_catalogue()
    mine = EmployeeFactory(agency=agency, name="Siti Aminah")
    theirs = EmployeeFactory(agency=other_agency, name="Budi Lain")
    operator = make_staff(Role.OPERATOR, agency)
    other_operator = make_staff(Role.OPERATOR, other_agency)
    verifier = make_staff(Role.VERIFIER, agency)
    return operator, other_operator, verifier, mine, theirs


def bulk(actor, employee, code, n):
    [outcome] = upload_many(
        actor=actor, files=[(f"{employee.nip}_{code}.pdf", iter([pdf_bytes(n)]), "")], source="scan"
    )
    assert outcome.status == "stored", outcome
    return Document.objects.get(pk=outcome.document_id)


def test_bulk_uploads_without_metadata_are_listed_in_scope_only(world):
    operator, other_operator, _verifier, mine, theirs = world
    waiting = bulk(operator, mine, "sk-cpns", 1)
    bulk(other_operator, theirs, "sk-cpns", 2)
    upload(operator, mine, pdf_bytes(3), code="spmt", meta=SPMT)  # complete: not listed
    agencies = [a.pk for a in worklists.agencies(operator)]
    assert list(worklists.missing_metadata(operator, agencies)) == [waiting]
    # The other agency's operator sees theirs, never mine.
    theirs_only = worklists.missing_metadata(
        other_operator, [a.pk for a in worklists.agencies(other_operator)]
    )
    assert [d.employee for d in theirs_only] == [theirs]
    # Asking for another agency's id gives nothing either: the door is visible_to.
    assert not worklists.missing_metadata(operator, [theirs.agency_id]).exists()


def test_rejected_and_missing_lists_stay_in_scope(world):
    operator, _other_operator, verifier, mine, theirs = world
    doc = upload(mine.user, mine, pdf_bytes(4), code="spmt", meta=SPMT).document
    services.reject_document(actor=verifier, document=doc, reason="Tidak terbaca")
    other_verifier_doc = upload(theirs.user, theirs, pdf_bytes(5), code="spmt", meta=SPMT)
    assert other_verifier_doc.document.status == Document.Status.WAITING
    ids = [a.pk for a in worklists.agencies(operator)]
    [rejected] = worklists.rejected(operator, ids)
    assert rejected == doc and rejected.rejections[0].reason == "Tidak terbaca"
    rows, more = worklists.missing_documents_page(operator, ids, page=1, size=10)
    assert [r.employee_id for r in rows] == [str(mine.pk)] and not more
    assert worklists.missing_documents_count(operator, ids) == 1


def test_pages_show_counts_and_only_my_agency(client, world):
    operator, other_operator, _verifier, mine, theirs = world
    bulk(operator, mine, "sk-cpns", 1)
    bulk(other_operator, theirs, "sk-cpns", 2)
    client.force_login(operator)
    home = client.get(reverse("worklists:home"))
    assert home.status_code == 200
    assert home.context["metadata_count"] == 1 and home.context["missing_count"] == 1
    for name in ("worklists:metadata", "worklists:rejected", "worklists:missing"):
        page = client.get(reverse(name))
        assert page.status_code == 200
        assert theirs.nip_grouped.encode() not in page.content
        assert theirs.name.encode() not in page.content
    page = client.get(reverse("worklists:metadata"))
    assert mine.nip_grouped.encode() in page.content
    # The lists name employees: each page is a recorded read they find in their history.
    reads = AuditEvent.objects.filter(action="worklist.viewed").values("pk")
    assert ReadSubject.objects.filter(employee_id=mine.pk, event_id__in=reads).exists()
    assert not ReadSubject.objects.filter(employee_id=theirs.pk).exists()


@pytest.mark.parametrize("role", [Role.VERIFIER, Role.MONITOR, Role.RECORDS_OFFICER])
def test_other_roles_do_not_get_the_worklist(client, world, make_staff, agency, role):
    client.force_login(make_staff(role, agency))
    for name in ("worklists:home", "worklists:metadata", "worklists:rejected", "worklists:missing"):
        assert client.get(reverse(name)).status_code == 404


def test_an_employee_does_not_get_the_worklist(client, world):
    client.force_login(world[3].user)
    assert client.get(reverse("worklists:home")).status_code == 404


def _form(documents, values):
    data = {"row": [str(d.pk) for d in documents]}
    for d in documents:
        data[f"{d.pk}-version"] = str(d.current_version_id)
    for d, fields in zip(documents, values, strict=True):
        for name, value in fields.items():
            data[f"{d.pk}-{name}"] = value
    return data


def test_the_batch_form_saves_every_filled_row_together(client, world, agency):
    operator, _o, _v, mine, _t = world
    second = EmployeeFactory(agency=agency)
    a = bulk(operator, mine, "sk-cpns", 1)
    b = bulk(operator, second, "sk-cpns", 2)
    c = bulk(operator, mine, "spmt", 3)  # left empty: not touched
    client.force_login(operator)
    data = _form(
        [a, b, c],
        [
            {"nomor_sk": "813/1/2015", "tanggal_sk": "02-03-2015", "tmt": "01-03-2015"},
            {"nomor_sk": "813/2/2015", "tanggal_sk": "2015-03-02", "tmt": "01-03-2015"},
            {},
        ],
    )
    answer = client.post(reverse("worklists:metadata"), data)
    assert answer.status_code == 302
    a.current_version.refresh_from_db()
    b.current_version.refresh_from_db()
    assert a.current_version.metadata == {
        "nomor_sk": "813/1/2015",
        "tanggal_sk": "2015-03-02",
        "tmt": "2015-03-01",
    }
    assert b.current_version.metadata["nomor_sk"] == "813/2/2015"
    c.current_version.refresh_from_db()
    assert c.current_version.metadata == {}
    events = AuditEvent.objects.filter(action="document.metadata_completed")
    assert sorted(e.target_id for e in events) == sorted([str(a.pk), str(b.pk)])
    assert DocumentEvent.objects.filter(kind="metadata_completed").count() == 2
    remaining = worklists.missing_metadata(operator, [agency.pk])
    assert list(remaining) == [c]


def test_one_wrong_field_saves_nothing_and_every_error_is_shown(client, world, agency):
    operator, _o, _v, mine, _t = world
    a = bulk(operator, mine, "sk-cpns", 1)
    b = bulk(operator, mine, "spmt", 2)
    client.force_login(operator)
    before = AuditEvent.objects.filter(action="document.metadata_completed").count()
    data = _form(
        [a, b],
        [
            {"nomor_sk": "813/1/2015", "tanggal_sk": "02-03-2015", "tmt": "01-03-2015"},
            {"nomor": "", "tanggal": "31-02-2015", "tmt": "kemarin"},
        ],
    )
    answer = client.post(reverse("worklists:metadata"), data)
    assert answer.status_code == 200
    a.current_version.refresh_from_db()
    assert a.current_version.metadata == {}  # the valid row was not saved either
    assert AuditEvent.objects.filter(action="document.metadata_completed").count() == before
    rows = {str(r["document"].pk): r for r in answer.context["rows"]}
    errors = {f["name"].split("-", 5)[-1]: f["error"] for f in rows[str(b.pk)]["fields"]}
    assert errors["nomor"] and errors["tanggal"] and errors["tmt"]  # all three, at once
    assert not any(f["error"] for f in rows[str(a.pk)]["fields"])
    # What was typed stays in the form, next to its error.
    assert rows[str(a.pk)]["fields"][0]["value"] == "813/1/2015"
    assert "kemarin" in answer.content.decode()


def test_a_document_decided_meanwhile_is_a_row_error(world, agency):
    operator, _o, verifier, mine, _t = world
    a = bulk(operator, mine, "sk-cpns", 1)
    services.reject_document(actor=verifier, document=a, reason="Buram")
    with pytest.raises(services.MetadataErrors) as caught:
        services.complete_metadata(
            actor=operator,
            entries=[(a, a.current_version_id, {"nomor_sk": "1", "tanggal_sk": "02-03-2015"})],
        )
    assert "" in caught.value.errors[str(a.pk)]


def test_another_agencys_operator_cannot_complete_metadata(world):
    from asndigital.core.errors import NotFound

    operator, other_operator, _v, mine, _t = world
    a = bulk(operator, mine, "sk-cpns", 1)
    values = {"nomor_sk": "1", "tanggal_sk": "02-03-2015", "tmt": "01-03-2015"}
    with pytest.raises(NotFound):
        services.complete_metadata(
            actor=other_operator, entries=[(a, a.current_version_id, values)]
        )
    a.current_version.refresh_from_db()
    assert a.current_version.metadata == {}


def test_the_metadata_page_query_count_does_not_grow_with_rows(
    client, world, agency, django_assert_max_num_queries
):
    operator = world[0]
    bulk(operator, EmployeeFactory(agency=agency), "sk-cpns", 10)
    client.force_login(operator)
    client.get(reverse("worklists:metadata"))  # warm the session
    with django_assert_max_num_queries(25) as few:
        client.get(reverse("worklists:metadata"))
    for n in range(6):
        bulk(operator, EmployeeFactory(agency=agency), "sk-cpns", 11 + n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        answer = client.get(reverse("worklists:metadata"))
    assert len(answer.context["rows"]) == 7
