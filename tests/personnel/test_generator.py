import collections
import datetime as dt

import pytest
from django.core.validators import validate_email

from asndigital.demo.generator import (
    COLUMNS,
    DEMO_AGENCIES,
    GOLONGAN,
    REFERENCE_DATE,
    generate_agencies,
    generate_employee_rows,
    unit_lists,
    write_import_csv,
)
from asndigital.personnel import importer
from asndigital.personnel.importer import import_employees, read_rows
from asndigital.personnel.models import Employee, EmployeeStatus
from asndigital.personnel.nip import Kind, parse_nip
from asndigital.personnel.services import upsert_agency, upsert_unit

DEMO = unit_lists(DEMO_AGENCIES)
PPPK_GRADES = {"V", "VII", "IX", "X", "XI"}


def rows(count: int, *, seed: int = 1, agencies=DEMO) -> list[dict[str, str]]:
    return list(generate_employee_rows(count, seed=seed, agencies=agencies))


def date(text: str) -> dt.date:
    day, month, year = map(int, text.split("-"))
    return dt.date(year, month, day)


@pytest.fixture(scope="module")
def many_rows():
    """20,000 rows over 50 generated agencies: enough to meet every branch of the generator."""
    return rows(20_000, seed=7, agencies=unit_lists(generate_agencies(50, seed=7)))


def create_agencies(specs) -> None:
    for spec in specs:
        agency = upsert_agency(
            actor=None,
            code=spec.code,
            name=spec.name,
            kind=spec.kind,
            region_office=spec.region_office,
        )
        units = {}
        for unit in spec.units:
            units[unit.code] = upsert_unit(
                actor=None,
                agency=agency,
                code=unit.code,
                name=unit.name,
                parent=units.get(unit.parent),
            )


def test_columns_are_the_importers_canonical_columns():
    assert COLUMNS == importer.CANONICAL


def test_same_seed_gives_the_same_rows_and_another_seed_other_rows():
    assert rows(500, seed=3) == rows(500, seed=3)
    assert rows(500, seed=3) != rows(500, seed=4)


def test_csv_for_a_fixed_seed_is_byte_identical(tmp_path):
    agencies = unit_lists(generate_agencies(20, seed=5))
    write_import_csv(tmp_path / "a.csv", generate_employee_rows(2000, seed=5, agencies=agencies))
    agencies = unit_lists(generate_agencies(20, seed=5))
    write_import_csv(tmp_path / "b.csv", generate_employee_rows(2000, seed=5, agencies=agencies))
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


def test_a_longer_run_starts_with_the_shorter_one():
    assert rows(1000)[:300] == rows(300)


def test_rows_do_not_depend_on_the_clock():
    assert rows(200) == list(
        generate_employee_rows(200, seed=1, agencies=DEMO, today=REFERENCE_DATE)
    )


def test_every_row_has_every_column_as_text(many_rows):
    for row in many_rows[:1000]:
        assert tuple(row) == COLUMNS
        assert all(isinstance(value, str) for value in row.values())


def test_every_nip_is_valid_and_agrees_with_the_row(many_rows):
    for row in many_rows:
        info = parse_nip(row["nip"], employment_type=row["jenis_pegawai"], today=REFERENCE_DATE)
        assert info.warnings == ()
        assert info.kind == (Kind.PPPK if row["jenis_pegawai"] == "PPPK" else Kind.PNS)
        assert info.sex == row["jenis_kelamin"]
        assert info.birth_date == date(row["tanggal_lahir"])
        appointed = date(row["tmt_pengangkatan"])
        assert appointed.year == info.appointment_year
        assert info.appointment_month in (None, appointed.month)
        born = info.birth_date
        age = (
            appointed.year - born.year - ((appointed.month, appointed.day) < (born.month, born.day))
        )
        assert 19 <= age <= 40, row


def test_nips_are_unique_over_50000_rows():
    generated = rows(50_000, seed=11, agencies=unit_lists(generate_agencies(500, seed=11)))
    assert len({row["nip"] for row in generated}) == 50_000


def test_nips_stay_unique_when_everyone_shares_one_small_agency():
    # One unit and one agency: the same draws, so serial numbers must separate equal prefixes.
    generated = rows(20_000, seed=2, agencies=[("X", [("X-1", "Sekretariat Daerah")])])
    assert len({row["nip"] for row in generated}) == 20_000


def test_employment_types_are_mostly_pns(many_rows):
    share = collections.Counter(row["jenis_pegawai"] for row in many_rows)
    assert 0.76 < share["PNS"] / len(many_rows) < 0.84
    assert 0.03 < share["CPNS"] / len(many_rows) < 0.07
    assert 0.12 < share["PPPK"] / len(many_rows) < 0.18


def test_ranks_fit_the_employment_type(many_rows):
    for row in many_rows:
        if row["jenis_pegawai"] == "PPPK":
            assert row["golongan"] in PPPK_GRADES
        else:
            assert row["golongan"] in GOLONGAN


