"""The API: tokens and sessions, scoping, JSON errors with stable codes, cursor pagination,
upload / download / decisions through the same services as the pages."""

import hashlib
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from asndigital.accounts import tokens
from asndigital.accounts.models import ApiToken, Role
from asndigital.audit.models import AuditEvent
from asndigital.core.errors import NotFound
from asndigital.documents import services as documents
from asndigital.documents.models import DocumentVersion
from tests.documents.files import pdf_bytes
from tests.factories import READ_SCOPES, WRITE_SCOPES, EmployeeFactory

pytestmark = pytest.mark.django_db
META = {"nomor_sk": "813/2015", "tanggal_sk": "02-03-2015", "tmt": "01-03-2015"}


@pytest.fixture
def setup(agency, other_agency, make_staff, files_in_tmp):
    documents.load_catalogue()
    admin = make_staff(Role.AGENCY_ADMIN, agency)
    mine = EmployeeFactory(agency=agency, nip="199001012015031001")
    theirs = EmployeeFactory(agency=other_agency, nip="199202022016042002")
    return {"admin": admin, "mine": mine, "theirs": theirs, "agency": agency}


def bearer(value):
    return Client(HTTP_AUTHORIZATION=f"Bearer {value}")


def token(setup, scopes=READ_SCOPES):
    _token, value = tokens.create_token(
        actor=setup["admin"], name="SIMPEG Kota A", agency=setup["agency"], scopes=scopes
    )
    return value


def test_without_credentials_the_answer_is_json_401(client, db):
    response = client.get("/api/v1/employees")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_a_wrong_or_revoked_token_is_refused(setup):
    value = token(setup)
    assert bearer(value[:-2] + "xx").get("/api/v1/employees").status_code == 401
    tokens.revoke_token(actor=setup["admin"], token=ApiToken.objects.get())
    assert bearer(value).get("/api/v1/employees").status_code == 401


def test_a_wrong_token_is_refused_even_beside_a_valid_session(setup, make_staff, agency):
    client = bearer("asn_000000000000_wrong")
    client.force_login(make_staff(Role.VERIFIER, agency))
    refused = client.get("/api/v1/employees")
    assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"
    client.defaults.pop("HTTP_AUTHORIZATION")
    assert client.get("/api/v1/employees").status_code == 200  # the session alone still works


