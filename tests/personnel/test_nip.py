import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from asndigital.personnel.nip import InvalidNip, Kind, Sex, build_nip, format_nip, parse_nip

TODAY = dt.date(2026, 11, 27)


def test_grouped_pns_nip_is_accepted_and_normalised():
    info = parse_nip("19860926 201505 1 001", today=TODAY)
    assert info.nip == "198609262015051001"
    assert info.kind == Kind.PNS
    assert info.birth_date == dt.date(1986, 9, 26)
    assert (info.appointment_year, info.appointment_month) == (2015, 5)
    assert info.sex == Sex.MALE
    assert info.serial == 1
    assert info.grouped == "19860926 201505 1 001"
    assert info.warnings == ()


def test_pppk_number_is_told_apart_from_pns():
    info = parse_nip("200012312024211001", today=TODAY)
    assert info.kind == Kind.PPPK
    assert info.birth_date == dt.date(2000, 12, 31)
    assert info.appointment_year == 2024 and info.appointment_month is None
    assert info.contract_number == 1
    assert info.sex == Sex.MALE
    assert format_nip(info.nip) == "20001231 2024 21 1 001"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("19860926-201505-1-001", "characters"),
        ("1986092620150510O1", "characters"),
        ("١٩٨٦٠٩٢٦٢٠١٥٠٥١٠٠١", "characters"),  # Arabic-Indic digits are digits, but not ours
        ("19860926201505100", "length"),
        ("1986092620150510011", "length"),
        ("198613262015051001", "birth_month"),
        ("198600262015051001", "birth_month"),
        ("198602302015051001", "birth_date"),  # 30 February
        ("189912312015051001", "birth_date"),  # implausibly old
        ("203001012050051001", "birth_date"),  # born in the future
        ("198609262015131001", "appointment_month"),
        ("198609262015001001", "appointment_month"),
        ("198609262015301001", "appointment_month"),
        ("198609262024201001", "contract_number"),
        ("198609262015053001", "sex_digit"),
        ("198609262015050001", "sex_digit"),
        ("198609262015051000", "serial"),
        ("198609261980051001", "appointment_before_birth"),
        ("198609261986081001", "appointment_before_birth"),  # same year, month before birth
        ("198609262040051001", "appointment_future"),
    ],
)
def test_each_failure_has_its_own_reason(raw, code):
    with pytest.raises(InvalidNip) as caught:
        parse_nip(raw, today=TODAY)
    assert caught.value.code == code
    assert caught.value.message  # a sentence for people, never empty


def test_employment_type_must_match_the_layout():
    with pytest.raises(InvalidNip) as caught:
        parse_nip("200012312024211001", employment_type="PNS", today=TODAY)
    assert caught.value.code == "type_mismatch"
    with pytest.raises(InvalidNip):
        parse_nip("198609262015051001", employment_type="PPPK", today=TODAY)
    assert parse_nip("198609262015051001", employment_type="cpns", today=TODAY).kind == Kind.PNS


def test_appointment_under_eighteen_is_a_warning_not_an_error():
    info = parse_nip("200501012020011001", today=TODAY)
    assert len(info.warnings) == 1
    assert "15" in info.warnings[0]


def test_reason_follows_the_active_language():
    from django.utils import translation

    with translation.override("en"), pytest.raises(InvalidNip) as caught:
        parse_nip("123", today=TODAY)
    assert "18 digits" in caught.value.message


dates = st.dates(min_value=dt.date(1940, 1, 1), max_value=dt.date(2005, 12, 31))


@given(
    birth=dates,
    years_later=st.integers(min_value=18, max_value=45),
    month=st.integers(min_value=1, max_value=12),
    sex=st.sampled_from([Sex.MALE, Sex.FEMALE]),
    serial=st.integers(min_value=1, max_value=999),
    contract=st.one_of(st.none(), st.integers(min_value=1, max_value=9)),
)
def test_every_well_formed_number_round_trips(birth, years_later, month, sex, serial, contract):
    year = min(birth.year + years_later, TODAY.year)
    nip = build_nip(
        birth_date=birth,
        appointment_year=year,
        appointment_month=month,
        sex=sex,
        serial=serial,
        contract_number=contract,
    )
    info = parse_nip(format_nip(nip), today=TODAY)  # the grouped form parses too
    assert info.nip == nip
    assert info.birth_date == birth
    assert info.sex == sex
    assert info.serial == serial
    assert info.kind == (Kind.PPPK if contract else Kind.PNS)
    assert info.contract_number == contract
    assert info.appointment_month == (None if contract else month)


@given(st.text(max_size=30))
def test_any_text_is_either_a_valid_nip_or_a_reasoned_refusal(raw):
    try:
        info = parse_nip(raw, today=TODAY)
    except InvalidNip as exc:
        assert exc.code and exc.message
    else:
        assert len(info.nip) == 18 and info.nip.isdigit()


@given(st.text(alphabet="0123456789", min_size=18, max_size=18))
def test_random_digit_strings_never_crash(raw):
    try:
        info = parse_nip(raw, today=TODAY)
    except InvalidNip as exc:
        assert exc.code
    else:
        assert info.birth_date <= TODAY
        assert info.appointment_year >= info.birth_date.year
