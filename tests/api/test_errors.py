"""Error answers are JSON and the OpenAPI document describes them (found by
tests/api/test_schemathesis.py: text 405s, and operations that documented only their 200)."""

import uuid

import pytest
from django.test import Client

from asndigital.accounts import tokens
from asndigital.accounts.models import Role
from tests.factories import WRITE_SCOPES

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(agency, make_staff):
    _token, value = tokens.create_token(
        actor=make_staff(Role.AGENCY_ADMIN, agency),
        name="SIMPEG",
        agency=agency,
        scopes=WRITE_SCOPES,
    )
    return Client(HTTP_AUTHORIZATION=f"Bearer {value}")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("put", "/api/v1/employees", "GET"),
        ("delete", "/api/v1/catalogue", "GET"),
        ("get", f"/api/v1/documents/{uuid.UUID(int=7)}/accept", "POST"),
        ("patch", "/api/v1/employees/199001012015031001/documents", "GET, POST"),
    ],
)
def test_a_method_an_address_does_not_take_is_a_json_405(api, method, path, allowed):
    response = getattr(api, method)(path)
    assert response.status_code == 405
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert response.json() == {"code": "method_not_allowed", "message": "Permintaan tidak sah."}
    assert sorted(response["Allow"].split(", ")) == allowed.split(", ")


def test_also_without_credentials(client, db):
    response = client.put("/api/v1/employees")
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


OWN_ERRORS = {
    "get /api/v1/employees": {422},
    "get /api/v1/employees/{nip}": {404},
    "get /api/v1/catalogue": set(),
    "post /api/v1/employees/{nip}/documents": {403, 404, 422, 507},
    "get /api/v1/employees/{nip}/documents": {404},
    "get /api/v1/documents/{document_id}/versions/{number}/file": {404, 422, 500},
    "get /api/v1/documents/{document_id}/versions/{number}/signatures": {404, 422},
    "post /api/v1/documents/{document_id}/accept": {403, 404, 422},
    "post /api/v1/documents/{document_id}/reject": {403, 404, 422},
    "get /api/v1/reports/missing": {404, 422},
    "get /api/v1/audit/events": {404, 422},
    "get /api/v1/corrections": {422},
    "get /api/v1/corrections/figures": set(),
    "post /api/v1/corrections/{request_id}/answer": {404, 422},
    "get /api/v1/me/corrections": {422},
    "post /api/v1/me/corrections": {404, 422, 507},
    "get /api/v1/queue": {404, 422},
    "get /api/v1/queue/figures": {404, 422},
    "get /api/v1/search": {404, 422},
}


def test_every_operation_documents_its_error_answers(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    error = {"$ref": "#/components/schemas/ErrorOut"}
    assert spec["components"]["schemas"]["ErrorOut"]["required"] == ["code", "message"]
    documented = {}
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            codes = {int(code) for code in operation["responses"] if int(code) >= 400}
            documented[f"{method} {path}"] = codes
            for code in codes:
                content = operation["responses"][str(code)]["content"]
                assert content == {"application/json": {"schema": error}}, (method, path, code)
    assert documented == {op: {400, 401, 403, 429} | own for op, own in OWN_ERRORS.items()}


def test_the_download_documents_its_bytes_and_checksum(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    answer = spec["paths"]["/api/v1/documents/{document_id}/versions/{number}/file"]["get"]
    ok = answer["responses"]["200"]
    assert set(ok["content"]) == {"application/pdf", "image/jpeg", "image/png"}
    assert ok["headers"]["X-Checksum-SHA256"]["required"] is True


@pytest.mark.parametrize("debug", [False, True])
def test_api_errors_are_json_whatever_debug_says(settings, api, monkeypatch, debug):
    """An address the API does not have, and a failure inside it, answer JSON even with DEBUG
    on (under `make run`), never Django's HTML pages."""
    from django.test import Client

    settings.DEBUG = debug
    missing = api.get("/api/v1/no-such-thing")
    assert missing.status_code == 404 and missing["Content-Type"] == "application/json"
    assert missing.json() == {"code": "not_found", "message": "Tidak ditemukan."}

    def broken(**kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("asndigital.personnel.selectors.employee_list", broken)
    client = Client(HTTP_AUTHORIZATION=api.defaults["HTTP_AUTHORIZATION"])
    client.raise_request_exception = False
    failed = client.get("/api/v1/employees")
    assert failed.status_code == 500 and failed["Content-Type"] == "application/json"
    assert failed.json()["code"] == "server_error"
    assert "RuntimeError" not in failed.content.decode()
