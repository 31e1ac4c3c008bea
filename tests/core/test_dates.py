"""Dates as people type them: the picker's ISO, SIASN's DD-MM-YYYY and DD/MM/YYYY; an
impossible date says why."""

from datetime import date

import pytest

from asndigital.core.dates import DateInputError, parse_date


@pytest.mark.parametrize(
    "typed",
    ["2024-08-17", "17-08-2024", "17/08/2024", " 17-08-2024 ", "１７-０８-２０２４"],
)
def test_the_accepted_ways_of_writing_a_date(typed):
    assert parse_date(typed) == date(2024, 8, 17)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "31-02-2024",
            "Tanggal SK: 31-02-2024 bukan tanggal yang ada (Februari 2024 hanya 29 hari).",
        ),
        (
            "29-02-2023",
            "Tanggal SK: 29-02-2023 bukan tanggal yang ada (Februari 2023 hanya 28 hari).",
        ),
        ("31/04/2024", "Tanggal SK: 31/04/2024 bukan tanggal yang ada (April 2024 hanya 30 hari)."),
        ("2024-13-01", "Tanggal SK: 2024-13-01 bukan tanggal yang ada (tidak ada bulan 13)."),
        ("00-05-2024", "Tanggal SK: 00-05-2024 bukan tanggal yang ada (tidak ada tanggal 0)."),
        ("17-08-1899", "Tanggal SK harus berupa tanggal antara 1900 dan 2100."),
        ("17-08-24", "Tanggal SK harus berupa tanggal (DD-MM-YYYY)."),
        ("17.08.2024", "Tanggal SK harus berupa tanggal (DD-MM-YYYY)."),
        ("17-08/2024", "Tanggal SK harus berupa tanggal (DD-MM-YYYY)."),
        ("17 Agustus 2024", "Tanggal SK harus berupa tanggal (DD-MM-YYYY)."),
        ("", "Tanggal SK harus berupa tanggal (DD-MM-YYYY)."),
        ("²⁰²⁴-08-17", "Tanggal SK harus berupa tanggal (DD-MM-YYYY)."),
    ],
)
def test_a_date_that_is_not_one_says_why(typed, message):
    with pytest.raises(DateInputError) as refused:
        parse_date(typed)
    assert refused.value.message("Tanggal SK") == message


def test_the_messages_are_in_english_on_an_english_page():
    from django.utils import translation

    with translation.override("en"), pytest.raises(DateInputError) as refused:
        parse_date("31-02-2024")
    with translation.override("en"):
        assert refused.value.message("TMT") == (
            "TMT: 31-02-2024 is not a real date (February 2024 has 29 days)."
        )
