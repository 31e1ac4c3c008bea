"""Deterministic, realistic Indonesian personnel data for the demo, tests and benchmarks (the
`demo` app: installed for development and tests, never in production). The name, province and
agency lists are text files in ``data/``.

Everything is a pure function of its arguments: a fixed seed gives byte-identical output, and
``today`` defaults to :data:`REFERENCE_DATE` rather than the clock so that the demo data (and
``seed_demo``'s idempotence) do not drift from one day to the next. Row ``i`` never depends on how
many rows were asked for, so a longer run extends a shorter one.

This module must stay importable without Django settings (the benchmark generates its CSV before
any Django process starts), so it does not import the importer or any model.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from asndigital.personnel.nip import Sex, build_nip

DATA = Path(__file__).with_name("data")  # the name, province and agency lists, as text

# The importer's canonical columns, in its order (importer.CANONICAL; a test keeps them equal).
COLUMNS = (
    "nip",
    "nama",
    "jenis_pegawai",
    "kode_instansi",
    "kode_unor",
    "email",
    "status",
    "nama_unor",
    "tmt_status",
    "nip_lama",
    "gelar_depan",
    "gelar_belakang",
    "golongan",
    "jabatan",
    "tmt_pengangkatan",
    "jenis_kelamin",
    "tanggal_lahir",
)

REFERENCE_DATE = dt.date(2026, 1, 1)

CENTRAL = "central"
REGIONAL = "regional"


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    parent: str | None = None  # code of the parent unit; parents come before their children


@dataclass(frozen=True)
class AgencySpec:
    code: str
    name: str
    kind: str  # Agency.Kind value: "central" or "regional"
    region_office: str
    domain: str
    units: tuple[UnitSpec, ...]

    def unit_pairs(self) -> tuple[str, list[tuple[str, str]]]:
        """The ``(agency_code, [(unit_code, unit_name), ...])`` form the row generator takes."""
        return self.code, [(u.code, u.name) for u in self.units]


def unit_lists(specs: Sequence[AgencySpec]) -> list[tuple[str, list[tuple[str, str]]]]:
    return [spec.unit_pairs() for spec in specs]


def _units(prefix: str, *units: tuple[str, str, str | None]) -> tuple[UnitSpec, ...]:
    return tuple(
        UnitSpec(f"{prefix}-{code}", name, f"{prefix}-{parent}" if parent else None)
        for code, name, parent in units
    )


DEMO_AGENCIES: tuple[AgencySpec, ...] = (
    AgencySpec(
        "BKN",
        "Badan Kepegawaian Negara",
        CENTRAL,
        "",
        "bkn.go.id",
        _units(
            "BKN",
            ("SETTAMA", "Sekretariat Utama", None),
            ("BIRO-SDM", "Biro Sumber Daya Manusia", "SETTAMA"),
            ("BIRO-UMUM", "Biro Umum", "SETTAMA"),
            ("DEP-SINKA", "Kedeputian Bidang Sistem Informasi Kepegawaian", None),
            (
                "DIT-PDIK",
                "Direktorat Pengolahan Data dan Penyajian Informasi Kepegawaian",
                "DEP-SINKA",
            ),
            ("DEP-MUTASI", "Kedeputian Bidang Mutasi Kepegawaian", None),
            ("DIT-STATUS", "Direktorat Status dan Kedudukan Kepegawaian", "DEP-MUTASI"),
            ("INSPEKTORAT", "Inspektorat", None),
        ),
    ),
    AgencySpec(
        "KEMENKEU",
        "Kementerian Keuangan",
        CENTRAL,
        "",
        "kemenkeu.go.id",
        _units(
            "KEU",
            ("SETJEN", "Sekretariat Jenderal", None),
            ("BIRO-SDM", "Biro Sumber Daya Manusia", "SETJEN"),
            ("DJP", "Direktorat Jenderal Pajak", None),
            ("KPP-CICADAS", "KPP Pratama Bandung Cicadas", "DJP"),
            ("DJBC", "Direktorat Jenderal Bea dan Cukai", None),
            ("KPPBC-TPMP", "KPPBC Tipe Madya Pabean Tanjung Perak", "DJBC"),
            ("DJPB", "Direktorat Jenderal Perbendaharaan", None),
            ("KPPN-SBY1", "KPPN Surabaya I", "DJPB"),
            ("ITJEN", "Inspektorat Jenderal", None),
        ),
    ),
    AgencySpec(
        "PEMKOT-BDG",
        "Pemerintah Kota Bandung",
        REGIONAL,
        "Kanreg III BKN Bandung",
        "bandung.go.id",
        _units(
            "BDG",
            ("SETDA", "Sekretariat Daerah", None),
            ("SETDA-UMUM", "Bagian Umum", "SETDA"),
            ("SETDA-ORG", "Bagian Organisasi", "SETDA"),
            ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", None),
            ("DISDIK", "Dinas Pendidikan", None),
            ("SDN-CIBEUNYING", "SD Negeri 1 Cibeunying", "DISDIK"),
            ("SMPN-5", "SMP Negeri 5 Bandung", "DISDIK"),
            ("DINKES", "Dinas Kesehatan", None),
            ("PKM-PUTER", "UPT Puskesmas Puter", "DINKES"),
            ("RSUD", "RSUD Kota Bandung", None),
            ("DISKOMINFO", "Dinas Komunikasi dan Informatika", None),
            ("INSPEKTORAT", "Inspektorat Daerah", None),
        ),
    ),
    AgencySpec(
        "PEMPROV-JATIM",
        "Pemerintah Provinsi Jawa Timur",
        REGIONAL,
        "Kanreg II BKN Surabaya",
        "jatimprov.go.id",
        _units(
            "JATIM",
            ("SETDA", "Sekretariat Daerah Provinsi", None),
            ("BIRO-ORG", "Biro Organisasi", "SETDA"),
            ("BKD", "Badan Kepegawaian Daerah", None),
            ("DINDIK", "Dinas Pendidikan", None),
            ("SMAN5-SBY", "SMA Negeri 5 Surabaya", "DINDIK"),
            ("SMKN1-MLG", "SMK Negeri 1 Malang", "DINDIK"),
            ("RSUD-SOETOMO", "RSUD Dr. Soetomo", None),
            ("BAPENDA", "Badan Pendapatan Daerah", None),
            ("INSPEKTORAT", "Inspektorat Provinsi", None),
        ),
    ),
    AgencySpec(
        "PEMKAB-SLEMAN",
        "Pemerintah Kabupaten Sleman",
        REGIONAL,
        "Kanreg I BKN Yogyakarta",
        "slemankab.go.id",
        _units(
            "SLM",
            ("SETDA", "Sekretariat Daerah", None),
            ("SETDA-UMUM", "Bagian Umum", "SETDA"),
            ("BKPP", "Badan Kepegawaian, Pendidikan dan Pelatihan", None),
            ("DISDIK", "Dinas Pendidikan", None),
            ("SDN-DEPOK1", "SD Negeri Depok 1", "DISDIK"),
            ("SMPN-4", "SMP Negeri 4 Depok", "DISDIK"),
            ("DINKES", "Dinas Kesehatan", None),
            ("PKM-GAMPING1", "UPT Puskesmas Gamping I", "DINKES"),
            ("RSUD", "RSUD Sleman", None),
            ("DP3", "Dinas Pertanian, Pangan dan Perikanan", None),
            ("INSPEKTORAT", "Inspektorat Daerah", None),
        ),
    ),
)

# --- Names ----------------------------------------------------------------------------------
# One block per naming tradition: given names, second names (women share the men's list where it
# is a family name: marga, fam), the share of people with a single name ("Suharti"), and
# honorific or birth-order prefixes with the share of people carrying one. Text, not Python
# literals, so that the lists stay dense and readable.
_NAME_DATA = (DATA / "names.txt").read_text(encoding="utf-8")


def _w(text: str) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(",") if w.strip())


def _parse_blocks(text: str) -> list[tuple[list[str], dict[str, str]]]:
    """``== a | b | ...`` headers, each followed by ``field: text`` lines (indented: continued)."""
    blocks: list[tuple[list[str], dict[str, str]]] = []
    field = ""
    for line in text.strip().splitlines():
        if line.startswith("=="):
            blocks.append(([part.strip() for part in line[2:].split("|")], {}))
        elif line.startswith(" "):
            blocks[-1][1][field] += " " + line.strip()
        else:
            field, _sep, rest = line.partition(":")
            blocks[-1][1][field] = rest.strip()
    return blocks


@dataclass(frozen=True)
class _Tradition:
    male: tuple[str, ...]
    female: tuple[str, ...]
    male_last: tuple[str, ...]
    female_last: tuple[str, ...]
    single: float  # share of people with one name only
    prefix: float  # share of people whose name starts with a prefix
    male_prefix: tuple[str, ...]
    female_prefix: tuple[str, ...]


def _traditions() -> dict[str, _Tradition]:
    out = {}
    for (name, *settings), fields in _parse_blocks(_NAME_DATA):
        attributes = dict(setting.split(" ", 1) for setting in settings)
        lists = {key: _w(fields.get(key, "")) for key in (
            "male", "female", "male_last", "female_last", "male_prefix", "female_prefix"
        )}  # fmt: skip
        out[name] = _Tradition(
            single=float(attributes.get("single", 0)),
            prefix=float(attributes.get("prefix", 0)),
            **{**lists, "female_last": lists["female_last"] or lists["male_last"]},
        )
    return out


_TRADITIONS = _traditions()

# Weights of naming traditions: the national mix, and a regional one with a strong local share.
_NATIONAL_MIX = {
    "jawa": 38, "jawa_single": 6, "sunda": 15, "batak": 7, "minang": 6, "bugis": 6, "melayu": 9,
    "bali": 3, "minahasa": 4, "tionghoa": 2, "timur": 4,
}  # fmt: skip
_LOCAL_SHARE = 0.7


def _mix(local: str | None) -> list[str]:
    """Tradition keys repeated by weight (about 100 entries): indexing it draws a tradition."""
    weights = dict(_NATIONAL_MIX)
    if local:
        total = sum(weights.values())
        weights = {k: v * (1 - _LOCAL_SHARE) for k, v in weights.items()}
        local_keys = ("jawa", "jawa_single") if local == "jawa" else (local,)
        for key in local_keys:
            weights[key] += total * _LOCAL_SHARE / len(local_keys)
    total = sum(weights.values())
    out: list[str] = []
    for key, weight in weights.items():
        out += [key] * round(100 * weight / total)
    return out


# --- Positions, education, ranks ------------------------------------------------------------

_SMA, _D3, _S1, _S2, _S3 = range(5)
GOLONGAN = _w("II/a, II/b, II/c, II/d, III/a, III/b, III/c, III/d, IV/a, IV/b, IV/c, IV/d, IV/e")
_ENTRY_RANK = {_SMA: 0, _D3: 2, _S1: 4, _S2: 5, _S3: 6}  # first golongan by highest education
_RANK_CAP = {_SMA: 5, _D3: 7, _S1: 9, _S2: 10, _S3: 12}  # where a career usually stops
_PPPK_GRADE = {_SMA: "V", _D3: "VII", _S1: "IX", _S2: "X", _S3: "XI"}
# Level of a functional position by golongan index (Ahli for S1+, Terampil ladder for D3).
_AHLI_LEVEL = (
    ("",) * 4
    + ("Ahli Pertama",) * 2
    + ("Ahli Muda",) * 2
    + ("Ahli Madya",) * 3
    + ("Ahli Utama",) * 2
)
_TERAMPIL_LEVEL = ("",) * 2 + ("Terampil",) * 2 + ("Mahir",) * 2 + ("Penyelia",) * 7


@dataclass(frozen=True)
class _Track:
    """A career: the position's name, its ladder, who holds it and which titles they carry."""

    name: str
    ladder: str  # "ahli" (S1+), "terampil" (D3) or "pelaksana" (name used as is)
    education: tuple[int, ...]  # drawn uniformly: repeat a level to weight it
    s1: tuple[str, ...] = ()
    s2: tuple[str, ...] = ()
    d3: tuple[str, ...] = ("A.Md.",)
    front: str = ""  # professional front title: dr., Ns., drh., apt.
    old_front: str = "Drs."  # what an S1 graduate born before 1968 carries instead of S.x
    female: float = 0.45
    retirement_age: int = 58


