"""Once an upload commits it is stored, and the caller must hear so: what runs after the
commit (queueing the preview) cannot turn it into an error (found by `make faults`, fault 2:
PostgreSQL stopping right after a commit gave a 503 for a stored upload)."""

import logging

import pytest
from django.db import OperationalError

from asndigital.documents import services
from asndigital.documents.models import DocumentVersion
from tests.factories import EmployeeFactory
from tests.helpers import upload


@pytest.fixture
def employee(agency, db):
    services.load_catalogue()
    return EmployeeFactory(agency=agency)


def test_a_preview_that_cannot_be_queued_does_not_fail_a_stored_upload(
    employee, monkeypatch, django_capture_on_commit_callbacks, caplog
):
    def database_gone(version_id):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(services.uploads, "_enqueue_after_upload", database_gone)
    with (
        caplog.at_level(logging.ERROR, logger="django.db.backends.base"),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        version = upload(employee.user, employee)
    assert callbacks  # the preview was to be queued after the commit
    assert DocumentVersion.objects.get() == version
    assert "on_commit" in caplog.text  # logged, not hidden