def test_rank_rises_with_seniority(many_rows):
    def mean_rank(low: int, high: int) -> float:
        ranks = [
            GOLONGAN.index(row["golongan"])
            for row in many_rows
            if row["jenis_pegawai"] == "PNS" and low <= date(row["tmt_pengangkatan"]).year < high
        ]
        return sum(ranks) / len(ranks)

    assert mean_rank(1980, 2000) > mean_rank(2010, 2020) + 1


def test_cpns_were_appointed_in_the_last_year(many_rows):
    for row in many_rows:
        if row["jenis_pegawai"] == "CPNS":
            assert 0 < (REFERENCE_DATE - date(row["tmt_pengangkatan"])).days <= 366
            assert row["status"] in {"aktif", "berhenti"}


def test_statuses_are_mostly_active_and_others_have_a_date(many_rows):
    statuses = collections.Counter(row["status"] for row in many_rows)
    assert set(statuses) == set(EmployeeStatus.values)
    assert statuses["aktif"] / len(many_rows) > 0.9
    for row in many_rows:
        if row["status"] == "aktif":
            assert row["tmt_status"] == ""
        else:
            assert date(row["tanggal_lahir"]) < date(row["tmt_status"]) < REFERENCE_DATE


def test_retired_employees_reached_the_retirement_age(many_rows):
    for row in many_rows:
        if row["status"] == "pensiun":
            born, retired = date(row["tanggal_lahir"]), date(row["tmt_status"])
            assert retired.year - born.year >= 58


def test_emails_are_ascii_and_on_the_agencys_government_domain(many_rows):
    for row in many_rows[:5000]:
        validate_email(row["email"])
        assert row["email"].isascii()
        assert row["email"].endswith(".go.id")
    assert len({row["email"] for row in many_rows}) == len(many_rows)


def test_titles_are_separate_from_the_name(many_rows):
    fronts = collections.Counter(row["gelar_depan"] for row in many_rows)
    backs = collections.Counter(row["gelar_belakang"] for row in many_rows)
    assert {"Dr.", "Drs.", "dr."} <= set(fronts)
    assert {"S.Kom.", "S.H.", "S.E.", "S.Pd.", "A.Md."} <= set(backs)
    assert any("M.Si." in back for back in backs)
    for row in many_rows:
        assert "," not in row["nama"]
        assert not row["nama"].startswith(("Dr.", "Drs.", "Ir.", "dr."))


def test_names_come_from_several_traditions(many_rows):
    names = {row["nama"] for row in many_rows}
    assert any(name.startswith("I Wayan ") for name in names)  # Balinese
    assert any(name.endswith(" Simanjuntak") for name in names)  # Batak
    assert any(name.startswith("Andi ") for name in names)  # Bugis
    assert any(" " not in name for name in names)  # single names such as "Suharti"


def test_generated_agencies_have_unique_codes_and_sound_unit_trees():
    specs = generate_agencies(500, seed=3)
    assert len({spec.code for spec in specs}) == 500
    assert {spec.kind for spec in specs} == {"central", "regional"}
    assert generate_agencies(500, seed=3) == specs
    for spec in specs:
        assert spec.units
        seen = set()
        for unit in spec.units:
            assert unit.parent is None or unit.parent in seen  # parents come first
            assert unit.code not in seen
            seen.add(unit.code)
        if spec.kind == "regional":
            assert spec.region_office.startswith("Kanreg ")


def test_demo_agencies_are_the_five_demo_instansi():
    assert [spec.code for spec in DEMO_AGENCIES] == [
        "BKN",
        "KEMENKEU",
        "PEMKOT-BDG",
        "PEMPROV-JATIM",
        "PEMKAB-SLEMAN",
    ]
    bandung = DEMO_AGENCIES[2]
    assert bandung.region_office == "Kanreg III BKN Bandung"
    assert "Bagian Umum" in {unit.name for unit in bandung.units}


@pytest.mark.django_db
def test_generated_rows_import_cleanly_and_a_second_import_changes_nothing():
    specs = generate_agencies(6, seed=9)
    create_agencies(specs)
    generated = rows(400, seed=9, agencies=unit_lists(specs))
    problems = []

    def report(number, nip, reason):
        problems.append((number, nip, reason))

    first = import_employees(actor=None, rows=enumerate(generated, start=2), report=report)
    assert problems == []
    assert (first.imported, first.rejected, first.warnings) == (400, 0, 0)
    assert Employee.objects.count() == 400

    second = import_employees(actor=None, rows=enumerate(generated, start=2), report=report)
    assert (second.imported, second.updated, second.unchanged, second.rejected) == (0, 0, 400, 0)


@pytest.mark.django_db
def test_written_csv_reads_back_as_the_same_rows(tmp_path):
    generated = rows(300, seed=4)
    path = tmp_path / "pegawai.csv"
    assert write_import_csv(path, generated) == 300
    read = [row for _number, row in read_rows(path)]
    assert read == generated