def _ahli(name, s1, s2, *, front="", old_front="Drs.", female=0.45, retirement_age=58, s3=True):
    education = (_S1,) * 14 + (_S2,) * 5 + ((_S3,) if s3 else ())
    return _Track(
        name, "ahli", education, _w(s1), _w(s2), (), front, old_front, female, retirement_age
    )


def _terampil(name, d3="A.Md.", *, female=0.45):
    return _Track(name, "terampil", (_D3,), d3=_w(d3), female=female)


_PELAKSANA = (
    _Track("Operator Layanan Operasional", "pelaksana", (_SMA,)),
    _Track("Pengadministrasi Perkantoran", "pelaksana", (_SMA,)),
    _Track("Pengelola Layanan Operasional", "pelaksana", (_D3,)),
    _Track("Penata Layanan Operasional", "pelaksana", (_S1,), _w("S.E., S.Sos., S.H., S.AP.")),
)
_GENERAL = (
    (_ahli("Analis Kebijakan", "S.Sos., S.IP., S.H., S.AP.", "M.Si., M.AP., M.H."), 8),
    (_ahli("Pranata Komputer", "S.Kom., S.T.", "M.Kom., M.T.", old_front="Ir."), 5),
    (_terampil("Pranata Komputer", "A.Md.Kom., A.Md."), 3),
    (_ahli("Arsiparis", "S.IP., S.Hum., S.AP.", "M.Si., M.AP."), 4),
    (_terampil("Arsiparis"), 3),
    (_ahli("Perencana", "S.E., S.T., S.Si.", "M.Si., M.E., M.T.", old_front="Ir."), 4),
    (_ahli("Pengelola Pengadaan Barang/Jasa", "S.E., S.T., S.H.", "M.M."), 3),
    (_ahli("Pranata Hubungan Masyarakat", "S.I.Kom., S.Sos.", "M.I.Kom., M.Si."), 2),
    (_ahli("Analis SDM Aparatur", "S.Psi., S.Sos., S.H., S.E.", "M.Si., M.M., M.Psi."), 3),
    (_PELAKSANA[0], 10),
    (_PELAKSANA[1], 6),
    (_PELAKSANA[2], 6),
    (_PELAKSANA[3], 12),
)
_KINDS: dict[str, tuple[tuple[_Track, int], ...]] = {
    "general": _GENERAL,
    "school": (
        (
            _ahli(
                "Guru",
                "S.Pd., S.Pd., S.Pd., S.Si., S.Pd.I.",
                "M.Pd.",
                female=0.65,
                retirement_age=60,
                s3=False,
            ),
            85,
        ),
        (_PELAKSANA[0], 6),
        (_terampil("Pustakawan"), 3),
        (_PELAKSANA[2], 6),
    ),
    "health": (
        (_terampil("Perawat", "A.Md.Kep.", female=0.7), 25),
        (_ahli("Perawat", "S.Kep.", "M.Kep.", front="Ns.", old_front="", female=0.7, s3=False), 14),
        (_terampil("Bidan", "A.Md.Keb.", female=1.0), 12),
        (
            _ahli(
                "Dokter",
                "",
                "Sp.PD., Sp.A., Sp.OG., M.Kes.",
                front="dr.",
                old_front="",
                retirement_age=60,
            ),
            10,
        ),
        (_ahli("Apoteker", "S.Farm.", "M.Farm.", front="apt.", old_front="", female=0.7), 4),
        (_terampil("Pranata Laboratorium Kesehatan", "A.Md.AK."), 6),
        (_terampil("Nutrisionis", "A.Md.Gz.", female=0.75), 4),
        (_ahli("Administrator Kesehatan", "S.KM.", "M.Kes., M.K.M."), 8),
        (_ahli("Epidemiolog Kesehatan", "S.KM.", "M.Epid., M.Kes."), 3),
        (_PELAKSANA[0], 6),
        (_PELAKSANA[3], 8),
    ),
    "hr": (
        (
            _ahli("Analis SDM Aparatur", "S.Psi., S.Sos., S.H., S.E., S.AP.", "M.Si., M.M., M.AP."),
            40,
        ),
        (_terampil("Pranata SDM Aparatur"), 18),
        (_ahli("Asesor SDM Aparatur", "S.Psi.", "M.Psi."), 5),
        (_ahli("Pranata Komputer", "S.Kom., S.T.", "M.Kom."), 8),
        (_PELAKSANA[1], 12),
        (_PELAKSANA[3], 17),
    ),
    "audit": (
        (_ahli("Auditor", "S.E., S.Ak.", "M.Ak., M.Si., M.M."), 45),
        (
            _ahli(
                "Pengawas Penyelenggaraan Urusan Pemerintahan di Daerah",
                "S.H., S.Sos., S.IP.",
                "M.H., M.Si.",
            ),
            20,
        ),
        (_terampil("Auditor"), 10),
        (_PELAKSANA[1], 10),
        (_PELAKSANA[3], 15),
    ),
    "finance": (
        (_ahli("Analis Keuangan Pusat dan Daerah", "S.E., S.Ak.", "M.Ak., M.E."), 25),
        (_ahli("Analis Anggaran", "S.E., S.Ak.", "M.E., M.Si."), 12),
        (_terampil("Pranata Keuangan APBN", "A.Md., A.Md.Ak."), 18),
        (_ahli("Pranata Komputer", "S.Kom.", "M.Kom."), 5),
        (_PELAKSANA[1], 15),
        (_PELAKSANA[3], 25),
    ),
    "tax": (
        (_ahli("Pemeriksa Pajak", "S.E., S.Ak., S.H.", "M.Ak., M.E."), 30),
        (_terampil("Pemeriksa Pajak", "A.Md., A.Md.Ak."), 15),
        (_ahli("Penyuluh Pajak", "S.E., S.Sos.", "M.Si."), 15),
        (_PELAKSANA[1], 15),
        (_PELAKSANA[3], 25),
    ),
    "customs": (
        (_ahli("Pemeriksa Bea dan Cukai", "S.E., S.Tr.Bea Cukai", "M.E."), 30),
        (_terampil("Pemeriksa Bea dan Cukai", "A.Md."), 30),
        (_PELAKSANA[0], 15),
        (_PELAKSANA[3], 25),
    ),
    "it": (
        (_ahli("Pranata Komputer", "S.Kom., S.T.", "M.Kom., M.T."), 35),
        (_terampil("Pranata Komputer", "A.Md.Kom."), 15),
        (_ahli("Statistisi", "S.Si., S.Stat.", "M.Si."), 10),
        (_ahli("Pranata Hubungan Masyarakat", "S.I.Kom., S.Sos.", "M.I.Kom."), 15),
        (_ahli("Sandiman", "S.Kom., S.Tr.Kom.", "M.Kom."), 5),
        (_PELAKSANA[3], 20),
    ),
    "agri": (
        (_ahli("Penyuluh Pertanian", "S.P., S.Pt.", "M.P., M.Si.", old_front="Ir."), 35),
        (_terampil("Penyuluh Pertanian", "A.Md.P."), 20),
        (_ahli("Pengawas Mutu Hasil Pertanian", "S.P., S.TP.", "M.Si."), 10),
        (_ahli("Medik Veteriner", "", "M.Si.", front="drh.", old_front=""), 8),
        (_PELAKSANA[0], 12),
        (_PELAKSANA[3], 15),
    ),
}
# Keywords in a unit's name that tell which careers it holds (first match wins).
_UNIT_KINDS = (
    ("school", ("SD Negeri", "SMP Negeri", "SMA Negeri", "SMK Negeri", "Sekolah")),
    ("health", ("Kesehatan", "RSUD", "Rumah Sakit", "Puskesmas")),
    ("hr", ("Kepegawaian", "BKPSDM", "Sumber Daya Manusia", "Organisasi")),
    ("audit", ("Inspektorat",)),
    ("tax", ("Pajak", "KPP ")),
    ("customs", ("Bea dan Cukai", "KPPBC")),
    ("finance", ("Keuangan", "Perbendaharaan", "KPPN", "Pendapatan", "Anggaran", "Aset")),
    ("it", ("Informatika", "Informasi", "Data", "Statistik", "Persandian")),
    ("agri", ("Pertanian", "Perikanan", "Pangan", "Perkebunan", "Peternakan")),
)


