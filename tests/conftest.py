import pytest

from asndigital.accounts.models import Role
from tests.factories import AgencyFactory, EmployeeFactory, UserFactory, grant


@pytest.fixture
def agency(db):
    return AgencyFactory(code="KOTA-A", name="Pemerintah Kota A")


@pytest.fixture
def other_agency(db):
    return AgencyFactory(code="KOTA-B", name="Pemerintah Kota B")


@pytest.fixture
def make_staff(db):
    """make_staff(role, agency=None) -> a user holding that role (nationally without agency)."""

    def make(role: str, agency=None, **kwargs):
        user = UserFactory(**kwargs)
        grant(user, role, agency)
        return user

    return make


@pytest.fixture
def employee(agency):
    return EmployeeFactory(agency=agency)


@pytest.fixture
def agency_admin(make_staff, agency):
    return make_staff(Role.AGENCY_ADMIN, agency)


@pytest.fixture
def bkn_admin(make_staff):
    return make_staff(Role.BKN_ADMIN)


@pytest.fixture
def files_in_tmp(settings, tmp_path):
    """Stored files go to a temporary folder, never under var/."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "files"},
        },
    }
    return tmp_path / "files"


@pytest.fixture(scope="session", autouse=True)
def _flush_may_empty_the_audit_trail():
    """Transactional tests empty the database afterwards with `flush`, which the audit trail's
    append-only triggers refuse; the flush (and only the flush) runs in maintenance mode."""
    from django.core.management.commands import flush

    from asndigital.audit import guard

    original = flush.Command.handle

    def handle(self, *args, **options):
        with guard.maintenance(options.get("database", "default")):
            return original(self, *args, **options)

    flush.Command.handle = handle
    yield
    flush.Command.handle = original


@pytest.fixture(autouse=True)
def _site_language():
    """Each test starts in the site's language (Indonesian): a request in English earlier in
    the run must not leave its language active for messages raised outside requests."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()
