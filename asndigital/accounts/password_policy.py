"""The password policy, as Django password validators (so every path uses the same rules).

Defaults follow NIST SP 800-63B rev. 4: length (12 to 128 characters, any Unicode, paste
allowed) and a blocklist, no composition rules. Refused: common passwords (Django's list of
20,000) and passwords made of local terms (asn, pns, pppk, bkn, nip, indonesia, agency names,
...) with digits or symbols around them, and passwords that contain the user's NIP, name or
birth date. BKN's composition rule (upper, lower, digit, symbol) can be switched on:
ASN_PASSWORD_REQUIRE_CLASSES=1. Lengths: ASN_PASSWORD_MIN_LENGTH / ASN_PASSWORD_MAX_LENGTH.
"""

from __future__ import annotations

import re
import time
import unicodedata
from functools import cache

from django.conf import settings
from django.contrib.auth.password_validation import (
    CommonPasswordValidator,
    get_default_password_validators,
)
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from asndigital.personnel.models import Agency

LOCAL_TERMS = (
    "asn",
    "pns",
    "cpns",
    "pppk",
    "bkn",
    "nip",
    "indonesia",
    "republik",
    "negara",
    "pegawai",
    "kepegawaian",
    "aparatur",
    "sipil",
    "digital",
    "asndigital",
    "siasn",
    "myasn",
    "bkpsdm",
    "bkd",
    "kemenpan",
    "pemkot",
    "pemkab",
    "pemprov",
    "kota",
    "kabupaten",
    "provinsi",
    "garuda",
    "merdeka",
    "pancasila",
    "jakarta",
    "rahasia",
    "katasandi",
    "password",
    "sandi",
    "admin",
)
_NOT_LETTER = re.compile(r"[^a-z]+")
_DATE_LIKE = re.compile(r"[\d\s\-/.+]+")
_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)


def _normal(password: str) -> str:
    return unicodedata.normalize("NFKC", password)


@cache
def _common() -> frozenset[str]:
    return frozenset(CommonPasswordValidator().passwords)


# The agency words as last read: (time.monotonic(), words).
_recent_agency_words: tuple[float, frozenset[str]] = (float("-inf"), frozenset())
SIGN_IN_AGENCY_WORDS_SECONDS = 300


def _agency_words(max_age: float = 0) -> frozenset[str]:
    """Words of the agencies' codes and names. Read each time a password is set (agencies
    change); a sign-in, which only judges whether the password must be replaced, reads them
    at most every ``max_age`` seconds per process (some 600 agencies, at every sign-in)."""
    global _recent_agency_words

    read_at, words = _recent_agency_words
    now = time.monotonic()
    if max_age and now - read_at < max_age:
        return words
    found: set[str] = set()
    for code, name in Agency.objects.values_list("code", "name"):
        found.update(w for w in _NOT_LETTER.split(f"{code} {name}".lower()) if len(w) >= 4)
    _recent_agency_words = (now, frozenset(found))
    return _recent_agency_words[1]


def _only_terms(letters: str, terms: frozenset[str]) -> bool:
    """True when ``letters`` is nothing but known terms glued together (e.g. "bknindonesia")."""
    if not letters:
        return True
    reachable = [True] + [False] * len(letters)
    for end in range(1, len(letters) + 1):
        for start in range(max(0, end - 20), end):
            if reachable[start] and letters[start:end] in terms:
                reachable[end] = True
                break
    return reachable[-1]


class LengthValidator:
    def validate(self, password: str, user=None) -> None:
        length = len(_normal(password))
        low, high = settings.ASN_PASSWORD_MIN_LENGTH, settings.ASN_PASSWORD_MAX_LENGTH
        if length < low:
            raise ValidationError(
                ngettext("Use at least %(n)d character.", "Use at least %(n)d characters.", low)
                % {"n": low},
                code="password_too_short",
            )
        if length > high:
            raise ValidationError(
                _("Use at most %(n)d characters.") % {"n": high}, code="password_too_long"
            )

    def get_help_text(self) -> str:
        return _("At least %(n)d characters; a sentence you remember is good.") % {
            "n": settings.ASN_PASSWORD_MIN_LENGTH
        }


