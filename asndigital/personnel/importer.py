"""Import of employees from the national HR database (SIASN) exports: CSV or XLSX.

Streaming, in batches, with bounded memory. Each row is validated completely before anything is
written; a bad row goes to the report with its row number and reason, and never stops the run.
Each batch is written in one transaction together with its audit event. See docs/import.md.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import logging
import os
import queue
import re
import threading
from base64 import urlsafe_b64encode
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import repeat
from operator import itemgetter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from asndigital.accounts import services as accounts
from asndigital.accounts.models import User
from asndigital.audit.services import record
from asndigital.core.bulk import insert_rows, update_rows
from asndigital.core.ids import uuid7_many
from asndigital.personnel.models import (
    DEPARTED_STATUSES,
    Agency,
    Employee,
    EmployeeChange,
    EmployeeStatus,
    EmployeeStatusEvent,
    EmploymentType,
    Unit,
)
from asndigital.personnel.nip import InvalidNip, parse_nip

logger = logging.getLogger(__name__)

# Canonical column names (SIASN-style, Indonesian) and the aliases accepted for them.
COLUMNS: dict[str, tuple[str, ...]] = {
    "nip": ("nip", "nip_baru", "ni_pppk"),
    "nama": ("nama", "name"),
    "jenis_pegawai": ("jenis_pegawai", "employment_type"),
    "kode_instansi": ("kode_instansi", "instansi_kode", "agency_code"),
    "kode_unor": ("kode_unor", "unor_id", "unit_code"),
    "email": ("email", "email_siasn"),
    "status": ("status", "status_pegawai"),
    "nama_unor": ("nama_unor", "unor_nama", "unit_name"),
    "tmt_status": ("tmt_status", "status_since"),
    "nip_lama": ("nip_lama", "old_nip"),
    "gelar_depan": ("gelar_depan", "front_title"),
    "gelar_belakang": ("gelar_belakang", "back_title"),
    "golongan": ("golongan", "rank"),
    "jabatan": ("jabatan", "position"),
    "tmt_pengangkatan": ("tmt_pengangkatan", "tmt_cpns", "appointed_on"),
    "jenis_kelamin": ("jenis_kelamin", "sex"),
    "tanggal_lahir": ("tanggal_lahir", "birth_date"),
}
REQUIRED_COLUMNS = ("nip", "nama", "jenis_pegawai", "kode_instansi", "kode_unor", "email", "status")
CANONICAL = tuple(COLUMNS)
_ALIASES = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}

# The fields an import may change, in a fixed order; birth date and sex follow from the NIP.
COMPARED = (
    "nip_lama",
    "front_title",
    "name",
    "back_title",
    "employment_type",
    "agency_id",
    "unit_id",
    "rank",
    "position",
    "email",
    "status",
    "status_on",
    "appointed_on",
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# The usual address (a plain dot-atom before the @, ASCII labels and a letters-only top-level
# domain after it, as Django's patterns allow them) is accepted without Django's EmailValidator,
# which cost a fifth of a row's checks; anything else still goes through it. Everything this
# accepts, EmailValidator accepts too (tests/personnel/test_import.py checks it).
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_PLAIN_EMAIL = re.compile(
    rf"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@{_LABEL}(?:\.{_LABEL})*\.[a-z]{{2,63}}\Z"
)
# Enum .values are rebuilt on every access; these are read for every row.
_EMPLOYMENT_TYPES = frozenset(EmploymentType.values)
_STATUSES = frozenset(EmployeeStatus.values)
_SEX = {
    "l": "L",
    "laki-laki": "L",
    "m": "L",
    "1": "L",
    "p": "P",
    "perempuan": "P",
    "f": "P",
    "2": "P",
}
_MAX = {
    "nama": 200,
    "gelar_depan": 60,
    "gelar_belakang": 80,
    "golongan": 16,
    "jabatan": 255,
    "kode_unor": 64,
    "nama_unor": 255,
}


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, missing columns)."""


class RowError(Exception):
    pass


class ImportInterrupted(Exception):
    """The import stopped part-way (the database went away, the file broke off): the batches
    already written stay (each whole, with its audit event) and ``result`` says which rows they
    were; running the same file again continues, the stored rows then count as unchanged."""

    def __init__(self, result: ImportResult, cause: BaseException) -> None:
        self.result = result
        self.cause = cause
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return _(
            "The import stopped before the end of the file (%(cause)s). Rows stored, each "
            "batch whole: %(ranges)s (%(summary)s); nothing of the other rows was written. Run "
            "the same file again to continue: rows already stored then count as unchanged."
        ) % {
            "cause": self.cause.__class__.__name__,
            "ranges": self.result.stored_rows,
            "summary": self.result.summary,
        }