def unit_kind(name: str) -> str:
    for kind, keywords in _UNIT_KINDS:
        if any(k in name for k in keywords):
            return kind
    return "general"


def _expand(weighted: Sequence[tuple[_Track, int]]) -> tuple[_Track, ...]:
    return tuple(track for track, weight in weighted for _ in range(weight))


_TRACKS = {kind: _expand(weighted) for kind, weighted in _KINDS.items()}
_STRUCTURAL_III = _w(
    "Kepala Subbagian Umum dan Kepegawaian, Kepala Subbagian Perencanaan dan Keuangan, "
    "Kepala Seksi Pelayanan, Kepala Seksi Data dan Informasi, Kepala Subbagian Tata Usaha"
)
_STRUCTURAL_IV = _w(
    "Kepala Bagian Umum, Kepala Bidang Pelayanan, Kepala Bidang Pengembangan Kompetensi, "
    "Kepala Bidang Perencanaan, Sekretaris"
)
_HEAD_PREFIXES = (
    ("Sekretariat ", "Sekretaris "),
    ("Inspektorat", "Inspektur"),
    ("Kedeputian ", "Deputi "),
    ("Direktorat ", "Direktur "),
    ("RSUD", "Direktur RSUD"),
)


def _head_of(unit_name: str) -> str:
    for prefix, title in _HEAD_PREFIXES:
        if unit_name.startswith(prefix):
            return title + unit_name[len(prefix) :]
    return f"Kepala {unit_name}"