class BlocklistValidator:
    """Common passwords, and local terms with only digits or symbols around them."""

    def __init__(self, agency_words_max_age: float = 0):
        self.agency_words_max_age = agency_words_max_age

    def validate(self, password: str, user=None) -> None:
        lowered = _normal(password).lower().strip()
        if lowered in _common():
            raise ValidationError(_("This password is too common."), code="password_too_common")
        if _DATE_LIKE.fullmatch(lowered):
            raise ValidationError(
                _("Only digits, like a date or a phone number, are too easy to guess."),
                code="password_too_common",
            )
        terms = frozenset(LOCAL_TERMS) | _agency_words(self.agency_words_max_age)
        for variant in {lowered, lowered.translate(_LEET)}:
            letters = _NOT_LETTER.sub("", variant)
            # Words in other scripts are not in these lists: such passwords are not judged here.
            other_script = any(c.isalpha() and not "a" <= c <= "z" for c in variant)
            if (
                letters
                and not other_script
                and (_only_terms(letters, terms) or letters in _common())
            ):
                raise ValidationError(
                    _("This password is too easy to guess (a common word or name with digits)."),
                    code="password_too_common",
                )

    def get_help_text(self) -> str:
        return _(
            "Not a common password, and not words like “asn”, “bkn” or your agency's name "
            "with a few digits."
        )


class PersonalInfoValidator:
    """Not the user's NIP, name (parts of 4+ letters) or birth date, in any common format."""

    def validate(self, password: str, user=None) -> None:
        if user is None:
            return
        lowered = _normal(password).lower()
        digits = re.sub(r"\D", "", lowered)
        employee = getattr(user, "employee", None) if getattr(user, "pk", None) else None
        nips = {user.username} if user.username.isdigit() else set()
        names = [user.full_name]
        birth = None
        if employee is not None:
            nips.add(employee.nip)
            if employee.nip_lama:
                nips.add(employee.nip_lama)
            names.append(employee.name)
            birth = employee.birth_date
        if any(n and (n in digits or n in lowered) for n in nips):
            raise ValidationError(
                _("The password must not contain your NIP."), code="password_has_nip"
            )
        for name in names:
            for part in _NOT_LETTER.split((name or "").lower()):
                if len(part) >= 4 and part in lowered:
                    raise ValidationError(
                        _("The password must not contain your name."), code="password_has_name"
                    )
        if birth is not None:
            forms = {birth.strftime(f) for f in ("%d%m%Y", "%Y%m%d", "%d%m%y", "%m%d%Y")}
            if any(f in digits for f in forms):
                raise ValidationError(
                    _("The password must not contain your birth date."),
                    code="password_has_birth_date",
                )

    def get_help_text(self) -> str:
        return _("Not your NIP, your name or your birth date.")


class CharacterClassesValidator:
    """BKN's rule (off by default): upper case, lower case, digit and symbol."""

    def validate(self, password: str, user=None) -> None:
        if not settings.ASN_PASSWORD_REQUIRE_CLASSES:
            return
        checks = [
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() and not c.isspace() for c in password),
        ]
        if not all(checks):
            raise ValidationError(
                _("Use upper case and lower case letters, a digit and a symbol."),
                code="password_classes",
            )

    def get_help_text(self) -> str:
        if not settings.ASN_PASSWORD_REQUIRE_CLASSES:
            return ""
        return _("Upper case and lower case letters, a digit and a symbol.")


def sign_in_validators() -> list:
    """The configured validators, for judging a password at sign-in (is it weak, so that it
    must be replaced?): the same rules, with agency names read at most every
    ``SIGN_IN_AGENCY_WORDS_SECONDS`` (a new agency's name counts from the next read on)."""
    return [
        BlocklistValidator(SIGN_IN_AGENCY_WORDS_SECONDS)
        if type(validator) is BlocklistValidator
        else validator
        for validator in get_default_password_validators()
    ]
