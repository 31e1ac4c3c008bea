import datetime as dt

import pytest
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import translation

from tests.factories import AgencyFactory, EmployeeFactory


def codes(password, user=None):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return {e.code for e in exc.error_list}
    return set()


@pytest.fixture
def person(db):
    AgencyFactory(code="PEMKOT-BDG", name="Pemerintah Kota Bandung")
    return EmployeeFactory(
        name="Siti Rahmawati", birth_date=dt.date(1986, 9, 26), nip="198609262015052001"
    ).user


@pytest.mark.parametrize(
    ("password", "expected"),
    [
        ("kuda lumping makan sate", set()),  # a sentence: fine
        ("Tujuh-Kata-Acak-Di-Pagi", set()),
        ("サクラが咲く春の朝に歩く", set()),  # any Unicode
        ("7#9$2%8&4*1(6)", set()),
        ("pendek", {"password_too_short"}),
        ("x" * 129, {"password_too_long"}),
        ("password1234", {"password_too_common"}),
        ("Indonesia2024!", {"password_too_common"}),
        ("bkn-asn-pppk-99", {"password_too_common"}),
        ("1nd0n3s1a!!!!", {"password_too_common"}),  # leetspeak
        ("17-08-1945 / 0812", {"password_too_common"}),  # digits only, like a date
        ("bandung123456", {"password_too_common"}),  # the agency's name
    ],
)
def test_policy_table(person, password, expected):
    assert codes(password, person) == expected


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("akun 198609262015052001 ok", "password_has_nip"),
        ("saya siti yang rajin", "password_has_name"),
        ("rahmawati tetap semangat", "password_has_name"),
        ("lahir 26091986 di kota", "password_has_birth_date"),
        ("tanggal 19860926 pagi", "password_has_birth_date"),
    ],
)
def test_personal_information_is_refused(person, password, code):
    assert code in codes(password, person)


def test_composition_rule_is_off_by_default_and_can_be_switched_on(person):
    assert codes("kuda lumping makan sate", person) == set()
    with override_settings(ASN_PASSWORD_REQUIRE_CLASSES=True):
        assert codes("kuda lumping makan sate", person) == {"password_classes"}
        assert codes("Kuda lumping makan sate 7!", person) == set()


@override_settings(ASN_PASSWORD_MIN_LENGTH=16)
def test_length_is_configurable(person):
    assert codes("kuda lumping sate", person) == set()
    assert codes("kuda lumping ok", person) == {"password_too_short"}


def test_rules_are_explained_in_the_users_language(person):
    with translation.override("en"):
        english = " ".join(password_validators_help_texts())
    assert "12 characters" in english and "NIP" in english
