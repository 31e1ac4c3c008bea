import csv
import datetime as dt
import hashlib

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from asndigital.accounts.models import User
from asndigital.audit.models import AuditEvent
from asndigital.personnel.importer import ImportFileError, import_employees, read_rows, row_digest
from asndigital.personnel.models import Employee, EmployeeChange, EmployeeStatusEvent, Unit

HEADER = [
    "nip",
    "nama",
    "jenis_pegawai",
    "kode_instansi",
    "kode_unor",
    "nama_unor",
    "email",
    "status",
    "tmt_status",
    "golongan",
    "jabatan",
]
BUDI = [
    "19860926 201505 1 001",
    "Budi Santoso",
    "PNS",
    "KOTA-A",
    "DISDIK",
    "Dinas Pendidikan",
    "budi@kota-a.go.id",
    "aktif",
    "",
    "III/b",
    "Guru Ahli Pertama",
]
SITI = [
    "200012312024211001",
    "Siti Aminah",
    "PPPK",
    "KOTA-A",
    "DISDIK",
    "",
    "siti@kota-a.go.id",
    "aktif",
    "",
    "IX",
    "Guru",
]


def write_csv(path, rows, header=HEADER, delimiter=","):
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def run_import(path, tmp_path, *args):
    report = tmp_path / "report.csv"
    from io import StringIO

    out = StringIO()
    call_command("import_employees", str(path), "--report", str(report), *args, stdout=out)
    with open(report, encoding="utf-8") as handle:
        problems = list(csv.DictReader(handle))
    return out.getvalue().strip(), problems


