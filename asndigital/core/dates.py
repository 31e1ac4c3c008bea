"""Dates as people type them, and as date pickers send them.

One parser for the upload page, the transfer page and the metadata that the API sends: ISO
``YYYY-MM-DD`` (what ``<input type="date">`` sends), SIASN's ``DD-MM-YYYY`` and
``DD/MM/YYYY``. A date that cannot exist (31-02-2024) gets a message that says why, not only
that the format is wrong.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

FIRST, LAST = date(1900, 1, 1), date(2100, 12, 31)

# \d takes any decimal digit (full-width ones too: typed on some phone keyboards); never "²".
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_DAY_FIRST = re.compile(r"(\d{2})([-/])(\d{2})\2(\d{4})")


class DateInputError(ValueError):
    """The text is not a usable date; ``message(label)`` says why, naming the field."""

    def __init__(self, kind: str, value: str, **details) -> None:
        super().__init__(kind)
        self.kind, self.value, self.details = kind, value, details

    def message(self, label: str) -> str:
        values = {"field": label, "value": self.value, **self.details}
        if self.kind == "month":
            return _("%(field)s: %(value)s is not a real date (there is no month %(month)d).") % (
                values
            )
        if self.kind == "day":
            if self.details["day"] == 0:
                return _("%(field)s: %(value)s is not a real date (there is no day 0).") % values
            return _(
                "%(field)s: %(value)s is not a real date (%(month_name)s %(year)d has "
                "%(days)d days)."
            ) % {**values, "month_name": MONTHS[self.details["month"]]}
        if self.kind == "range":
            return _("%(field)s must be a date between %(first)d and %(last)d.") % values
        return _("%(field)s must be a date (DD-MM-YYYY).") % values


def parse_date(text: str, *, first: date = FIRST, last: date = LAST) -> date:
    """The date written in ``text`` (ISO, DD-MM-YYYY or DD/MM/YYYY), else DateInputError."""
    value = (text or "").strip()
    shown = value[:20]
    if match := _ISO.fullmatch(value):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DAY_FIRST.fullmatch(value):
        day, month, year = int(match[1]), int(match[3]), int(match[4])
    else:
        raise DateInputError("format", shown)
    if year < 1:
        raise DateInputError("format", shown)
    if not 1 <= month <= 12:
        raise DateInputError("month", shown, month=month)
    days = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days:
        raise DateInputError("day", shown, day=day, month=month, year=year, days=days)
    parsed = date(year, month, day)
    if not first <= parsed <= last:
        # Years like 0001 or 9999 are typing errors, and dates are computed with.
        raise DateInputError("range", shown, first=first.year, last=last.year)
    return parsed