@dataclass
class ImportResult:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    warnings: int = 0
    # (first row, last row) of each batch written, in the order they were committed
    batches: list[tuple[int, int]] = field(default_factory=list)

    @property
    def stored_rows(self) -> str:
        """The rows written, as spreadsheet row ranges ("2-2001, 2002-4001"), merged."""
        merged: list[list[int]] = []
        for first, last in sorted(self.batches):
            if merged and first <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], last)
            else:
                merged.append([first, last])
        return ", ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in merged) or "-"

    @property
    def summary(self) -> str:
        return (
            f"imported {self.imported}, updated {self.updated}, "
            f"unchanged {self.unchanged}, rejected {self.rejected}"
        )


@dataclass
class _Row:
    number: int
    nip: str
    values: dict[str, Any]  # the COMPARED fields, plus birth_date and sex
    unit_code: str
    unit_name: str
    status_given: bool
    warnings: list[str] = field(default_factory=list)
    key: str = ""  # raw_key() of the row as read


# --- Fingerprints of rows already applied -----------------------------------------------------

# Part of every digest: change it when a release changes what a row turns into (its validation
# or normalisation), so that no row is skipped on the strength of the old rules.
_DIGEST_PERSON = b"asn-import-1"
_DIGEST = hashlib.blake2b(digest_size=8, person=_DIGEST_PERSON)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND = dt.timedelta(microseconds=1)


def raw_key(raw: dict[str, str]) -> str:
    """The columns the import reads, in a fixed order (not the file's, nor its aliases')."""
    return "\x1f".join(map(raw.get, CANONICAL, repeat("")))


def microseconds(moment: dt.datetime) -> int:
    """An aware datetime as whole microseconds since 1970 (how digests see ``updated_at``)."""
    return (moment - _EPOCH) // _MICROSECOND


def row_digest(key: str, agency_id: int, unit_id: int | None, updated_at: int) -> int:
    """The 64-bit fingerprint stored in ``Employee.import_digest`` when a row is applied.

    It covers the row as read (``raw_key``), the agency and unit its codes resolved to (a
    renamed code no longer resolves to them) and the employee's ``updated_at`` as written (any
    later change, by anyone, moves it). A later row with the same fingerprint would change
    nothing: the import skips it unvalidated. A fingerprint that does not match costs only the
    full path. Two different rows colliding in 64 bits is a 1 in 2^64 chance per changed row.
    ``updated_at`` is in ``microseconds()``."""
    hasher = _DIGEST.copy()  # half the cost of setting the hash up anew for every row
    hasher.update(f"{key}\x1e{agency_id}\x1e{unit_id}\x1e{updated_at}".encode())
    return int.from_bytes(hasher.digest(), "big", signed=True)


# --- Reading --------------------------------------------------------------------------------


def _canonical_header(header: list[Any]) -> list[str | None]:
    names = []
    for cell in header:
        key = str(cell or "").strip().lower().replace(" ", "_")
        names.append(_ALIASES.get(key))
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise ImportFileError(
            _("The file lacks the required columns: %(columns)s.") % {"columns": ", ".join(missing)}
        )
    return names


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(path: str | Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number as a spreadsheet shows it, {canonical column: text}) from CSV or XLSX.

    A CSV file is read whole once before its first row is given: a file that cannot be read
    to its end (a wrong byte at row 2,000, a broken quote) is refused before anything of it is
    written, never half imported."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        yield from _read_xlsx(path)
    elif suffix in {".csv", ".txt"}:
        encoding = detect_encoding(path)  # the whole file decoded once
        _check_csv(path, encoding)  # and parsed once, before any row is used
        yield from _read_csv(path, encoding)
    else:
        raise ImportFileError(_("Only CSV and XLSX files can be imported."))


# What spreadsheet programs write: UTF-8 (with or without a byte-order mark), UTF-16 (Excel's
# "Unicode text", with or without one) and Windows-1252 (Excel's plain "CSV" on Windows).
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


_ENCODING_PIECE = 1 << 20  # bytes decoded at a time: memory stays flat however large the file