# --- Agencies -------------------------------------------------------------------------------

_KANREG = {
    "I": "Kanreg I BKN Yogyakarta",
    "II": "Kanreg II BKN Surabaya",
    "III": "Kanreg III BKN Bandung",
    "IV": "Kanreg IV BKN Makassar",
    "V": "Kanreg V BKN Jakarta",
    "VI": "Kanreg VI BKN Medan",
    "VII": "Kanreg VII BKN Palembang",
    "VIII": "Kanreg VIII BKN Banjarmasin",
    "IX": "Kanreg IX BKN Jayapura",
    "X": "Kanreg X BKN Denpasar",
    "XI": "Kanreg XI BKN Manado",
    "XII": "Kanreg XII BKN Pekanbaru",
    "XIII": "Kanreg XIII BKN Banda Aceh",
    "XIV": "Kanreg XIV BKN Manokwari",
}
# Provinces: "code | name | Kanreg | naming tradition", then their kabupaten (K:) and kota (C:).
_PROVINCE_DATA = (DATA / "provinces.txt").read_text(encoding="utf-8")
# Central agencies: "code | name | e-mail domain".
_CENTRAL_DATA = (DATA / "central_agencies.txt").read_text(encoding="utf-8")
_SYNTH_PREFIX = _w(
    "Suka, Tanjung, Muara, Batu, Bukit, Sungai, Teluk, Lubuk, Kuala, Padang, Air, Rantau, Pulau, "
    "Gunung, Karang, Tebing, Bandar, Labuhan, Ranca, Ci, Sidi, Tanah"
)
_SYNTH_ROOT = _w(
    "Jaya, Makmur, Raya, Indah, Baru, Sari, Mulya, Harapan, Permai, Asri, Agung, Tinggi, "
    "Panjang, Putih, Merah, Hijau, Emas, Lestari, Damai, Sejahtera, Rejo, Wangi, Kencana, Arum"
)
_JOINED = {"Suka", "Ci", "Sidi", "Ranca"}  # prefixes written together with the root: "Sukamakmur"