def snapshot():
    return {
        "employees": sorted(
            Employee.objects.values_list("nip", "name", "rank", "status", "updated_at")
        ),
        "users": User.objects.count(),
        "changes": EmployeeChange.objects.count(),
        "events": EmployeeStatusEvent.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


@pytest.mark.django_db
def test_new_rows_create_employees_and_accounts_without_usable_password(agency, tmp_path):
    summary, problems = run_import(write_csv(tmp_path / "a.csv", [BUDI, SITI]), tmp_path)
    assert summary == "imported 2, updated 0, unchanged 0, rejected 0"
    assert problems == []
    budi = Employee.objects.select_related("user", "unit").get(nip="198609262015051001")
    assert budi.user.username == budi.nip
    assert not budi.user.has_usable_password()
    assert budi.user.is_active
    assert budi.birth_date == dt.date(1986, 9, 26) and budi.sex == "L"
    assert budi.appointed_on == dt.date(2015, 5, 1)
    assert budi.unit.name == "Dinas Pendidikan"
    assert budi.status_events.count() == 1
    siti = Employee.objects.get(nip="200012312024211001")
    assert siti.employment_type == "PPPK" and siti.unit_id == budi.unit_id
    assert Unit.objects.filter(agency=agency).count() == 1


@pytest.mark.django_db
def test_importing_the_same_file_twice_changes_nothing(agency, tmp_path):
    path = write_csv(tmp_path / "a.csv", [BUDI, SITI])
    run_import(path, tmp_path)
    before = snapshot()
    summary, _ = run_import(path, tmp_path)
    assert summary == "imported 0, updated 0, unchanged 2, rejected 0"
    assert snapshot() == before


@pytest.mark.django_db
def test_changed_row_updates_and_records_what_changed(agency, tmp_path):
    run_import(write_csv(tmp_path / "a.csv", [BUDI, SITI]), tmp_path)
    promoted = list(BUDI)
    promoted[9] = "III/c"
    summary, _ = run_import(write_csv(tmp_path / "b.csv", [promoted, SITI]), tmp_path)
    assert summary == "imported 0, updated 1, unchanged 1, rejected 0"
    budi = Employee.objects.get(nip="198609262015051001")
    assert budi.rank == "III/c"
    change = budi.changes.get()
    assert change.changes == {"rank": ["III/b", "III/c"]}
    assert change.source == "import"


@pytest.mark.django_db
def test_move_to_another_unit_is_recorded_with_codes_and_shown_with_labels(
    agency, tmp_path, client
):
    from asndigital.accounts.models import Role
    from tests.factories import UserFactory, grant

    run_import(write_csv(tmp_path / "a.csv", [BUDI]), tmp_path)
    moved = list(BUDI)
    moved[4:6] = ["BKPSDM", "Badan Kepegawaian dan Pengembangan SDM"]
    run_import(write_csv(tmp_path / "b.csv", [moved]), tmp_path)
    budi = Employee.objects.get(nip="198609262015051001")
    assert budi.changes.get().changes == {"unit": ["DISDIK", "BKPSDM"]}
    admin = UserFactory()
    grant(admin, Role.AGENCY_ADMIN, agency)
    client.force_login(admin)
    client.cookies["django_language"] = "en"
    body = client.get(f"/pegawai/{budi.pk}/").content.decode()
    assert "DISDIK → BKPSDM" in body


@pytest.mark.django_db
def test_departure_keeps_account_but_disables_it_and_keeps_status_history(agency, tmp_path):
    run_import(write_csv(tmp_path / "a.csv", [BUDI]), tmp_path)
    retired = list(BUDI)
    retired[7:9] = ["pensiun", "01-10-2046"]
    summary, _ = run_import(write_csv(tmp_path / "b.csv", [retired]), tmp_path)
    assert summary.startswith("imported 0, updated 1")
    budi = Employee.objects.select_related("user").get(nip="198609262015051001")
    assert budi.status == "pensiun" and budi.status_on == dt.date(2046, 10, 1)
    assert budi.user is not None and not budi.user.is_active
    assert list(budi.status_events.values_list("status", flat=True)) == ["pensiun", "aktif"]


BAD_ROWS = [
    (["19861326 201505 1 001", *BUDI[1:]], "birth month"),
    (["12345", *BUDI[1:]], "18 digits"),
    ([BUDI[0], "", *BUDI[2:]], "nama is empty"),
    ([BUDI[0], BUDI[1], "HONORER", *BUDI[3:]], "Employment type"),
    ([BUDI[0], BUDI[1], "PPPK", *BUDI[3:]], "PNS number"),
    ([*BUDI[:3], "KOTA-ZZ", *BUDI[4:]], "Agency code"),
    ([*BUDI[:6], "not-an-email", *BUDI[7:]], "e-mail"),
    ([*BUDI[:7], "cuti", *BUDI[8:]], "Status"),
    ([*BUDI[:7], "pensiun", "", *BUDI[9:]], "effective date"),
    ([*BUDI[:7], "pensiun", "31-02-2040", *BUDI[9:]], "not a date"),
    ([BUDI[0], "Budi\x00Santoso", *BUDI[2:]], "control characters"),
    ([BUDI[0], "B" * 201, *BUDI[2:]], "longer than 200"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "reason"), BAD_ROWS)
def test_a_bad_row_is_reported_with_its_reason_and_nothing_of_it_is_written(
    agency, tmp_path, row, reason
):
    summary, problems = run_import(
        write_csv(tmp_path / "a.csv", [SITI, row]), tmp_path, "--language", "en"
    )
    assert summary == "imported 1, updated 0, unchanged 0, rejected 1"
    assert len(problems) == 1
    assert problems[0]["row"] == "3"
    assert problems[0]["nip"] == row[0]
    assert reason.lower() in problems[0]["reason"].lower()
    assert not Employee.objects.filter(nip__startswith="1986").exists()
    assert User.objects.count() == 1  # Siti's account only


@pytest.mark.django_db
def test_duplicate_nip_in_one_file_is_rejected(agency, tmp_path):
    summary, problems = run_import(write_csv(tmp_path / "a.csv", [BUDI, SITI, BUDI]), tmp_path)
    assert summary == "imported 2, updated 0, unchanged 0, rejected 1"
    assert problems[0]["row"] == "4"


@pytest.mark.django_db
def test_nip_taken_by_a_staff_username_is_rejected_not_merged(agency, tmp_path):
    User.objects.create_user("198609262015051001")
    path = write_csv(tmp_path / "a.csv", [BUDI])
    summary, problems = run_import(path, tmp_path, "--language", "en")
    assert summary == "imported 0, updated 0, unchanged 0, rejected 1"
    assert "username of another account" in problems[0]["reason"]
    assert not Employee.objects.exists()


@pytest.mark.django_db
def test_batches_commit_independently_and_audit_each(agency, tmp_path):
    rows = [BUDI, SITI]
    summary, _ = run_import(write_csv(tmp_path / "a.csv", rows), tmp_path, "--batch-size", "1")
    assert summary == "imported 2, updated 0, unchanged 0, rejected 0"
    batches = AuditEvent.objects.filter(action="employees.imported")
    assert sorted(event.data["first_row"] for event in batches) == [2, 3]


@pytest.mark.django_db
def test_xlsx_with_semicolon_free_dates_and_aliases(agency, tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(
        [
            "NIP Baru",
            "Nama",
            "Jenis Pegawai",
            "Kode Instansi",
            "Kode Unor",
            "Email",
            "Status",
            "TMT Status",
            "Tanggal Lahir",
        ]
    )
    sheet.append(
        [
            198609262015051001,
            "Budi Santoso",
            "pns",
            "KOTA-A",
            "",
            "budi@kota-a.go.id",
            "AKTIF",
            dt.datetime(2015, 5, 1),
            dt.datetime(1986, 9, 26),
        ]
    )
    path = tmp_path / "siasn.xlsx"
    workbook.save(path)
    summary, problems = run_import(path, tmp_path)
    assert summary == "imported 1, updated 0, unchanged 0, rejected 0", problems
    assert Employee.objects.get().status_on == dt.date(2015, 5, 1)


@pytest.mark.django_db
def test_semicolon_csv_is_read(agency, tmp_path):
    summary, _ = run_import(write_csv(tmp_path / "a.csv", [BUDI], delimiter=";"), tmp_path)
    assert summary.startswith("imported 1")


def test_missing_required_columns_is_a_file_error(tmp_path):
    path = write_csv(tmp_path / "a.csv", [["x"]], header=["nip", "nama"])
    with pytest.raises(ImportFileError) as caught:
        list(read_rows(path))
    assert "jenis_pegawai" in str(caught.value)


@pytest.mark.django_db
def test_command_refuses_unreadable_files_clearly(tmp_path):
    (tmp_path / "x.pdf").write_bytes(b"%PDF-1.4")
    with pytest.raises(CommandError, match="Hanya file CSV dan XLSX"):  # Indonesian by default
        call_command("import_employees", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="Only CSV and XLSX"):
        call_command("import_employees", str(tmp_path / "x.pdf"), "--language", "en")
    # 0x81 is neither UTF-8 nor Windows-1252: named with its line, nothing imported.
    (tmp_path / "broken.csv").write_bytes(",".join(HEADER).encode() + b"\n\x81\x8d\n")
    with pytest.raises(CommandError, match="line 2: it is neither UTF-8, UTF-16"):
        call_command("import_employees", str(tmp_path / "broken.csv"), "--language", "en")
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_employees", str(tmp_path / "missing.csv"))


@pytest.mark.django_db
def test_import_service_can_be_called_without_the_command(agency):
    rows = [(2, dict(zip(HEADER, BUDI, strict=True)))]
    seen = []
    result = import_employees(actor=None, rows=rows, report=lambda *a: seen.append(a))
    assert (result.imported, result.rejected, seen) == (1, 0, [])


@pytest.mark.django_db
def test_a_row_the_database_refuses_is_rejected_alone_and_the_rest_of_its_batch_lands(
    agency, tmp_path, monkeypatch
):
    """Validation should catch everything; if the database still refuses a row, only it fails."""
    from django.db import IntegrityError

    from asndigital.accounts import services as accounts

    real_insert = accounts.insert_employee_accounts

    def refuse_budi(rows):
        rows = list(rows)
        if any(r[3] == "198609262015051001" for r in rows):
            raise IntegrityError("simulated")
        return real_insert(rows)

    monkeypatch.setattr(accounts, "insert_employee_accounts", refuse_budi)
    summary, problems = run_import(
        write_csv(tmp_path / "a.csv", [SITI, BUDI]), tmp_path, "--language", "en"
    )
    assert summary == "imported 1, updated 0, unchanged 0, rejected 1"
    assert problems[0]["row"] == "3" and "database refused" in problems[0]["reason"]
    assert list(Employee.objects.values_list("name", flat=True)) == ["Siti Aminah"]
    assert Unit.objects.filter(code="DISDIK").count() == 1
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_report_cells_cannot_become_spreadsheet_formulas(agency, tmp_path):
    evil = ['=HYPERLINK("http://x")', *BUDI[1:]]
    _, problems = run_import(write_csv(tmp_path / "a.csv", [evil]), tmp_path)
    assert problems[0]["nip"].startswith("'=")


@pytest.mark.django_db(transaction=True)
def test_pipelined_import_with_two_writers_lands_every_row_once(tmp_path):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("writer threads are used on PostgreSQL only (CI runs this there)")
    """Outside a transaction the import writes from writer threads; nothing is lost or doubled."""
    from asndigital.demo.generator import generate_employee_rows
    from asndigital.personnel.importer import EmployeeImporter
    from tests.factories import AgencyFactory

    AgencyFactory(code="KOTA-A")
    rows = list(generate_employee_rows(300, seed=7, agencies=[("KOTA-A", [("U1", "Unit Satu")])]))
    numbered = [(n, {k: str(v) for k, v in row.items()}) for n, row in enumerate(rows, start=2)]
    bad = dict(numbered[10][1], nip="123")  # one bad row in the middle
    numbered[10] = (numbered[10][0], bad)
    problems = []
    importer = EmployeeImporter(
        actor=None, batch_size=25, writers=2, report=lambda *a: problems.append(a)
    )
    result = importer.run(numbered)
    assert (result.imported, result.rejected) == (299, 1)
    assert [p[0] for p in problems if not p[2].startswith(("Peringatan", "Warning"))] == [12]
    assert Employee.objects.count() == 299
    assert User.objects.count() == 299
    assert EmployeeStatusEvent.objects.count() == 299
    assert Unit.objects.filter(code="U1").count() == 1
    assert AuditEvent.objects.filter(action="employees.imported").count() == 12  # 299 rows / 25
    again = EmployeeImporter(actor=None, batch_size=25, writers=2).run(numbered)
    assert (again.imported, again.unchanged, again.rejected) == (0, 299, 1)


def _csv_text(rows) -> str:
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


ANDRE = [*BUDI[:1], "André Hélène Soeharto", *BUDI[2:]]


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252"]
)
def test_the_encodings_spreadsheet_programs_write_are_read(agency, tmp_path, encoding):
    """UTF-8 with or without a byte-order mark, UTF-16 with one (Excel's "Unicode text") or
    without, and Windows-1252 (Excel's plain CSV): each name arrives as written."""
    path = tmp_path / "pegawai.csv"
    path.write_bytes(_csv_text([ANDRE]).encode(encoding))
    summary, problems = run_import(path, tmp_path)
    assert summary.startswith("imported 1") and problems == []
    assert Employee.objects.get().name == "André Hélène Soeharto"


def test_a_file_broken_far_down_imports_nothing_and_names_the_line(agency, tmp_path, settings):
    """Not UTF-8 after 2,000 good rows: refused whole before the first row is written (with
    batches of 500, four of them would have been committed before the bad line)."""
    settings.ASN_IMPORT_BATCH_SIZE = 500
    rows = []
    for n in range(2000):
        row = list(BUDI)
        row[0] = f"19860926201505{n:04d}"[:18]
        row[6] = f"p{n}@kota-a.go.id"
        rows.append(row)
    good = _csv_text(rows).encode("utf-8")
    mixed = good + "André,é\n".encode() + b"\xe9t\xe9\n"  # UTF-8, then Latin-1 bytes
    (tmp_path / "campur.csv").write_bytes(mixed)
    before = snapshot()
    with pytest.raises(CommandError, match="baris 2003"):
        call_command("import_employees", str(tmp_path / "campur.csv"))
    assert snapshot() == before and not Employee.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_import_cut_off_midway_says_which_rows_are_stored_and_a_rerun_continues(
    agency, tmp_path, monkeypatch
):
    """A file that breaks off after its first batch (a damaged workbook, a lost connection):
    the command names the rows stored, each batch whole, and the same file again finishes it."""
    from io import StringIO

    from asndigital.personnel.management.commands import import_employees as command

    path = write_csv(tmp_path / "a.csv", [BUDI, SITI])

    def cut_off(file):
        rows = read_rows(file)
        yield next(rows)
        raise OSError("the workbook ends early")

    monkeypatch.setattr(command, "read_rows", cut_off)
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command(
            "import_employees", str(path), "--batch-size", "1", "--language", "en", stdout=out
        )
    assert "Rows stored, each batch whole: 2 (imported 1," in str(refused.value)
    assert "Run the same file again to continue" in str(refused.value)
    assert out.getvalue().strip() == "imported 1, updated 0, unchanged 0, rejected 0"
    assert list(Employee.objects.values_list("name", flat=True)) == ["Budi Santoso"]
    monkeypatch.undo()
    summary, _ = run_import(path, tmp_path)
    assert summary == "imported 1, updated 0, unchanged 1, rejected 0"


# --- Rows already applied are skipped by their fingerprint -----------------------------------


def _count_validations(monkeypatch):
    """How many rows the importer validates from now on."""
    from asndigital.personnel import importer

    calls = []
    real = importer.RowValidator.__call__

    def counting(self, number, raw):
        calls.append(number)
        return real(self, number, raw)

    monkeypatch.setattr(importer.RowValidator, "__call__", counting)
    return calls


@pytest.mark.django_db
def test_a_reimported_unchanged_row_is_not_validated_again(agency, tmp_path, monkeypatch):
    path = write_csv(tmp_path / "a.csv", [BUDI, SITI])
    run_import(path, tmp_path)
    assert Employee.objects.filter(import_digest__isnull=True).count() == 0
    validated = _count_validations(monkeypatch)
    summary, problems = run_import(path, tmp_path)
    assert summary == "imported 0, updated 0, unchanged 2, rejected 0"
    assert (validated, problems) == ([], [])


@pytest.mark.django_db
def test_a_change_made_elsewhere_after_the_import_is_seen_by_the_next_import(
    agency, tmp_path, monkeypatch, bkn_admin
):
    """The fingerprint covers updated_at: a correction made by hand after the import makes the
    same row go through the full path again, which compares it with what is stored."""
    from asndigital.personnel.services import correct_registered_email

    path = write_csv(tmp_path / "a.csv", [BUDI, SITI])
    run_import(path, tmp_path)
    budi = Employee.objects.get(nip="198609262015051001")
    correct_registered_email(
        actor=bkn_admin, employee=budi, email="budi.baru@kota-a.go.id", reason="salah ketik"
    )
    validated = _count_validations(monkeypatch)
    summary, _ = run_import(path, tmp_path)
    assert summary == "imported 0, updated 1, unchanged 1, rejected 0"
    assert validated == [2]  # Budi's row only
    budi.refresh_from_db()
    assert budi.email == "budi@kota-a.go.id"
    assert budi.changes.filter(source="import").get().changes == {
        "email": ["budi.baru@kota-a.go.id", "budi@kota-a.go.id"]
    }


@pytest.mark.django_db
def test_a_renamed_agency_code_is_not_skipped_by_an_old_fingerprint(agency, tmp_path):
    path = write_csv(tmp_path / "a.csv", [BUDI])
    run_import(path, tmp_path)
    agency.code = "KOTA-A-BARU"
    agency.save()
    before = snapshot()
    summary, problems = run_import(path, tmp_path, "--language", "en")
    assert summary == "imported 0, updated 0, unchanged 0, rejected 1"
    assert "Agency code 'KOTA-A' is unknown" in problems[0]["reason"]
    assert snapshot() == before


@pytest.mark.django_db
def test_rows_stored_without_a_fingerprint_get_one_and_are_skipped_next_time(
    agency, tmp_path, monkeypatch
):
    """Employees imported before fingerprints existed (or from a row written differently):
    the first import finds them unchanged, changes no data and stores their fingerprint."""
    path = write_csv(tmp_path / "a.csv", [BUDI, SITI])
    run_import(path, tmp_path)
    Employee.objects.update(import_digest=None)
    before = snapshot()
    summary, _ = run_import(path, tmp_path)
    assert summary == "imported 0, updated 0, unchanged 2, rejected 0"
    assert snapshot() == before
    assert not Employee.objects.filter(import_digest__isnull=True).exists()
    validated = _count_validations(monkeypatch)
    assert run_import(path, tmp_path)[0] == "imported 0, updated 0, unchanged 2, rejected 0"
    assert validated == []


@pytest.mark.django_db
def test_skipped_rows_still_count_as_seen_and_keep_their_warnings(agency, tmp_path):
    """A duplicate of an applied row is still refused, and a NIP with an appointment age
    under 18 is still reported as a warning on every import."""
    young = ["200001012017051001", "Rina Putri", *BUDI[2:6], "rina@kota-a.go.id", *BUDI[7:]]
    path = write_csv(tmp_path / "a.csv", [BUDI, young])
    _, first = run_import(path, tmp_path, "--language", "en")
    assert [p["row"] for p in first] == ["3"] and "under 18" in first[0]["reason"]
    again = write_csv(tmp_path / "b.csv", [BUDI, young, BUDI])
    summary, problems = run_import(again, tmp_path, "--language", "en")
    assert summary == "imported 0, updated 0, unchanged 2, rejected 1"
    assert [p["row"] for p in problems] == ["3", "4"]
    assert "under 18" in problems[0]["reason"]
    assert "appears earlier" in problems[1]["reason"]


def test_the_quick_email_check_accepts_only_what_django_accepts():
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from asndigital.personnel.importer import _PLAIN_EMAIL

    parts = ["a", "b.c", "x-y", "1", "_", "+", ".", "-", "é", "!", '"q"', "", "@", "co", "c0", "-z"]
    checked = 0
    for local in parts:
        for host in parts:
            for tld in parts:
                address = f"{local}@{host}.{tld}"
                if _PLAIN_EMAIL.match(address):
                    checked += 1
                    try:
                        validate_email(address)
                    except ValidationError:
                        pytest.fail(f"{address!r} passes the quick check but not Django's")
    assert checked > 20
    assert _PLAIN_EMAIL.match("budi.santoso@kota-a.go.id")


def test_the_stored_fingerprint_is_stable():
    """Fingerprints already stored must keep matching after a release (or every employee takes
    the slow path again): BLAKE2b, 8 bytes, personalised, of the canonical text, as a signed
    64-bit integer. Changing it on purpose means changing the personalisation too."""
    key = "\x1f".join(BUDI)
    expected = hashlib.blake2b(
        f"{key}\x1e7\x1eNone\x1e1733456789123456".encode(), digest_size=8, person=b"asn-import-1"
    ).digest()
    assert row_digest(key, 7, None, 1733456789123456) == int.from_bytes(
        expected, "big", signed=True
    )
    assert row_digest(key, 7, None, 1733456789123456) == row_digest(key, 7, None, 1733456789123456)
