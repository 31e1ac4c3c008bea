import pytest
from django.db import OperationalError
from django.urls import reverse


@pytest.mark.django_db
def test_healthz_answers_ok_after_checking_the_database(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_is_503_when_the_database_is_unreachable(client, monkeypatch):
    from django.db import connection

    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    assert b"refused" not in response.content  # no internals for whoever probes it


@pytest.mark.django_db
def test_people_get_a_status_page_in_words_machines_keep_the_json(client, monkeypatch):
    from asndigital.core import views

    landing = client.get("/").content.decode()
    assert 'href="/status/"' in landing and 'href="/healthz"' not in landing  # the footer
    page = client.get("/status/")
    assert page.status_code == 200 and "ASN Digital berjalan normal." in page.content.decode()
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
    monkeypatch.setattr(views, "_database_answers", lambda: False)
    down = client.get("/status/")
    assert down.status_code == 503 and "sedang tidak dapat digunakan" in down.content.decode()