_SLUG = re.compile(r"[^a-z0-9]+")


def _slug(text: str) -> str:
    return _SLUG.sub("", text.lower())


def _code_slug(text: str) -> str:
    return re.sub(r"[^A-Z0-9]+", "-", text.upper()).strip("-")


def _central_units(code: str, name: str) -> tuple[UnitSpec, ...]:
    if name.startswith("Kementerian"):
        top, top_name, audit = "SETJEN", "Sekretariat Jenderal", "Inspektorat Jenderal"
    else:
        top, top_name, audit = "SETTAMA", "Sekretariat Utama", "Inspektorat"
    return _units(
        code,
        (top, top_name, None),
        ("BIRO-SDM", "Biro Sumber Daya Manusia", top),
        ("BIRO-UMUM", "Biro Umum", top),
        ("BIRO-KEU", "Biro Keuangan dan Barang Milik Negara", top),
        ("PUSDATIN", "Pusat Data dan Teknologi Informasi", None),
        ("ITJEN", audit, None),
    )


def _province_units(code: str, name: str) -> tuple[UnitSpec, ...]:
    return _units(
        code,
        ("SETDA", "Sekretariat Daerah Provinsi", None),
        ("BIRO-ORG", "Biro Organisasi", "SETDA"),
        ("BKD", "Badan Kepegawaian Daerah", None),
        ("DINDIK", "Dinas Pendidikan", None),
        ("SMAN-1", "SMA Negeri 1", "DINDIK"),
        ("SMKN-2", "SMK Negeri 2", "DINDIK"),
        ("DINKES", "Dinas Kesehatan", None),
        ("RSUD", f"RSUD Provinsi {name}", None),
        ("BAPENDA", "Badan Pendapatan Daerah", None),
        ("INSPEKTORAT", "Inspektorat Provinsi", None),
    )


def _local_units(code: str, name: str, *, city: bool) -> tuple[UnitSpec, ...]:
    units = [
        ("SETDA", "Sekretariat Daerah", None),
        ("SETDA-UMUM", "Bagian Umum", "SETDA"),
        ("BKPSDM", "Badan Kepegawaian dan Pengembangan Sumber Daya Manusia", None),
        ("DISDIK", "Dinas Pendidikan", None),
        ("SDN-1", f"SD Negeri 1 {name}", "DISDIK"),
        ("SMPN-1", f"SMP Negeri 1 {name}", "DISDIK"),
        ("DINKES", "Dinas Kesehatan", None),
        ("PKM", f"UPT Puskesmas {name}", "DINKES"),
        ("RSUD", f"RSUD {name}", None),
        ("INSPEKTORAT", "Inspektorat Daerah", None),
    ]
    units.append(
        ("DISKOMINFO", "Dinas Komunikasi dan Informatika", None)
        if city
        else ("DISTAN", "Dinas Pertanian", None)
    )
    return _units(code, *units)


def _regional_spec(level: str, name: str, province: _Province) -> AgencySpec:
    """A province ("P", named after ``province``), a kabupaten ("K") or a kota ("C") in it."""
    if level == "P":
        code = f"PEMPROV-{province.code}"
        full, domain = f"Pemerintah Provinsi {province.name}", f"{_slug(province.code)}prov.go.id"
        units = _province_units(code, province.name)
    elif level == "C":
        code = f"PEMKOT-{_code_slug(name)}"
        full, domain = f"Pemerintah Kota {name}", f"{_slug(name)}kota.go.id"
        units = _local_units(code, name, city=True)
    else:
        code = f"PEMKAB-{_code_slug(name)}"
        full, domain = f"Pemerintah Kabupaten {name}", f"{_slug(name)}kab.go.id"
        units = _local_units(code, name, city=False)
    return AgencySpec(code, full, REGIONAL, _KANREG[province.kanreg], domain, units)


