"""Parameter types of the API that pydantic alone reads too freely."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import BeforeValidator


def _iso_day(value):
    # Pydantic also reads a number ("0", "1700000000") as a Unix time; the OpenAPI document
    # says a date, and a date is written YYYY-MM-DD.
    if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("a date is written YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_day)]