def detect_encoding(path: Path) -> str:
    """The file's text encoding, or ImportFileError naming the problem.

    The file is read in pieces of 1 MiB through an incremental decoder, so a million-row file
    costs one piece of memory, not the file twice over (bytes and text)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise ImportFileError(
            _("The file cannot be opened: %(error)s") % {"error": exc.strerror}
        ) from None
    if head.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    else:
        odd, even = head[1::2].count(0), head[0::2].count(0)
        if odd > len(head) // 4 and not even:
            encoding = "utf-16-le"
        elif even > len(head) // 4 and not odd:
            encoding = "utf-16-be"
        else:
            encoding = "utf-8"
    line = _first_undecodable_line(path, encoding)
    if line is None:
        return encoding
    # Windows-1252 only when nothing in the file looks like UTF-8 (a file that is UTF-8 up to
    # a stray byte is a broken UTF-8 file, not a Windows one).
    if (
        encoding == "utf-8"
        and not _has_utf8_sequence(path)
        and _first_undecodable_line(path, "cp1252") is None
    ):
        return "cp1252"
    raise ImportFileError(
        _(
            "The CSV file's text cannot be read at line %(line)d: it is neither UTF-8, UTF-16 "
            "nor Windows-1252 throughout. Save it again as “CSV UTF-8” and import it again."
        )
        % {"line": line}
    )


def _pieces(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while piece := handle.read(_ENCODING_PIECE):
            yield piece


def _first_undecodable_line(path: Path, encoding: str) -> int | None:
    """None when the whole file decodes, else the line (from 1) of the first byte that does not."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    lines = 1  # line breaks counted so far, through the bytes the decoder still holds
    for piece in _pieces(path):
        held = decoder.getstate()[0]  # the end of the last piece: half a character
        try:
            decoder.decode(piece)
        except UnicodeDecodeError as error:
            # error.start counts from the held bytes, which were counted with their piece.
            before = (held + piece[: max(error.start - len(held), 0)])[: error.start]
            return lines - held.count(b"\n") + before.count(b"\n")
        lines += piece.count(b"\n")
    held = decoder.getstate()[0]
    try:
        decoder.decode(b"", final=True)
    except UnicodeDecodeError as error:
        return lines - held.count(b"\n") + held[: error.start].count(b"\n")
    return None


def _has_utf8_sequence(path: Path) -> bool:
    tail = b""
    for piece in _pieces(path):
        if _UTF8_SEQUENCE.search(tail + piece):
            return True
        tail = piece[-1:]
    return False


def _check_csv(path: Path, encoding: str) -> None:
    """Parse every line (the C reader alone, no rows built): a malformed line anywhere refuses
    the file before its first row is imported."""
    with path.open(encoding=encoding, newline="") as handle:
        delimiter = ";" if (sample := handle.read(8192)).count(";") > sample.count(",") else ","
        handle.seek(0)
        try:
            for _cells in csv.reader(handle, delimiter=delimiter):
                pass
        except csv.Error as exc:
            raise ImportFileError(
                _("The CSV file is malformed: %(error)s") % {"error": exc}
            ) from None


def _read_csv(path: Path, encoding: str) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        handle = path.open(encoding=encoding, newline="")
    except OSError as exc:
        raise ImportFileError(
            _("The file cannot be opened: %(error)s") % {"error": exc.strerror}
        ) from None
    with handle:
        try:
            sample = handle.read(8192)
        except UnicodeDecodeError:
            raise ImportFileError(_("The CSV file must be encoded as UTF-8.")) from None
        handle.seek(0)
        delimiter = ";" if sample.count(";") > sample.count(",") else ","
        reader = csv.reader(handle, delimiter=delimiter)
        try:
            header = next(reader, None)
            if header is None:
                raise ImportFileError(_("The file is empty."))
            names = _canonical_header(header)
            pairs = [(i, n) for i, n in enumerate(names) if n]
            used = [n for _i, n in pairs]
            # itemgetter, str.strip, zip and dict all run in C: a full-width line costs no
            # Python per cell (a short line takes the slow way).
            pick = itemgetter(*(i for i, _n in pairs)) if len(pairs) > 1 else None
            needed = max(i for i, _n in pairs) + 1
            strip = str.strip
            for number, cells in enumerate(reader, start=2):
                if not any(cells):
                    continue
                width = len(cells)
                if pick is not None and width >= needed:
                    yield number, dict(zip(used, map(strip, pick(cells)), strict=True))
                else:
                    yield number, {n: cells[i].strip() if i < width else "" for i, n in pairs}
        except UnicodeDecodeError:
            raise ImportFileError(_("The CSV file must be encoded as UTF-8.")) from None
        except csv.Error as exc:
            raise ImportFileError(
                _("The CSV file is malformed: %(error)s") % {"error": exc}
            ) from None


