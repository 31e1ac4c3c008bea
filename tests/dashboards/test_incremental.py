"""The incremental refresh keeps the same figures as a full recount, whatever changes: uploads,
decisions, destructions, transfers, imports, MFA, the catalogue."""

import random
from datetime import date

import pytest
from django.db import connection

from asndigital.accounts.models import Role
from asndigital.core.errors import DomainError
from asndigital.dashboards import changes, figures
from asndigital.dashboards.models import AgencyFigures, EmployeeFigures, FigureChange
from asndigital.demo.generator import generate_employee_rows
from asndigital.documents import services as documents
from asndigital.documents.models import Document, DocumentType
from asndigital.personnel.importer import import_employees
from asndigital.personnel.models import DEPARTED_STATUSES, Employee
from asndigital.personnel.services import upsert_agency
from asndigital.records import destruction
from asndigital.records.transfers import transfer_employee
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import WITNESSES, approved, enrol, personal_file_schedule, upload

pytestmark = pytest.mark.django_db
IJAZAH = {"jenjang": "S1", "institusi": "UI", "tahun": "2010"}
SK = {"nomor_sk": "821/45/BKN/2026", "tanggal_sk": "2026-10-01"}
FIELDS = [
    *figures.SHARES,
    "oldest_waiting_at",
    "uploads_by_day",
    "destruction",
]


def stored() -> dict[int, dict]:
    return {
        row.agency_id: {key: getattr(row, key) for key in FIELDS}
        for row in AgencyFigures.objects.all()
    }


def assert_equal_to_a_full_recount() -> None:
    assert stored() == figures.compute()
    shares = {row.employee_id: figures._stored_share(row) for row in EmployeeFigures.objects.all()}
    assert shares == figures.employee_shares(list(Employee.objects.values_list("pk", flat=True)))


@pytest.fixture
def archive(agency, other_agency, make_staff, files_in_tmp):
    documents.load_catalogue()
    personal_file_schedule()
    people = [EmployeeFactory(agency=agency) for _ in range(3)]
    people += [EmployeeFactory(agency=other_agency) for _ in range(2)]
    # Left in 2010: the personal file's 1 + 2 years have long run out, it may be destroyed.
    gone = EmployeeFactory(agency=agency, status="berhenti", status_on=date(2010, 1, 1))
    upload(gone.user, gone, pdf_bytes(90))
    upload(gone.user, gone, pdf_bytes(91), code="ijazah", meta=IJAZAH)
    upload(people[0].user, people[0], pdf_bytes(92))
    return {
        "people": people,
        "verifier": {a.pk: make_staff(Role.VERIFIER, a) for a in (agency, other_agency)},
        "records": {
            "officer": make_staff(Role.RECORDS_OFFICER, agency),
            "appraiser": make_staff(Role.AGENCY_ADMIN, agency),
            "approver": make_staff(Role.BKN_ADMIN),
        },
        "national": make_staff(Role.BKN_ADMIN),
    }


class Mix:
    """Random changes through the services, as users and imports make them."""

    def __init__(self, archive, agency, other_agency, seed: int):
        self.rng = random.Random(seed)
        self.archive = archive
        self.agencies = [agency, other_agency]
        self.files = 0
        self.destroyed = False
        self.done: set[str] = set()

    def employee(self, **only):
        current = Employee.objects.exclude(status__in=DEPARTED_STATUSES).filter(
            user__is_active=True, **only
        )
        return self.rng.choice(list(current.order_by("nip")))

    def waiting(self):
        found = list(Document.objects.filter(status=Document.Status.WAITING).order_by("pk"))
        return self.rng.choice(found) if found else None

    def upload(self):
        employee = self.employee()
        self.files += 1
        try:
            if self.rng.random() < 0.5:
                upload(employee.user, employee, pdf_bytes(self.files), replace_accepted=True)
            else:
                upload(employee.user, employee, pdf_bytes(self.files), code="ijazah", meta=IJAZAH)
        except DomainError:  # not for this employee (an SK CPNS for a PPPK): nothing changed
            return
        self.done.add("upload")

    def decide(self, accept: bool):
        document = self.waiting()
        if document is None:
            return
        verifier = self.archive["verifier"][document.employee.agency_id]
        if accept:
            documents.accept_document(actor=verifier, document=document)
        else:
            documents.reject_document(actor=verifier, document=document, reason="Tidak terbaca")
        self.done.add("accept" if accept else "reject")

    def transfer(self):
        employee = self.employee(employment_type__in=["CPNS", "PNS"])  # the SK is for them
        to = next(a for a in self.agencies if a.pk != employee.agency_id)
        self.files += 1
        transfer_employee(
            actor=self.archive["national"],
            employee=employee,
            to_agency=to,
            effective_on=date(2026, 11, 1),
            chunks=[pdf_bytes(self.files)],
            original_name="sk-pindah.pdf",
            metadata=SK,
        )
        self.done.add("transfer")

    def enrol(self):
        employee = self.employee()
        if employee.user and not employee.user.authenticatordevice_set.exists():
            enrol(employee.user)
            self.done.add("enrol")

    def import_(self):
        agency = self.rng.choice(self.agencies)
        rows = list(
            generate_employee_rows(
                2, seed=self.rng.randrange(10**6), agencies=[(agency.code, [("U1", "Dinas A")])]
            )
        )
        import_employees(actor=None, rows=enumerate(rows, start=2))
        # The same file again, one of them retired since: an update of an existing employee.
        rows[0] = {**rows[0], "status": "pensiun", "tmt_status": "01-10-2026"}
        import_employees(actor=None, rows=enumerate(rows, start=2))
        self.done.add("import")

    def destroy(self):
        if self.destroyed:
            return
        self.destroyed = True
        people, agency = self.archive["records"], self.agencies[0]
        proposal = approved(people, agency)
        destruction.execute(actor=people["officer"], proposal=proposal, witnesses=WITNESSES)
        self.done.add("destroy")

    def step(self):
        self.rng.choice(
            [
                self.upload,
                self.upload,
                lambda: self.decide(accept=True),
                lambda: self.decide(accept=True),
                lambda: self.decide(accept=False),
                self.transfer,
                self.enrol,
                self.import_,
                self.destroy,
            ]
        )()


