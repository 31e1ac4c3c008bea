"""Cursor pagination: a cursor the API did not make is refused with 422 naming ``cursor``
(found by tests/api/test_schemathesis.py; before, 500 for some, a nameless 422 for others)."""

import base64

import pytest
from django.test import Client

from asndigital.accounts import tokens
from asndigital.accounts.models import Role
from tests.factories import READ_SCOPES, EmployeeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(agency, make_staff):
    EmployeeFactory(agency=agency)
    _token, value = tokens.create_token(
        actor=make_staff(Role.AGENCY_ADMIN, agency),
        name="SIMPEG",
        agency=agency,
        scopes=READ_SCOPES,
    )
    # Not re-raised: a 500 must be seen as the answer it gives, not as the test's exception.
    return Client(HTTP_AUTHORIZATION=f"Bearer {value}", raise_request_exception=False)


def encoded(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


@pytest.mark.parametrize(
    "cursor",
    [
        "can_upload",  # not base64 (what schemathesis sent)
        encoded("o=abc"),  # an offset that is not a number
        encoded("o=-1"),
        encoded("o=99999999999"),
        encoded("r=maybe"),  # a direction that is not a boolean
        encoded("p=%00"),  # a NUL in the position: PostgreSQL cannot compare it
    ],
)
def test_a_cursor_the_api_did_not_make_is_refused_naming_the_cursor(api, cursor):
    response = api.get("/api/v1/employees", {"cursor": cursor})
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid_request",
        "message": "Permintaan tidak sah; periksa: cursor.",
    }


def test_the_cursors_the_api_makes_still_page(api, agency):
    EmployeeFactory(agency=agency)
    first = api.get("/api/v1/employees", {"page_size": 1}).json()
    second = api.get(first["next"]).json()
    assert second["previous"] and len(second["results"]) == 1
    assert second["results"][0]["nip"] > first["results"][0]["nip"]