def _read_xlsx(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    # imported here: openpyxl is heavy: loaded only for a spreadsheet
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a damaged or foreign file
        raise ImportFileError(_("The file is not a readable XLSX workbook.")) from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ImportFileError(_("The file is empty."))
        names = _canonical_header(list(header))
        pairs = [(i, n) for i, n in enumerate(names) if n]
        for number, cells in enumerate(rows, start=2):
            if not any(c not in (None, "") for c in cells):
                continue
            width = len(cells)
            yield number, {n: _cell_text(cells[i]) if i < width else "" for i, n in pairs}
    finally:
        workbook.close()


# --- Validating -----------------------------------------------------------------------------


def parse_date(text: str) -> dt.date:
    """SIASN's DD-MM-YYYY, or ISO YYYY-MM-DD, or DD/MM/YYYY."""
    text = text.strip()
    try:
        if len(text) == 10 and text[4] == "-":
            return dt.date.fromisoformat(text)
        if len(text) == 10 and text[2] in "-/" and text[5] == text[2]:
            return dt.date(int(text[6:10]), int(text[3:5]), int(text[0:2]))
    except ValueError:
        pass
    raise RowError(_("'%(value)s' is not a date (use DD-MM-YYYY).") % {"value": text[:20]})


def _check_control_characters(raw: dict[str, str]) -> None:
    # One search over the whole row; the per-column search only runs to name the culprit.
    if _CONTROL.search("".join(raw.values())):
        for column, value in raw.items():
            if _CONTROL.search(value):
                raise RowError(
                    _("Column %(column)s contains control characters.") % {"column": column}
                )


def _text(raw: dict[str, str], column: str, *, required: bool = False) -> str:
    value = raw.get(column, "")
    if not value:
        if required:
            raise RowError(_("Column %(column)s is empty.") % {"column": column})
        return value
    limit = _MAX.get(column)
    if limit and len(value) > limit:
        raise RowError(
            _("Column %(column)s is longer than %(limit)d characters.")
            % {"column": column, "limit": limit}
        )
    return value


class RowValidator:
    """Turns one raw row into normalised values, or raises RowError with a reason for people."""

    def __init__(self, agencies: dict[str, int], today: dt.date) -> None:
        self.agencies = agencies
        self.today = today

    def __call__(self, number: int, raw: dict[str, str]) -> _Row:
        _check_control_characters(raw)
        employment_type = _text(raw, "jenis_pegawai", required=True).upper()
        if employment_type not in _EMPLOYMENT_TYPES:
            raise RowError(
                _("Employment type '%(value)s' is unknown (use CPNS, PNS or PPPK).")
                % {"value": employment_type[:20]}
            )
        try:
            info = parse_nip(raw.get("nip", ""), employment_type=employment_type, today=self.today)
        except InvalidNip as exc:
            raise RowError(exc.message) from None

        name = _text(raw, "nama", required=True)
        agency_code = _text(raw, "kode_instansi", required=True)
        agency_id = self.agencies.get(agency_code)
        if agency_id is None:
            raise RowError(_("Agency code '%(code)s' is unknown.") % {"code": agency_code[:40]})

        email = _text(raw, "email").lower()
        if email and not (len(email) <= 320 and _PLAIN_EMAIL.match(email)):
            try:
                validate_email(email)
            except ValidationError:
                raise RowError(
                    _("'%(value)s' is not a valid e-mail address.") % {"value": email[:80]}
                ) from None

        status = _text(raw, "status", required=True).lower()
        if status not in _STATUSES:
            raise RowError(
                _(
                    "Status '%(value)s' is unknown "
                    "(use aktif, cltn, pensiun, berhenti or meninggal)."
                )
                % {"value": status[:20]}
            )
        status_text = _text(raw, "tmt_status")
        status_on = parse_date(status_text) if status_text else None
        if status_on is None and status != EmployeeStatus.ACTIVE:
            raise RowError(
                _("Status '%(status)s' needs its effective date (tmt_status).")
                % {"status": EmployeeStatus(status).label}
            )
        if status_on is not None and status_on < info.birth_date:
            raise RowError(_("The status date is before the birth date."))

        appointed_text = _text(raw, "tmt_pengangkatan")
        if appointed_text:
            appointed_on = parse_date(appointed_text)
            same = appointed_on.year == info.appointment_year and (
                info.appointment_month is None or appointed_on.month == info.appointment_month
            )
            if not same:
                raise RowError(_("The appointment date (tmt_pengangkatan) does not match the NIP."))
        else:
            appointed_on = info.appointment_on

        sex_text = _text(raw, "jenis_kelamin").lower()
        if sex_text:
            sex = _SEX.get(sex_text)
            if sex is None:
                raise RowError(
                    _("Sex '%(value)s' is unknown (use L or P).") % {"value": sex_text[:20]}
                )
            if sex != info.sex:
                raise RowError(_("The sex (jenis_kelamin) does not match digit 15 of the NIP."))
        birth_text = _text(raw, "tanggal_lahir")
        if birth_text and parse_date(birth_text) != info.birth_date:
            raise RowError(_("The birth date (tanggal_lahir) does not match the NIP."))

        nip_lama = _text(raw, "nip_lama")
        if nip_lama and not (len(nip_lama) == 9 and nip_lama.isdigit()):
            raise RowError(_("The old NIP (nip_lama) must have 9 digits."))

        values = {
            "nip_lama": nip_lama,
            "front_title": _text(raw, "gelar_depan"),
            "name": name,
            "back_title": _text(raw, "gelar_belakang"),
            "employment_type": employment_type,
            "agency_id": agency_id,
            "unit_id": None,  # resolved per batch
            "rank": _text(raw, "golongan"),
            "position": _text(raw, "jabatan"),
            "email": email,
            "status": status,
            "status_on": status_on,  # None: keep the current one (or the appointment date)
            "appointed_on": appointed_on,
            "birth_date": info.birth_date,
            "sex": info.sex,
        }
        return _Row(
            number=number,
            nip=info.nip,
            values=values,
            unit_code=_text(raw, "kode_unor"),
            unit_name=_text(raw, "nama_unor"),
            status_given=bool(status_text),
            warnings=list(info.warnings),
        )


# --- Writing --------------------------------------------------------------------------------

ReportFn = Callable[[int, str, str], None]

_EMPLOYEE_COLUMNS = (
    "id",
    "nip",
    "user_id",
    "birth_date",
    "sex",
    "created_at",
    "updated_at",
    "import_digest",
    *COMPARED,
)
_STATUS_COLUMNS = ("employee_id", "status", "effective_on", "recorded_at", "source", "actor_id")
_CHANGE_COLUMNS = ("employee_id", "changed_at", "source", "actor_id", "changes")


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


class EmployeeImporter:
    """Upserts employees by NIP. Use :func:`import_employees` unless you need the pieces."""

    def __init__(
        self,
        *,
        actor: User | None,
        source: str = "import",
        batch_size: int | None = None,
        report: ReportFn | None = None,
        today: dt.date | None = None,
        pipelined: bool = True,
        writers: int | None = None,
    ) -> None:
        self.actor = actor
        self.actor_id = actor.pk if actor is not None else None
        self.source = source
        self.batch_size = batch_size or settings.ASN_IMPORT_BATCH_SIZE
        self.report = report or (lambda number, nip, reason: None)
        self.result = ImportResult()
        self.validate = RowValidator(
            dict(Agency.objects.values_list("code", "id")), today or dt.date.today()
        )
        self.units: dict[tuple[int, str], int] = {
            (a, c): i for a, c, i in Unit.objects.values_list("agency_id", "code", "id").iterator()
        }
        # NIPs already seen in this file, as integers (compact), to refuse duplicate rows.
        self.seen: set[int] = set()
        self._agency_codes: dict[int, str] | None = None
        self._unit_codes: dict[int, str] | None = None
        self._lock = threading.Lock()
        self.pipelined = pipelined
        self.writers = writers
        # Rows whose fingerprint matches the stored one are skipped unvalidated; none can match
        # while no employee has one (a first import asks nothing).
        self.skip_applied = Employee.objects.filter(import_digest__isnull=False).exists()

    def _readable(self, field_name: str, value: Any) -> Any:
        """Change history shows agency and unit codes, not database ids."""
        if value is None:
            return None
        if field_name == "agency_id":
            if self._agency_codes is None:
                self._agency_codes = {i: c for c, i in self.validate.agencies.items()}
            return self._agency_codes.get(value, value)
        if field_name == "unit_id":
            if self._unit_codes is None or value not in self._unit_codes:
                self._unit_codes = {i: c for (_a, c), i in self.units.items()}
            return self._unit_codes.get(value, value)
        return _json_value(value)

    def run(self, rows: Iterable[tuple[int, dict[str, str]]]) -> ImportResult:
        """Validate and write all rows; outside a transaction, writing overlaps validation.
        A failure after some batches were written raises ``ImportInterrupted`` saying which."""
        try:
            if (
                connection.in_atomic_block
                or not self.pipelined
                or connection.vendor != "postgresql"
            ):
                # Inside a caller's transaction the writes must use the caller's connection;
                # and SQLite has one writer at a time, so threads would only wait for each other.
                self._validate_all(rows, self._write)
                return self.result
            return self._run_pipelined(rows)
        except Exception as exc:
            if self.result.batches and not connection.in_atomic_block:
                raise ImportInterrupted(self.result, exc) from exc
            raise

    def _run_pipelined(self, rows: Iterable[tuple[int, dict[str, str]]]) -> ImportResult:
        """Validate in this thread while writer threads (each its own connection) write batches.

        The database's work and this process's parsing overlap, and on PostgreSQL two batches
        are written at once (the server uses both cores). The queue holds a few batches at
        most, so memory stays bounded. Batches touch disjoint NIPs (duplicates never reach
        them) and units are created before their rows are queued, so writers cannot collide.
        """
        writers = self.writers or 2
        work: queue.Queue[list[_Row] | None] = queue.Queue(maxsize=writers + 1)
        failure: list[BaseException] = []
        language = translation.get_language()

        def writer() -> None:
            translation.activate(language)
            try:
                while (batch := work.get()) is not None:
                    if not failure:
                        self._write(batch)
            except BaseException as exc:  # handed to the main thread, which re-raises it
                failure.append(exc)
                while work.get() is not None:  # keep the producer from blocking
                    pass
            finally:
                connection.close()

        def submit(batch: list[_Row]) -> None:
            if failure:
                raise failure[0]
            work.put(batch)

        threads = [
            threading.Thread(target=writer, name=f"import-writer-{i}", daemon=True)
            for i in range(writers)
        ]
        for thread in threads:
            thread.start()
        try:
            self._validate_all(rows, submit, lookahead=True)
        finally:
            for _thread in threads:
                work.put(None)
            for thread in threads:
                thread.join()
        if failure:
            raise failure[0]
        return self.result

    def _validate_all(
        self,
        rows: Iterable[tuple[int, dict[str, str]]],
        submit: Callable[[list[_Row]], None],
        *,
        lookahead: bool = False,
    ) -> None:
        """Read the rows a batch at a time: the rows already applied as they are (their stored
        fingerprint matches) count as unchanged at once; the others are validated and queued.

        With ``lookahead`` (own connections allowed) the next chunk's fingerprints are fetched
        by a helper thread while this one is checked. Chunks are still checked one after the
        other, in file order: duplicates, units and the report see the rows as before."""
        lookups = (
            ThreadPoolExecutor(1, thread_name_prefix="import-lookup")
            if lookahead and self.skip_applied
            else None
        )
        batch: list[_Row] = []
        pending: tuple[list, Future | dict] | None = None
        chunks = _chunks(rows, self.batch_size)
        try:
            while True:
                try:
                    chunk = next(chunks)
                except StopIteration:
                    break
                except Exception:
                    # The file broke off: what was read before it is checked and written as
                    # it would have been without the look-ahead, then the error is raised.
                    if pending is not None:
                        self._validate_chunk(*pending, batch, submit)
                    raise
                if not self.skip_applied:
                    stored: Future | dict = {}
                elif lookups is not None:
                    stored = lookups.submit(self._stored_digests, chunk)
                else:
                    stored = self._stored_digests(chunk)
                if pending is not None:
                    batch = self._validate_chunk(*pending, batch, submit)
                pending = (chunk, stored)
            if pending is not None:
                batch = self._validate_chunk(*pending, batch, submit)
        finally:
            if lookups is not None:
                lookups.submit(connection.close)  # the helper thread's own connection
                lookups.shutdown()
        if batch:
            submit(batch)

    def _validate_chunk(
        self,
        chunk: list[tuple[int, dict[str, str]]],
        stored: Future | dict,
        batch: list[_Row],
        submit: Callable[[list[_Row]], None],
    ) -> list[_Row]:
        digests: dict[str, tuple[int, int]] = (
            stored.result() if isinstance(stored, Future) else stored
        )
        applied = 0
        for number, raw in chunk:
            key = raw_key(raw)
            if digests and self._already_applied(raw, key, digests):
                applied += 1
                continue
            try:
                row = self.validate(number, raw)
            except RowError as exc:
                self._reject(number, raw.get("nip", ""), str(exc))
                continue
            nip_key = int(row.nip)
            if nip_key in self.seen:
                self._reject(number, raw.get("nip", ""), _("The NIP appears earlier in this file."))
                continue
            self.seen.add(nip_key)
            for warning in row.warnings:
                with self._lock:
                    self.result.warnings += 1
                    self.report(number, row.nip, _("Warning: %(warning)s") % {"warning": warning})
            row.values["unit_id"] = self._unit_id(row)
            row.key = key
            batch.append(row)
            if len(batch) >= self.batch_size:
                submit(batch)
                batch = []
        if applied:
            with self._lock:
                self.result.unchanged += applied
        return batch

    def _stored_digests(
        self, chunk: list[tuple[int, dict[str, str]]]
    ) -> dict[str, tuple[int, int]]:
        """{nip: (import_digest, updated_at)} of the chunk's employees that have a digest."""
        nips = []
        for _number, raw in chunk:
            nip = raw.get("nip", "").replace(" ", "")
            if len(nip) == 18 and nip.isdigit():
                nips.append(nip)
        if connection.vendor != "postgresql":
            rows = Employee.objects.filter(nip__any=nips, import_digest__isnull=False)
            return {
                nip: (digest, microseconds(updated_at))
                for nip, digest, updated_at in rows.values_list(
                    "nip", "import_digest", "updated_at"
                )
            }
        # The timestamp as an integer from the server: turning a million of them into Python
        # datetimes would cost more than the rest of the check. EXTRACT gives an exact numeric.
        table = connection.ops.quote_name(Employee._meta.db_table)
        sql = (
            "SELECT nip, import_digest, (EXTRACT(EPOCH FROM updated_at) * 1000000)::bigint "  # noqa: S608 - our table name
            f"FROM {table} WHERE nip = ANY(%s) AND import_digest IS NOT NULL"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [nips])
            return {nip: (digest, stamp) for nip, digest, stamp in cursor.fetchall()}

    def _already_applied(
        self, raw: dict[str, str], key: str, stored: dict[str, tuple[int, int]]
    ) -> bool:
        """True (and the NIP marked as seen) when this very row was the last thing applied to
        its employee, to the same agency and unit: validating and comparing it again would
        find nothing to change. Everything else takes the full path, which decides."""
        nip = raw.get("nip", "").replace(" ", "")
        found = stored.get(nip)
        if found is None:
            return False
        # An appointment age under 18 is reported as a warning on every import: such a row
        # takes the full path, which reports it (only a year gap of 19 or more rules it out).
        if int(nip[8:12]) - int(nip[:4]) < 19:
            return False
        nip_key = int(nip)
        if nip_key in self.seen:
            return False  # the full path reports the duplicate
        agency_id = self.validate.agencies.get(raw.get("kode_instansi", ""))
        if agency_id is None:
            return False
        unit_code = raw.get("kode_unor", "")
        unit_id = self.units.get((agency_id, unit_code)) if unit_code else None
        if unit_code and unit_id is None:
            return False
        digest, updated_at = found
        if row_digest(key, agency_id, unit_id, updated_at) != digest:
            return False
        self.seen.add(nip_key)
        return True

    def _reject(self, number: int, nip: str, reason: str) -> None:
        with self._lock:  # called from the reading and the writing thread
            self.result.rejected += 1
            self.report(number, nip[:40], reason)

    def _unit_id(self, row: _Row) -> int | None:
        """The row's unit, created (with its audit event) the first time the file names it.

        Units are resolved here, in the reading thread and before the row's batch is written,
        so that writer threads never race to create the same unit.
        """
        if not row.unit_code:
            return None
        key = (row.values["agency_id"], row.unit_code)
        unit_id = self.units.get(key)
        if unit_id is None:
            with transaction.atomic():
                unit, created = Unit.objects.get_or_create(
                    agency_id=key[0], code=key[1], defaults={"name": row.unit_name or key[1]}
                )
                if created:
                    record(
                        self.actor,
                        "unit.created",
                        unit,
                        agency_id=unit.agency_id,
                        code=unit.code,
                        source=self.source,
                    )
            unit_id = self.units[key] = unit.id
        return unit_id

    def _write(self, batch: list[_Row]) -> None:
        """Write a batch; if the database refuses it, retry row by row so one row cannot sink it."""
        try:
            outcome = self._write_atomic(batch)
        except (IntegrityError, DataError) as exc:
            # The database refused the data. Anything else (connection lost, locks) is not the
            # row's fault and stops the import: finished batches stay, a re-run completes it.
            if len(batch) == 1:
                logger.warning(
                    "import row %s refused by the database: %s",
                    batch[0].number,
                    exc.__class__.__name__,
                )
                self._reject(
                    batch[0].number,
                    batch[0].nip,
                    _("The database refused this row; nothing of it was saved."),
                )
                return
            logger.warning(
                "import rows %s-%s refused by the database (%s); retrying one by one",
                batch[0].number,
                batch[-1].number,
                exc.__class__.__name__,
            )
            for row in batch:
                self._write([row])
            return
        imported, updated, unchanged, rejections = outcome
        for number, nip, reason in rejections:
            self._reject(number, nip, reason)
        with self._lock:
            self.result.batches.append((batch[0].number, batch[-1].number))
            self.result.imported += imported
            self.result.updated += updated
            self.result.unchanged += unchanged

    @transaction.atomic
    def _write_atomic(self, batch: list[_Row]) -> tuple[int, int, int, list[tuple[int, str, str]]]:
        now = timezone.now()
        stamp = microseconds(now)
        rejections: list[tuple[int, str, str]] = []
        existing = {
            e["nip"]: e
            for e in Employee.objects.filter(nip__any=[r.nip for r in batch]).values(
                "id", "nip", "user_id", "updated_at", "import_digest", *COMPARED
            )
        }
        fresh_nips = [r.nip for r in batch if r.nip not in existing]
        taken = set(
            User.objects.filter(username__any=fresh_nips).values_list("username", flat=True)
        )

        new_users, new_employees, new_events = [], [], []
        updates: list[tuple[dict, dict, dict, int]] = []  # (current, values, changes, digest)
        refreshed: list[tuple[Any, int]] = []  # (id, digest) of unchanged rows read anew
        imported = unchanged = 0
        keys = iter(uuid7_many(2 * len(fresh_nips)))
        # An unusable password still differs per account (Django's convention): 30 random bytes.
        noise = os.urandom(30 * len(fresh_nips))
        for row in batch:
            values = row.values
            current = existing.get(row.nip)
            if current is None:
                if row.nip in taken:
                    rejections.append(
                        (
                            row.number,
                            row.nip,
                            _("The NIP is already the username of another account."),
                        )
                    )
                    continue
                if values["status_on"] is None:
                    values["status_on"] = values["appointed_on"]
                user_id, employee_id = next(keys), next(keys)
                start = 30 * imported
                new_users.append(
                    (
                        user_id,
                        UNUSABLE_PASSWORD_PREFIX
                        + urlsafe_b64encode(noise[start : start + 30]).decode("ascii"),
                        False,
                        row.nip,
                        "",
                        "",
                        values["status"] not in DEPARTED_STATUSES,
                        False,
                        "",
                        now,
                        0,
                    )
                )
                new_employees.append(
                    (
                        employee_id,
                        row.nip,
                        user_id,
                        values["birth_date"],
                        values["sex"],
                        now,
                        now,
                        row_digest(row.key, values["agency_id"], values["unit_id"], stamp),
                        *(values[f] for f in COMPARED),
                    )
                )
                new_events.append(
                    (
                        employee_id,
                        values["status"],
                        values["status_on"],
                        now,
                        self.source,
                        self.actor_id,
                    )
                )
                imported += 1
                continue
            if values["status_on"] is None:
                # No date: an unchanged status keeps its date; a changed one starts today.
                values["status_on"] = (
                    current["status_on"] if values["status"] == current["status"] else now.date()
                )
            changes = {
                f.removesuffix("_id"): [self._readable(f, current[f]), self._readable(f, values[f])]
                for f in COMPARED
                if current[f] != values[f]
            }
            if changes:
                digest = row_digest(row.key, values["agency_id"], values["unit_id"], stamp)
                updates.append((current, values, changes, digest))
                continue
            unchanged += 1
            # The same data from a row read differently (or before fingerprints): remember this
            # row, so that the next import skips it.
            digest = row_digest(
                row.key, values["agency_id"], values["unit_id"], microseconds(current["updated_at"])
            )
            if digest != current["import_digest"]:
                refreshed.append((current["id"], digest))

        if new_employees:
            accounts.insert_employee_accounts(new_users)
            insert_rows(Employee, _EMPLOYEE_COLUMNS, new_employees)
            insert_rows(EmployeeStatusEvent, _STATUS_COLUMNS, new_events)
        if updates:
            self._apply_updates(updates, now)
        if refreshed:
            _store_digests(refreshed)
        if new_employees or updates:
            record(
                self.actor,
                "employees.imported",
                None,
                source=self.source,
                first_row=batch[0].number,
                last_row=batch[-1].number,
                imported=imported,
                updated=len(updates),
            )
        return imported, len(updates), unchanged, rejections

    def _apply_updates(self, updates: list[tuple[dict, dict, dict, int]], now: dt.datetime) -> None:
        objs, change_rows, event_rows = [], [], []
        activate, deactivate = [], []
        for current, values, changes, digest in updates:
            objs.append(
                Employee(
                    id=current["id"],
                    updated_at=now,
                    import_digest=digest,
                    **{f: values[f] for f in COMPARED},
                )
            )
            change_rows.append((current["id"], now, self.source, self.actor_id, changes))
            if "status" in changes or "status_on" in changes:
                event_rows.append(
                    (
                        current["id"],
                        values["status"],
                        values["status_on"],
                        now,
                        self.source,
                        self.actor_id,
                    )
                )
            if "status" in changes and current["user_id"] is not None:
                was_departed = current["status"] in DEPARTED_STATUSES
                is_departed = values["status"] in DEPARTED_STATUSES
                if is_departed and not was_departed:
                    deactivate.append(current["user_id"])
                elif was_departed and not is_departed:
                    activate.append(current["user_id"])
        Employee.objects.bulk_update(
            objs, [*COMPARED, "updated_at", "import_digest"], batch_size=500
        )
        insert_rows(EmployeeChange, _CHANGE_COLUMNS, change_rows)
        if event_rows:
            insert_rows(EmployeeStatusEvent, _STATUS_COLUMNS, event_rows)
        accounts.set_accounts_active(user_ids=deactivate, active=False)
        accounts.set_accounts_active(user_ids=activate, active=True)


def _chunks(
    rows: Iterable[tuple[int, dict[str, str]]], size: int
) -> Iterator[list[tuple[int, dict[str, str]]]]:
    chunk: list[tuple[int, dict[str, str]]] = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _store_digests(pairs: list[tuple[Any, int]]) -> None:
    """Set ``import_digest`` of employees by id, nothing else (their data did not change)."""
    # After the column was added, the first import sets it on every row: a million CASE
    # branches through bulk_update would take minutes. PostgreSQL: one statement for the lot.
    if connection.vendor != "postgresql":
        update_rows(
            Employee, [Employee(id=pk, import_digest=d) for pk, d in pairs], ["import_digest"]
        )
        return
    table = connection.ops.quote_name(Employee._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS e SET import_digest = d.digest "  # noqa: S608 - our table name
            "FROM unnest(%s::uuid[], %s::bigint[]) AS d(id, digest) WHERE e.id = d.id",
            [[pk for pk, _digest in pairs], [digest for _pk, digest in pairs]],
        )


def import_employees(
    *,
    actor: User | None,
    rows: Iterable[tuple[int, dict[str, str]]],
    report: ReportFn | None = None,
    source: str = "import",
    batch_size: int | None = None,
    today: dt.date | None = None,
) -> ImportResult:
    """Upsert employees (and their accounts) from rows; bad rows are reported, never written."""
    importer = EmployeeImporter(
        actor=actor, source=source, batch_size=batch_size, report=report, today=today
    )
    result = importer.run(rows)
    return result
