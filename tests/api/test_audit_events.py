"""The audit search's days (found by tests/api/test_schemathesis.py): at the ends of the
calendar (``until=9999-12-31`` gave a 500 on both databases, ``since=0001-01-01`` on SQLite),
and written as numbers (``until=0`` was read as a Unix time, 1970-01-01)."""

import pytest
from django.test import Client

from asndigital.accounts import tokens
from asndigital.accounts.models import Role
from tests.factories import READ_SCOPES

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor(make_staff, agency):
    client = Client(raise_request_exception=False)  # a 500 is an answer to assert on
    client.force_login(make_staff(Role.AUDITOR))
    admin = make_staff(Role.AGENCY_ADMIN, agency)
    tokens.create_token(actor=admin, name="SIMPEG", agency=agency, scopes=READ_SCOPES)  # audited
    return client


@pytest.mark.parametrize(
    "days",
    [
        {"until": "9999-12-31"},
        {"since": "0001-01-01"},
        {"since": "0001-01-01", "until": "9999-12-31"},
    ],
)
def test_a_day_at_the_end_of_the_calendar_means_no_bound(auditor, days):
    everything = auditor.get("/api/v1/audit/events").json()["results"]
    assert everything
    response = auditor.get("/api/v1/audit/events", days)
    assert response.status_code == 200
    assert response.json()["results"] == everything


@pytest.mark.parametrize("days", [{"since": "9999-12-31"}, {"until": "0001-01-01"}])
def test_and_the_other_ends_find_nothing(auditor, days):
    response = auditor.get("/api/v1/audit/events", days)
    assert response.status_code == 200 and response.json()["results"] == []


@pytest.mark.parametrize(
    ("days", "field"),
    [
        ({"until": "0"}, "until"),
        ({"since": "1700000000"}, "since"),
        ({"since": "2024-1-5"}, "since"),
    ],
)
def test_a_day_is_written_yyyy_mm_dd(auditor, days, field):
    response = auditor.get("/api/v1/audit/events", days)
    assert response.status_code == 422
    assert response.json()["message"] == f"Permintaan tidak sah; periksa: {field}."


def test_a_day_written_so_still_filters(auditor):
    assert auditor.get("/api/v1/audit/events", {"since": "2024-01-05"}).status_code == 200
