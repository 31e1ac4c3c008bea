"""When the database cannot be reached, every request gets a clean 503 (a page in the site's
look, JSON under the API), never a 500 with a traceback; other errors stay 500s."""

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError, connections
from django.test import Client


def database_down(error=None):
    """Every query fails as when PostgreSQL is stopped (no test database is used)."""
    error = error or OperationalError("connection refused")

    def refuse(*args, **kwargs):
        raise error

    return mock.patch.object(connections["default"], "ensure_connection", refuse)


@pytest.fixture
def browser():
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("error", [OperationalError("refused"), InterfaceError("closed")])
def test_a_page_needing_the_database_answers_503_in_indonesian(browser, error):
    with database_down(error):
        response = browser.get("/verifikasi/KDOJF6IARNZGGKMZ4767DBY6/")
    text = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Layanan sedang tidak tersedia untuk sementara" in text
    assert 'class="topbar"' in text  # the site's own layout
    assert "Traceback" not in text and "OperationalError" not in text


def test_the_api_answers_503_json_with_a_stable_code(browser):
    with database_down():
        response = browser.get(
            "/api/v1/employees", HTTP_AUTHORIZATION="Bearer asn_0123456789ab_secret"
        )
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "unavailable"
    assert body["message"].startswith("Layanan sedang tidak tersedia")


def test_other_errors_are_still_a_500(browser):
    with database_down(ValueError("a bug, not an outage")):
        response = browser.get("/verifikasi/KDOJF6IARNZGGKMZ4767DBY6/")
    assert response.status_code == 500


@pytest.mark.django_db
def test_a_signed_in_person_gets_the_page_too(browser):
    """Their session and name live in the database: the page shows them as signed out."""
    from tests.factories import UserFactory

    browser.force_login(UserFactory())
    with database_down():
        response = browser.get("/pegawai/")
    assert response.status_code == 503
    assert "Layanan sedang tidak tersedia untuk sementara" in response.content.decode()
