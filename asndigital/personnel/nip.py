"""NIP (PNS/CPNS) and NI PPPK: the one validator used by forms, import, admin and API.

Layouts (docs/domain.md §3), 18 digits, no check digit:
- PNS/CPNS: YYYYMMDD birth · YYYYMM first appointment (TMT CPNS) · G sex (1/2) · NNN serial.
- PPPK:     YYYYMMDD birth · YYYY appointment year · 2 (PPPK marker) · F contract 1–9 · G · NNN.
Digits 13–14 are 01–12 for PNS and 21–29 for PPPK, which tells the two apart.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

NIP_LENGTH = 18
_WHITESPACE = re.compile(r"\s+")
MIN_BIRTH_YEAR = 1900
ADULT_AGE = 18


class Kind:
    PNS = "PNS"  # also CPNS: the same number layout
    PPPK = "PPPK"


class Sex:
    MALE = "L"  # laki-laki
    FEMALE = "P"  # perempuan


class InvalidNip(ValueError):
    """Why a number is not a valid NIP/NI PPPK: ``code`` for programs, ``message`` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class NipInfo:
    nip: str
    kind: str
    birth_date: dt.date
    sex: str
    serial: int
    appointment_year: int
    appointment_month: int | None  # None for PPPK: only the year is encoded
    contract_number: int | None = None  # PPPK only
    warnings: tuple[str, ...] = field(default=())

    @property
    def appointment_on(self) -> dt.date:
        """First day of the encoded appointment month (or year, for PPPK)."""
        return dt.date(self.appointment_year, self.appointment_month or 1, 1)

    @property
    def grouped(self) -> str:
        return format_nip(self.nip)


def normalize_nip(raw: object) -> str:
    """Remove the spaces of the grouped form (``19860926 201505 1 001``)."""
    return _WHITESPACE.sub("", str(raw if raw is not None else ""))


def format_nip(nip: str) -> str:
    """The grouped display form: 8-6-1-3 for PNS, 8-4-2-1-3 for PPPK."""
    if len(nip) != NIP_LENGTH or not nip.isdigit():
        return nip
    if "21" <= nip[12:14] <= "29":
        return f"{nip[:8]} {nip[8:12]} {nip[12:14]} {nip[14]} {nip[15:]}"
    return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"


def _date_or_none(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_nip(
    raw: object,
    *,
    employment_type: str | None = None,
    today: dt.date | None = None,
) -> NipInfo:
    """Validate an NIP or NI PPPK and return what it encodes, or raise :class:`InvalidNip`.

    ``employment_type`` (CPNS, PNS or PPPK), when given, must match the number's layout.
    """
    today = today or dt.date.today()
    nip = normalize_nip(raw)
    if not nip:
        raise InvalidNip("empty", _("The NIP is empty."))
    if not nip.isdigit() or not nip.isascii():
        raise InvalidNip(
            "characters", _("The NIP may contain only digits (and spaces between groups).")
        )
    if len(nip) != NIP_LENGTH:
        raise InvalidNip(
            "length",
            _("The NIP must have %(expected)d digits, not %(actual)d.")
            % {"expected": NIP_LENGTH, "actual": len(nip)},
        )

    birth_year, birth_month, birth_day = int(nip[0:4]), int(nip[4:6]), int(nip[6:8])
    if not 1 <= birth_month <= 12:
        raise InvalidNip(
            "birth_month",
            _("The birth month in the NIP (digits 5–6) must be 01–12, not %(month)s.")
            % {"month": nip[4:6]},
        )
    birth_date = _date_or_none(birth_year, birth_month, birth_day)
    if birth_date is None:
        raise InvalidNip(
            "birth_date",
            _("The birth date in the NIP (%(date)s) does not exist.")
            % {"date": f"{nip[6:8]}-{nip[4:6]}-{nip[0:4]}"},
        )
    if birth_year < MIN_BIRTH_YEAR or birth_date > today:
        raise InvalidNip(
            "birth_date",
            _("The birth date in the NIP (%(date)s) is not plausible.")
            % {"date": birth_date.strftime("%d-%m-%Y")},
        )

    marker = nip[12:14]
    sex_digit, serial = nip[14], int(nip[15:18])
    appointment_year = int(nip[8:12])
    if "01" <= marker <= "12":
        kind, appointment_month, contract = Kind.PNS, int(marker), None
    elif nip[12] == "2" and "1" <= nip[13] <= "9":
        kind, appointment_month, contract = Kind.PPPK, None, int(nip[13])
    elif nip[12] == "2" and nip[13] == "0":
        raise InvalidNip(
            "contract_number",
            _("A PPPK number needs a contract number from 1 to 9 in digit 14, not 0."),
        )
    else:
        raise InvalidNip(
            "appointment_month",
            _(
                "Digits 13–14 of the NIP must be the appointment month 01–12 (PNS), "
                "or 21–29 for PPPK, not %(month)s."
            )
            % {"month": marker},
        )

    if sex_digit not in "12":
        raise InvalidNip(
            "sex_digit",
            _("Digit 15 of the NIP gives the sex and must be 1 or 2, not %(digit)s.")
            % {"digit": sex_digit},
        )
    if serial == 0:
        raise InvalidNip("serial", _("The serial number in the NIP (last 3 digits) cannot be 000."))

    appointment_first = (
        dt.date(appointment_year, appointment_month or 1, 1) if appointment_year else None
    )
    if (
        appointment_first is None
        or appointment_year < birth_year
        or (appointment_month is not None and appointment_first < birth_date.replace(day=1))
    ):
        raise InvalidNip(
            "appointment_before_birth",
            _("The appointment date in the NIP is before the birth date."),
        )
    if appointment_year > today.year + 1:
        raise InvalidNip(
            "appointment_future",
            _("The appointment year in the NIP (%(year)d) is in the future.")
            % {"year": appointment_year},
        )

    if employment_type:
        wanted = Kind.PPPK if employment_type.upper() == "PPPK" else Kind.PNS
        if wanted != kind:
            raise InvalidNip(
                "type_mismatch",
                _("This is a %(found)s number, but the employment type is %(given)s.")
                % {"found": kind, "given": employment_type.upper()},
            )

    warnings: list[str] = []
    age_at_appointment = (
        appointment_year
        - birth_year
        - (1 if (appointment_month or 12, 1) < (birth_date.month, birth_date.day) else 0)
    )
    if age_at_appointment < ADULT_AGE:
        warnings.append(
            _("The appointment age is %(age)d, under 18: please check the NIP.")
            % {"age": age_at_appointment}
        )

    return NipInfo(
        nip=nip,
        kind=kind,
        birth_date=birth_date,
        sex=Sex.MALE if sex_digit == "1" else Sex.FEMALE,
        serial=serial,
        appointment_year=appointment_year,
        appointment_month=appointment_month,
        contract_number=contract,
        warnings=tuple(warnings),
    )


def build_nip(
    *,
    birth_date: dt.date,
    appointment_year: int,
    appointment_month: int | None,
    sex: str,
    serial: int,
    contract_number: int | None = None,
) -> str:
    """Compose a number from its parts (generators and tests); PPPK when contract_number is set."""
    sex_digit = "1" if sex == Sex.MALE else "2"
    if contract_number is not None:
        middle = f"{appointment_year:04d}2{contract_number:d}"
    else:
        middle = f"{appointment_year:04d}{appointment_month:02d}"
    return f"{birth_date:%Y%m%d}{middle}{sex_digit}{serial:03d}"