@pytest.mark.parametrize("seed", [1, 2])
def test_the_incremental_refresh_equals_a_full_recount_after_random_changes(
    archive, agency, other_agency, monkeypatch, seed
):
    figures.refresh()  # the first refresh counts everything
    assert_equal_to_a_full_recount()

    def counting_everything():
        raise AssertionError("the refresh counted everything again")

    monkeypatch.setattr(figures, "rebuild", counting_everything)
    mix = Mix(archive, agency, other_agency, seed)
    noted = 0
    for _round in range(5):
        for _ in range(5):
            mix.step()
        noted += FigureChange.objects.count()
        figures.refresh()
        assert not FigureChange.objects.exists()
        assert_equal_to_a_full_recount()
    assert noted
    mix.destroy()
    mix.transfer()
    mix.import_()
    figures.refresh()
    assert_equal_to_a_full_recount()
    assert stored()[agency.pk]["destruction"] == {"dilaksanakan": 1}
    assert mix.done == {"upload", "accept", "reject", "transfer", "enrol", "import", "destroy"}


def test_a_change_nobody_noted_is_caught_by_the_full_recount(archive, agency):
    """The comparison can fail: without the triggers' notes the stored figures fall behind."""
    figures.refresh()
    employee = archive["people"][0]
    upload(employee.user, employee, pdf_bytes(5))
    FigureChange.objects.all().delete()
    figures.refresh()
    assert stored()[agency.pk] != figures.compute()[agency.pk]
    figures.refresh(full=True)
    assert stored()[agency.pk] == figures.compute()[agency.pk]


def test_a_catalogue_change_or_a_large_import_counts_everything_again(archive, agency, monkeypatch):
    figures.refresh()
    calls = []
    rebuild = figures.rebuild
    monkeypatch.setattr(figures, "rebuild", lambda: calls.append(1) or rebuild())
    employee = archive["people"][0]
    upload(employee.user, employee, pdf_bytes(6))
    figures.refresh()
    assert calls == []
    definition = dict(documents.read_catalogue())["ijazah"]
    documents.upsert_document_type(
        actor=None,
        code="ijazah",
        data={**definition, "requirement": DocumentType.Requirement.CONDITIONAL},
    )
    figures.refresh()
    assert calls == [1]
    assert_equal_to_a_full_recount()
    monkeypatch.setattr(figures, "REBUILD_AFTER", 1)
    for person in archive["people"][:2]:
        upload(person.user, person, pdf_bytes(7))
    figures.refresh()
    assert calls == [1, 1]
    assert_equal_to_a_full_recount()


def test_a_new_agency_gets_its_figures_at_the_next_refresh(archive):
    figures.refresh()
    newcomer = upsert_agency(actor=None, code="BARU", name="Instansi Baru", kind="regional")
    figures.refresh()
    assert stored()[newcomer.pk] == figures.compute()[newcomer.pk]


def test_every_watched_table_has_its_triggers():
    """A migration that rebuilds a watched table on SQLite drops its triggers: ``apps.py``
    installs them again after every migrate, and this fails if one is missing."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'dashboards_%%'")
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'dashboards_%'"
            )
        found = {row[0] for row in cursor.fetchall()}
    assert found == changes.trigger_names(connection.vendor)
