"""Dashboards read stored figures; the stored figures equal a full recount."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from asndigital.accounts.models import Role
from asndigital.dashboards import figures
from asndigital.dashboards.models import AgencyFigures
from asndigital.documents import services as documents
from asndigital.schedule import runner
from asndigital.schedule.models import ScheduledJob
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import enrol, upload

pytestmark = pytest.mark.django_db
IJAZAH = {"jenjang": "S1", "institusi": "UI", "tahun": "2010"}


@pytest.fixture
def archive(agency, other_agency, make_staff, files_in_tmp):
    documents.load_catalogue()
    verifier = make_staff(Role.VERIFIER, agency)
    people = [EmployeeFactory(agency=agency) for _ in range(4)]
    EmployeeFactory(agency=agency, status="pensiun")  # departed: not counted
    EmployeeFactory(agency=other_agency)
    enrol(people[0].user)
    enrol(people[1].user)
    first = upload(people[0].user, people[0], pdf_bytes(1))
    documents.accept_document(actor=verifier, document=first.document)
    upload(people[0].user, people[0], pdf_bytes(2), code="ijazah", meta=IJAZAH)
    second = upload(people[0].user, people[0], pdf_bytes(3), code="ijazah", meta=IJAZAH)
    documents.accept_document(actor=verifier, document=second.document)  # two ijazah: one counts
    upload(people[1].user, people[1], pdf_bytes(4))  # waiting
    return people


def test_stored_figures_equal_a_full_recount(archive, agency, other_agency):
    assert figures.refresh() == 2
    for each in (agency, other_agency):
        stored = AgencyFigures.objects.get(agency=each)
        recount = figures.recount(each)
        assert {key: getattr(stored, key) for key in recount} == recount
    stored = AgencyFigures.objects.get(agency=agency)
    assert (stored.employees, stored.mfa_active, stored.mandatory_accepted) == (4, 2, 2)
    assert stored.waiting == 2 and sum(stored.uploads_by_day.values()) == 4


def test_who_sees_which_dashboard(client, archive, agency, other_agency, make_staff):
    call_command("refresh_dashboards", stdout=None)
    client.force_login(make_staff(Role.MONITOR))
    page = client.get(reverse("dashboards:national")).content.decode()
    assert agency.name in page and other_agency.name in page
    client.force_login(make_staff(Role.AGENCY_ADMIN, agency))
    page = client.get(reverse("dashboards:national")).content.decode()
    assert agency.name in page and other_agency.name not in page
    url = reverse("dashboards:agency", args=[other_agency.pk])
    assert client.get(url).status_code == 404
    client.force_login(make_staff(Role.OPERATOR, agency))
    assert client.get(reverse("dashboards:national")).status_code == 404


@pytest.mark.parametrize("national", [True, False])
def test_a_monitor_starts_on_the_dashboard(client, make_staff, agency, national):
    """A monitor's work is figures: home leads to their dashboard, not to an employee list."""
    client.force_login(make_staff(Role.MONITOR, None if national else agency))
    expected = (
        reverse("dashboards:national")
        if national
        else reverse("dashboards:agency", kwargs={"agency_id": agency.pk})
    )
    assert client.get(reverse("core:home"))["Location"] == expected
    assert client.get(reverse("personnel:employee_list")).status_code == 404


# --- Freshness: said in plain words, never as a command ------------------------------------------


def dashboard(client, user, language="id", url=None):
    client.force_login(user)
    client.cookies["django_language"] = language
    return client.get(url or reverse("dashboards:national")).content.decode()


def test_a_dashboard_without_figures_says_so_in_plain_words(client, agency, make_staff):
    admin = make_staff(Role.BKN_ADMIN)
    page = dashboard(client, admin)
    assert (
        "Angka belum pernah diperbarui; pembaruan pertama berjalan otomatis dalam beberapa "
        "menit. Muat ulang halaman ini nanti." in page
    )
    assert "Pegawai (belum berhenti)" not in page  # no zeros that look like figures
    assert "manage.py" not in page and "refresh_dashboards" not in page
    page = dashboard(client, admin, "en")
    assert "The figures have not been refreshed yet; the first refresh runs automatically" in page
    assert "manage.py" not in page
    url = reverse("dashboards:agency", args=[agency.pk])
    page = dashboard(client, make_staff(Role.AGENCY_ADMIN, agency), url=url)
    assert "Angka belum pernah diperbarui" in page and "manage.py" not in page


def test_a_refreshed_dashboard_says_how_often_and_when(client, agency, make_staff, settings):
    settings.ASN_SCHEDULE_MINUTES = {**settings.ASN_SCHEDULE_MINUTES, "refresh_dashboards": 10}
    assert runner.run_due(only={"refresh_dashboards"}) == [("refresh_dashboards", True)]
    computed = timezone.localtime(AgencyFigures.objects.get(agency=agency).computed_at)
    admin = make_staff(Role.BKN_ADMIN)
    page = dashboard(client, admin)
    assert (
        "Angka diperbarui otomatis setiap 10 menit; terakhir diperbarui "
        f"{date_format(computed, 'j M Y H:i')}." in page
    )
    assert "Pegawai (belum berhenti)" in page
    assert "Figures are refreshed automatically every 10 minutes" in dashboard(client, admin, "en")


def test_a_failed_refresh_says_it_is_tried_again(client, agency, make_staff, monkeypatch):
    call_command("refresh_dashboards", stdout=None)
    monkeypatch.setattr(figures, "refresh", lambda: 1 / 0)
    assert runner.run_due(only={"refresh_dashboards"}) == [("refresh_dashboards", False)]
    page = dashboard(client, make_staff(Role.BKN_ADMIN))
    assert "Pembaruan terakhir tidak berhasil; sistem mencoba lagi secara otomatis." in page
    assert "ZeroDivisionError" not in page


def test_a_dashboard_whose_refreshing_stopped_says_so(client, agency, make_staff):
    runner.run_due(only={"refresh_dashboards"})
    AgencyFigures.objects.update(computed_at=timezone.now() - timedelta(hours=3))
    ScheduledJob.objects.update(next_due_at=timezone.now() - timedelta(hours=2, minutes=50))
    page = dashboard(client, make_staff(Role.BKN_ADMIN))
    assert "pembaruan otomatis terhenti. Beri tahu pengelola sistem." in page


def test_a_dashboard_not_refreshed_automatically_says_so(client, agency, make_staff, settings):
    settings.ASN_SCHEDULE_MINUTES = {**settings.ASN_SCHEDULE_MINUTES, "refresh_dashboards": 0}
    admin = make_staff(Role.BKN_ADMIN)
    page = dashboard(client, admin)
    assert "pembaruan otomatis tidak berjalan di server ini. Beri tahu pengelola sistem." in page
    call_command("refresh_dashboards", stdout=None)
    assert "server ini tidak memperbaruinya secara otomatis" in dashboard(client, admin)


def test_a_new_agency_waits_for_the_next_refresh(client, agency, other_agency, make_staff):
    runner.run_due(only={"refresh_dashboards"})
    AgencyFigures.objects.filter(agency=other_agency).delete()  # as if it came after the refresh
    url = reverse("dashboards:agency", args=[other_agency.pk])
    page = dashboard(client, make_staff(Role.AGENCY_ADMIN, other_agency), url=url)
    assert "angka muncul setelah pembaruan otomatis berikutnya, paling lambat 10 menit lagi" in page