def test_a_token_sees_its_agency_only_and_pages_by_cursor(setup, agency):
    for _ in range(3):
        EmployeeFactory(agency=agency)
    api = bearer(token(setup))
    first = api.get("/api/v1/employees", {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    second = api.get(first["next"]).json()  # the next page's address, cursor included
    nips = [e["nip"] for e in first["results"] + second["results"]]
    assert len(nips) == 4 and nips == sorted(nips) and setup["theirs"].nip not in nips
    assert api.get(f"/api/v1/employees/{setup['theirs'].nip}").json()["code"] == "not_found"
    assert api.get("/api/v1/employees/19900101 201503 1 001").json()["nip"] == setup["mine"].nip
    assert ApiToken.objects.get().last_used_at is not None


def test_a_token_without_documents_write_cannot_upload(setup):
    api = bearer(token(setup))
    response = api.post(
        f"/api/v1/employees/{setup['mine'].nip}/documents",
        {
            "type": "sk-cpns",
            "metadata": json.dumps(META),
            "file": SimpleUploadedFile("a.pdf", pdf_bytes()),
        },
    )
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    assert not DocumentVersion.objects.exists()


def test_upload_download_and_the_same_checks_as_the_pages(setup):
    api = bearer(token(setup, scopes=WRITE_SCOPES))
    url = f"/api/v1/employees/{setup['mine'].nip}/documents"
    refused = api.post(
        url,
        {
            "type": "sk-cpns",
            "metadata": json.dumps(META),
            "file": SimpleUploadedFile("a.pdf", b"bukan pdf"),
        },
    )
    assert refused.status_code == 400 and refused.json()["code"] == "unknown_format"
    assert "PDF" in refused.json()["message"]
    content = pdf_bytes(2)
    stored = api.post(
        url,
        {
            "type": "sk-cpns",
            "metadata": json.dumps(META),
            "file": SimpleUploadedFile("a.pdf", content),
        },
    )
    assert stored.status_code == 201
    body = stored.json()
    assert body["sha256"] == hashlib.sha256(content).hexdigest() and body["status"] == "menunggu"
    listing = api.get(f"/api/v1/employees/{setup['mine'].nip}/documents").json()
    assert [d["type"] for d in listing] == ["sk-cpns"]
    download = api.get(f"/api/v1/documents/{body['document']}/versions/1/file")
    assert b"".join(download.streaming_content) == content
    assert download["X-Checksum-SHA256"] == body["sha256"]
    assert AuditEvent.objects.filter(action="document.downloaded").count() == 1
    bad_type = api.post(url, {"type": "nope", "file": SimpleUploadedFile("a.pdf", content)})
    assert bad_type.json()["code"] == "unknown_type"


def test_a_person_uses_the_session_with_csrf_on_writes(setup, make_staff, agency):
    verifier = make_staff(Role.VERIFIER, agency)
    api = bearer(token(setup, scopes=WRITE_SCOPES))
    stored = api.post(
        f"/api/v1/employees/{setup['mine'].nip}/documents",
        {
            "type": "sk-cpns",
            "metadata": json.dumps(META),
            "file": SimpleUploadedFile("a.pdf", pdf_bytes()),
        },
    ).json()
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(verifier)
    url = f"/api/v1/documents/{stored['document']}/accept"
    assert browser.post(url).status_code in (401, 403)
    browser.get("/akun/keamanan/")  # a page with a form sets the CSRF cookie
    accepted = browser.post(url, HTTP_X_CSRFTOKEN=browser.cookies["csrftoken"].value)
    assert accepted.status_code == 200 and accepted.json()["status"] == "diterima"


def test_agency_admins_make_tokens_only_for_their_agency(setup, other_agency):
    with pytest.raises(NotFound):
        tokens.create_token(actor=setup["admin"], name="x", agency=other_agency, scopes=READ_SCOPES)


def test_the_openapi_document_and_local_docs(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "ASN Digital API"
    assert "/api/v1/employees/{nip}/documents" in spec["paths"]


def test_the_docs_page_loads_nothing_from_outside(client, db):
    page = client.get("/api/v1/docs").content.decode()
    assert "swagger-ui-bundle.js" in page
    assert "cdn" not in page and "https://" not in page


def test_the_missing_documents_report_pages_by_nip(setup, agency):
    for _ in range(3):
        EmployeeFactory(agency=agency)
    api = bearer(token(setup))
    first = api.get("/api/v1/reports/missing", {"agency": agency.code, "limit": 2}).json()
    assert len(first["results"]) == 2 and first["next"]
    assert "SK CPNS" in first["results"][0]["missing"]
    rest = api.get(
        "/api/v1/reports/missing", {"agency": agency.code, "after": first["next"]}
    ).json()
    nips = [r["nip"] for r in first["results"] + rest["results"]]
    assert len(nips) == 4 and nips == sorted(nips) and rest["next"] is None
    past = api.get("/api/v1/reports/missing", {"agency": agency.code, "after": "9" * 18})
    assert past.status_code == 200 and past.json()["results"] == []  # past the last page
    other = api.get("/api/v1/reports/missing", {"agency": "KOTA-B"})
    assert other.status_code == 404


def test_auditors_query_the_trail_others_get_404(setup, make_staff, agency):
    api = bearer(token(setup))  # a token without audit:read
    assert api.get("/api/v1/audit/events").json()["code"] == "insufficient_scope"
    staff = Client()
    staff.force_login(make_staff(Role.OPERATOR, agency))
    assert staff.get("/api/v1/audit/events").json()["code"] == "not_found"
    auditor = Client()
    auditor.force_login(make_staff(Role.AUDITOR))
    body = auditor.get("/api/v1/audit/events", {"action": "api_token.", "limit": 1}).json()
    assert [e["action"] for e in body["results"]] == ["api_token.created"]


def test_agency_admins_create_and_revoke_tokens_on_their_page(client, setup, make_staff, agency):
    client.force_login(make_staff(Role.OPERATOR, agency))
    assert client.get("/akun/token-api/").status_code == 404
    client.force_login(setup["admin"])
    page = client.post(
        "/akun/token-api/", {"name": "SIMPEG", "agency": agency.pk, "scopes": WRITE_SCOPES}
    ).content.decode()
    token_row = ApiToken.objects.get()
    assert f"asn_{token_row.key_id}_" in page  # shown once
    assert f"asn_{token_row.key_id}_" not in client.get("/akun/token-api/").content.decode()
    client.post(f"/akun/token-api/{token_row.pk}/cabut/")
    token_row.refresh_from_db()
    assert token_row.revoked_at is not None and not token_row.user.is_active