@dataclass(frozen=True)
class _Province:
    code: str
    name: str
    kanreg: str
    tradition: str
    places: tuple[tuple[str, str], ...]  # ("K" or "C", name)


def _provinces() -> tuple[_Province, ...]:
    out = []
    for (code, name, kanreg, tradition), fields in _parse_blocks(_PROVINCE_DATA):
        places = tuple(
            (level, place) for level in ("K", "C") for place in _w(fields.get(level, ""))
        )
        out.append(_Province(code, name, kanreg, tradition, places))
    return tuple(out)


_PROVINCES = _provinces()
# Agency code → naming tradition of its region, for the agencies this module knows by name.
_LOCAL_TRADITION: dict[str, str] = {}


def _real_agencies() -> list[AgencySpec]:
    specs = []
    for line in _CENTRAL_DATA.strip().splitlines():
        code, name, domain = (part.strip() for part in line.split("|"))
        specs.append(AgencySpec(code, name, CENTRAL, "", domain, _central_units(code, name)))
    for province in _PROVINCES:
        regional = [_regional_spec("P", province.name, province)]
        regional += [_regional_spec(level, place, province) for level, place in province.places]
        for spec in regional:
            if province.tradition:
                _LOCAL_TRADITION[spec.code] = province.tradition
        specs += regional
    return specs


_REAL_AGENCIES = _real_agencies()
_LOCAL_TRADITION.update({"PEMKOT-BDG": "sunda", "PEMPROV-JATIM": "jawa", "PEMKAB-SLEMAN": "jawa"})
_DOMAINS = {spec.code: spec.domain for spec in (*_REAL_AGENCIES, *DEMO_AGENCIES)}


def agency_domain(code: str) -> str:
    """The agency's e-mail domain; for unknown codes one derived from the code."""
    domain = _DOMAINS.get(code)
    if domain is not None:
        return domain
    head, _sep, rest = code.partition("-")
    suffix = {"PEMKAB": "kab", "PEMKOT": "kota", "PEMPROV": "prov"}.get(head)
    if suffix and _slug(rest):
        return f"{_slug(rest)}{suffix}.go.id"
    return f"{_slug(code) or 'instansi'}.go.id"


def generate_agencies(count: int, *, seed: int) -> list[AgencySpec]:
    """``count`` agencies with unique codes: real ones first (shuffled), then invented places."""
    rng = random.Random(seed)
    pool = list(_REAL_AGENCIES)
    rng.shuffle(pool)
    specs = pool[:count]
    codes = {spec.code for spec in specs}
    attempts = 0
    while len(specs) < count:
        attempts += 1
        prefix = _SYNTH_PREFIX[int(rng.random() * len(_SYNTH_PREFIX))]
        root = _SYNTH_ROOT[int(rng.random() * len(_SYNTH_ROOT))]
        name = prefix + root.lower() if prefix in _JOINED else f"{prefix} {root}"
        if attempts > 10 * len(_SYNTH_PREFIX) * len(_SYNTH_ROOT):
            name = f"{name} {attempts}"  # the invented names ran out: number them
        province = _PROVINCES[int(rng.random() * len(_PROVINCES))]
        spec = _regional_spec("C" if rng.random() < 0.2 else "K", name, province)
        if spec.code in codes:
            continue
        # Invented places keep the national mix of names: a tradition registered here would make
        # the rows depend on whether this function ran before in the same process.
        codes.add(spec.code)
        specs.append(spec)
    return specs


# --- Employees ------------------------------------------------------------------------------


class _Agency:
    """What the row loop needs about an agency, computed once."""

    __slots__ = ("code", "domain", "traditions", "units")

    def __init__(self, code: str, units: Sequence[tuple[str, str]]) -> None:
        if not units:
            raise ValueError(f"Agency {code} needs at least one unit.")
        self.code = code
        self.domain = agency_domain(code)
        self.traditions = tuple(_TRADITIONS[key] for key in _mix(_LOCAL_TRADITION.get(code)))
        self.units = tuple(
            (unit_code, unit_name, _TRACKS[unit_kind(unit_name)], _head_of(unit_name))
            for unit_code, unit_name in units
        )


def _person(rnd, tradition: _Tradition, female: bool) -> tuple[str, str, str]:
    """(full name, first part for the e-mail, last part for the e-mail or "")."""
    firsts = tradition.female if female else tradition.male
    first = firsts[int(rnd() * len(firsts))]
    prefix = ""
    if tradition.prefix and rnd() < tradition.prefix:
        prefixes = tradition.female_prefix if female else tradition.male_prefix
        prefix = prefixes[int(rnd() * len(prefixes))] + " "
    if rnd() < tradition.single:
        return prefix + first, first, ""
    lasts = tradition.female_last if female else tradition.male_last
    last = lasts[int(rnd() * len(lasts))]
    if last == first:
        return prefix + first, first, ""
    return f"{prefix}{first} {last}", first, last


def _email_part(text: str) -> str:
    # "Muh. Arif" → "muharif", "Da Silva" → "dasilva": ASCII letters and digits only.
    return _SLUG.sub("", text.lower())


