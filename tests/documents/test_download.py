import pytest
from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.audit.models import AuditEvent
from asndigital.documents import services
from tests.documents.files import pdf_bytes
from tests.documents.test_upload import upload
from tests.factories import EmployeeFactory


@pytest.fixture
def employee(agency, db):
    services.load_catalogue()
    return EmployeeFactory(agency=agency)


def get(client, version, how="download"):
    return client.get(reverse(f"documents:{how}", args=[version.document_id, version.pk]))


def test_download_streams_the_original_with_safe_headers_and_is_audited(client, employee):
    content = pdf_bytes(2)
    version = upload(employee.user, employee, content)
    client.force_login(employee.user)
    response = get(client, version)
    assert response.streaming and b"".join(response.streaming_content) == content
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"].startswith("sandbox")
    event = AuditEvent.objects.get(action="document.downloaded")
    assert event.actor_id == employee.user.pk and event.data["version"] == str(version.pk)
    inline = get(client, version, "view")
    assert inline["Content-Disposition"].startswith("inline;")
    assert AuditEvent.objects.filter(action="document.viewed").count() == 1


def test_earlier_versions_stay_readable(client, employee):
    first = upload(employee.user, employee, pdf_bytes(1))
    upload(employee.user, employee, pdf_bytes(3))
    client.force_login(employee.user)
    assert b"".join(get(client, first).streaming_content) == pdf_bytes(1)


@pytest.mark.parametrize("who", ["colleague", "other_admin", "anonymous"])
def test_others_cannot_download_and_leave_no_view_event(
    client, employee, make_staff, other_agency, agency, who
):
    version = upload(employee.user, employee, pdf_bytes(1))
    actor = {
        "colleague": lambda: EmployeeFactory(agency=agency).user,
        "other_admin": lambda: make_staff(Role.AGENCY_ADMIN, other_agency),
        "anonymous": lambda: None,
    }[who]()
    if actor is not None:
        client.force_login(actor)
    assert get(client, version).status_code in (302, 404)
    assert not AuditEvent.objects.filter(action="document.downloaded").exists()


def test_a_version_of_another_document_is_not_reachable_through_this_one(client, employee):
    mine = upload(employee.user, employee, pdf_bytes(1))
    other = upload(
        employee.user,
        employee,
        pdf_bytes(2),
        name="i.pdf",
        code="ijazah",
        meta={"jenjang": "S1", "institusi": "UPI", "tahun": "2004"},
    )
    client.force_login(employee.user)
    url = reverse("documents:download", args=[mine.document_id, other.pk])
    assert client.get(url).status_code == 404