def _titles(rnd, track: _Track, education: int, born: int, female: bool) -> tuple[str, str]:
    """(gelar depan, gelar belakang) for this education level and career."""
    if education == _SMA:
        return "", ""
    if education == _D3:
        return "", track.d3[int(rnd() * len(track.d3))]
    front = track.front
    back = track.s1[int(rnd() * len(track.s1))] if track.s1 else ""
    if born < 1968 and track.old_front:
        # The old S1 degrees were written before the name: Drs./Dra. or Ir.
        old = "Dra." if female and track.old_front == "Drs." else track.old_front
        front, back = f"{old} {front}".strip(), ""
    if education >= _S2 and track.s2:
        master = track.s2[int(rnd() * len(track.s2))]
        back = f"{back}, {master}" if back else master
    if education == _S3:
        front = f"Dr. {front}".strip()
    return front, back


# Employment type draws: ~80% PNS, ~5% CPNS, ~15% PPPK.
_PNS_SHARE, _CPNS_SHARE = 0.80, 0.05
# Status draws per type: (cumulative share, status).
_PNS_STATUS = (
    (0.925, "aktif"),
    (0.965, "pensiun"),
    (0.98, "berhenti"),
    (0.99, "meninggal"),
    (1.0, "cltn"),
)
_PPPK_STATUS = ((0.97, "aktif"), (0.99, "berhenti"), (1.0, "meninggal"))
_CPNS_STATUS = ((0.99, "aktif"), (1.0, "berhenti"))
# Appointment ages 20–40 (19–40 counting the birthday), mostly in the mid twenties.
_APPOINTMENT_AGES = tuple(
    age
    for age, weight in zip(
        range(20, 41), (2, 4, 6, 8, 9, 9, 9, 8, 7, 6, 5, 5, 4, 4, 3, 3, 2, 2, 2, 1, 1), strict=True
    )
    for _ in range(weight)
)
# Months in which appointments (TMT) usually take effect: January, March, April, December.
_TMT_MONTHS = (1, 1, 1, 1, 3, 3, 3, 3, 4, 4, 12, 12, 12, 2, 5, 6, 7, 8, 9, 10, 11)
_PPPK_TMT_MONTHS = (1, 1, 3, 3, 4, 4, 7, 10)
_PPPK_CONTRACTS = (1,) * 18 + (2, 2)
_MAX_SERIAL = 999


def _pick(table: tuple[tuple[float, str], ...], draw: float) -> str:
    for limit, value in table:
        if draw < limit:
            return value
    return table[-1][1]


def _two(n: int) -> str:
    return f"{n:02d}"


_DD = tuple(_two(n) for n in range(32))


def generate_employee_rows(
    count: int,
    *,
    seed: int,
    agencies: Sequence[tuple[str, Sequence[tuple[str, str]]]],
    today: dt.date | None = None,
) -> Iterator[dict[str, str]]:
    """Yield ``count`` import rows ({canonical column: text}) spread round-robin over ``agencies``.

    NIPs/NI PPPK are valid and unique within one call, not across calls: most serials are 001, so
    another seed reuses many NIPs (about a third at 100,000 rows). For more new people, ask the
    same seed for more rows: the first rows stay the same and the rest are new.
    """
    if not agencies:
        raise ValueError("At least one agency is needed.")
    ref = today or REFERENCE_DATE
    rng = random.Random(seed)
    rnd = rng.random
    prepared = [_Agency(code, units) for code, units in agencies]
    n_agencies = len(prepared)
    ref_ordinal = ref.toordinal()
    ref_month = ref.year * 12 + ref.month - 1  # months since year 0, the unit of appointments
    fromordinal = dt.date.fromordinal
    year_start = {y: dt.date(y, 1, 1).toordinal() for y in range(1900, ref.year + 2)}
    serials: dict[int, int] = {}  # NIP without its serial → last serial used
    ages, n_ages = _APPOINTMENT_AGES, len(_APPOINTMENT_AGES)
    tmt_months, n_tmt_months = _TMT_MONTHS, len(_TMT_MONTHS)
    dd = _DD
    single_names, javanese = _TRADITIONS["jawa_single"], _TRADITIONS["jawa"]

    for index in range(count):
        agency = prepared[index % n_agencies]
        unit_code, unit_name, tracks, head = agency.units[int(rnd() * len(agency.units))]
        draw = rnd()
        kind = "PNS" if draw < _PNS_SHARE else "CPNS" if draw < _PNS_SHARE + _CPNS_SHARE else "PPPK"
        track = tracks[int(rnd() * len(tracks))]
        education = track.education[int(rnd() * len(track.education))]
        female = rnd() < track.female
        status = _pick(
            _PNS_STATUS if kind == "PNS" else _CPNS_STATUS if kind == "CPNS" else _PPPK_STATUS,
            rnd(),
        )
        age = ages[int(rnd() * n_ages)]
        status_on = 0  # ordinal of tmt_status; 0 = none given
        contract = None

        if kind == "PPPK":
            appointment_year = ref.year - 1 - int(rnd() * 5)
            appointment_month = _PPPK_TMT_MONTHS[int(rnd() * len(_PPPK_TMT_MONTHS))]
            contract = _PPPK_CONTRACTS[int(rnd() * len(_PPPK_CONTRACTS))]
            birth_ordinal = year_start[appointment_year - age] + int(rnd() * 365)
            service_years = 0
        elif kind == "CPNS":
            month = ref_month - 1 - int(rnd() * 12)
            appointment_year, appointment_month = divmod(month, 12)
            appointment_month += 1
            birth_ordinal = year_start[appointment_year - age] + int(rnd() * 365)
            service_years = 0
        elif status == "pensiun":
            # Retired in the last ten years, on the first of the month after the birthday that
            # reached the retirement age (BUP).
            retired = ref_month - 1 - int(rnd() * 120)
            birth_month = retired - 1 - track.retirement_age * 12
            year, month0 = divmod(birth_month, 12)
            birth_ordinal = dt.date(year, month0 + 1, 1 + int(rnd() * 28)).toordinal()
            appointment_year, appointment_month = divmod(
                birth_month + age * 12 + int(rnd() * 12), 12
            )
            appointment_month += 1
            ry, rm = divmod(retired, 12)
            status_on = dt.date(ry, rm + 1, 1).toordinal()
            service_years = track.retirement_age - age
        else:
            # In service since at least 13 months (CPNS probation is over) and younger than 57.
            service_years = 1 + int(rnd() * (57 - age - 1))
            appointment_year = ref.year - service_years
            appointment_month = tmt_months[int(rnd() * n_tmt_months)]
            if appointment_year * 12 + appointment_month - 1 > ref_month - 13:
                appointment_year -= 1
            birth_ordinal = year_start[appointment_year - age] + int(rnd() * 365)

        birth = fromordinal(birth_ordinal)
        appointed = dt.date(appointment_year, appointment_month, 1)
        appointed_ordinal = appointed.toordinal()
        if status in ("berhenti", "meninggal", "cltn"):
            low = appointed_ordinal + 30
            if status == "cltn":
                low = max(low, ref_ordinal - 3 * 365)  # leave lasts at most three years
            low = min(low, ref_ordinal - 1)
            status_on = low + int(rnd() * (ref_ordinal - low))

        # Rank and position follow education and years of service.
        if kind == "PPPK":
            rank = _PPPK_GRADE[education]
            rank_index = _ENTRY_RANK[education]
        else:
            rank_index = _ENTRY_RANK[education] + service_years // 4
            if service_years >= 8 and track.ladder != "pelaksana" and rnd() < 0.3:
                rank_index += 1  # functional credit points promote faster
            cap = _RANK_CAP[education]
            if track.ladder == "pelaksana":
                cap = min(cap, 7)  # without a functional or structural post, III/d is the end
            rank_index = min(rank_index, cap)
            rank = GOLONGAN[rank_index]
        if track.ladder == "ahli":
            position = f"{track.name} {_AHLI_LEVEL[rank_index]}"
        elif track.ladder == "terampil":
            position = f"{track.name} {_TERAMPIL_LEVEL[rank_index]}"
        else:
            position = track.name
        if kind == "PNS" and rank_index >= 6 and education >= _S1 and track.name != "Guru":
            draw = rnd()
            if draw < 0.08:
                if rank_index >= 10 or (rank_index >= 8 and draw < 0.01):
                    position = head
                elif rank_index >= 8:
                    position = _STRUCTURAL_IV[int(rnd() * len(_STRUCTURAL_IV))]
                else:
                    position = _STRUCTURAL_III[int(rnd() * len(_STRUCTURAL_III))]

        tradition = agency.traditions[int(rnd() * len(agency.traditions))]
        if tradition is single_names and birth.year >= 1975:
            tradition = javanese  # one-word Javanese names belong to the older generation
        name, first, last = _person(rnd, tradition, female)
        front, back = _titles(rnd, track, education, birth.year, female)

        # The serial is the next free one for this birth date, appointment and sex.
        sex = Sex.FEMALE if female else Sex.MALE
        appointment_code = appointment_year * 100 + (
            20 + contract if contract else appointment_month
        )
        key = (birth_ordinal * 1_000_000 + appointment_code) * 2 + female
        serial = serials.get(key, 0) + 1
        if serial > _MAX_SERIAL:  # pragma: no cover - needs ~1000 people born on one day
            raise RuntimeError("NIP serials exhausted; use fewer rows per call.")
        serials[key] = serial
        nip = build_nip(
            birth_date=birth,
            appointment_year=appointment_year,
            appointment_month=None if contract else appointment_month,
            sex=sex,
            serial=serial,
            contract_number=contract,
        )
        local = _email_part(first)
        if last:
            local = f"{local}.{_email_part(last)}"
        # Numbers from before the 2009 NIP reform survive as the old 9-digit NIP.
        nip_lama = ""
        if appointment_year < 2009 and kind == "PNS":
            nip_lama = str(100_000_000 + int(rnd() * 800_000_000))
        if status_on:
            d = fromordinal(status_on)
            status_text = f"{dd[d.day]}-{dd[d.month]}-{d.year}"
        else:
            status_text = ""
        yield {
            "nip": nip,
            "nama": name,
            "jenis_pegawai": kind,
            "kode_instansi": agency.code,
            "kode_unor": unit_code,
            "email": f"{local}{index + 1}@{agency.domain}",
            "status": status,
            "nama_unor": unit_name,
            "tmt_status": status_text,
            "nip_lama": nip_lama,
            "gelar_depan": front,
            "gelar_belakang": back,
            "golongan": rank,
            "jabatan": position,
            "tmt_pengangkatan": f"01-{dd[appointment_month]}-{appointment_year}",
            "jenis_kelamin": sex,
            "tanggal_lahir": f"{dd[birth.day]}-{dd[birth.month]}-{birth.year}",
        }


def write_import_csv(path: str | Path, rows) -> int:
    """Write rows (dicts by canonical column) as a UTF-8 CSV for the importer; return the count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([row.get(column, "") for column in COLUMNS])
            count += 1
    return count
