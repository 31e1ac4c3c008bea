"""Account enumeration: nothing a sign-in or reset path answers tells whether an account exists.

For every path (the password step of sign-in, its throttling, the two self-service resets of
domain.md §4 with their throttling, API tokens, and the bulk upload's NIP lookup) the answer for
an existing account and for an unknown one is the same: the same status, the same redirect,
the same cookies set and the same body once the per-response randomness is masked (CSRF tokens,
captcha challenges) and the typed name is replaced.

Extends tests/accounts (test_login, test_password_reset, test_mfa_reset_self), which compare the
form errors of sign-in and the three later reset steps for an unknown NIP and a wrong e-mail:
here the whole answers, the first step, disabled and staff accounts, a NIP typed grouped, and
the throttled answers. The code step of sign-in (``accounts:code``) is reachable only with the
account's right password, so it cannot reveal whether an account exists; without one it sends
everyone back to the sign-in page (the matrix's ``accounts:code`` row).
"""

from __future__ import annotations

import html
import re
from itertools import count

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from asndigital.accounts import tokens
from asndigital.accounts.models import ApiToken, Role
from tests.documents.files import pdf_bytes
from tests.factories import READ_SCOPES, EmployeeFactory, UserFactory, grant
from tests.helpers import enrol, solved_captcha
from tests.security.conftest import PASSWORD, masked

pytestmark = pytest.mark.django_db
LOGIN = reverse("accounts:login")
UNKNOWN_NIP = "199001012015011999"
_addresses = count(1)


def fresh_client() -> Client:
    """A new browser from its own address, so address throttles never mix two cases."""
    return Client(REMOTE_ADDR=f"10.20.0.{next(_addresses) % 250 + 1}")


def fingerprint(response, *typed: str, digits: bool = False):
    """What an answer says: status, redirect, cookies set, body without what varies per response
    or per request (CSRF tokens, captcha challenges, the name the person typed)."""
    body = masked(response.content)
    for text in typed:
        for form in {text, text.replace(" ", "")}:
            body = body.replace(html.escape(form).encode(), b"[typed]")
    if digits:  # a throttle's wait in seconds depends on the clock
        body = re.sub(rb"\d+", b"[n]", body)
    return (
        response.status_code,
        response.get("Location", ""),
        tuple(sorted(response.cookies)),
        body,
    )


@pytest.fixture
def accounts(agency):
    """Existing accounts of every kind the sign-in and reset paths meet."""
    employee = EmployeeFactory(agency=agency, email="siti@kota-a.go.id")
    enrol(employee.user)
    disabled = EmployeeFactory(agency=agency, email="keluar@kota-a.go.id")
    disabled.user.is_active = False
    disabled.user.save()
    imported = EmployeeFactory(agency=agency, email="baru@kota-a.go.id")
    imported.user.set_unusable_password()
    imported.user.save()
    staff = UserFactory(username="operator.kota-a", email="operator@kota-a.go.id")
    grant(staff, Role.OPERATOR, agency)
    return {"employee": employee, "disabled": disabled, "imported": imported, "staff": staff}


# --- Sign-in: the password step -------------------------------------------------------------

LOGIN_CASES = [
    # (what is typed as the username, the password)
    ("unknown NIP", lambda a: UNKNOWN_NIP, "Salah-sekali-123"),
    ("existing NIP, wrong password", lambda a: a["employee"].nip, "Salah-sekali-123"),
    ("existing NIP typed grouped", lambda a: a["employee"].nip_grouped, "Salah-sekali-123"),
    ("disabled account, right password", lambda a: a["disabled"].nip, PASSWORD),
    ("imported account without a password", lambda a: a["imported"].nip, PASSWORD),
    ("staff username, wrong password", lambda a: "operator.kota-a", "Salah-sekali-123"),
    ("unknown username", lambda a: "operator.kota-z", "Salah-sekali-123"),
]


def test_the_password_step_answers_alike_for_every_kind_of_account(accounts):
    answers = {}
    for name, username, password in LOGIN_CASES:
        typed = username(accounts)
        response = fresh_client().post(LOGIN, {"username": typed, "password": password})
        answers[name] = fingerprint(response, typed)
    reference = answers["unknown NIP"]
    assert reference[0] == 200 and b"[typed]" in reference[3]
    assert {name for name, answer in answers.items() if answer != reference} == set()


@override_settings(
    ASN_THROTTLE_CAPTCHA_AFTER=2, ASN_THROTTLE_ACCOUNT_LIMIT=3, ASN_CAPTCHA_MAX_NUMBER=2000
)
def test_the_sign_in_throttle_answers_alike_for_known_and_unknown_accounts(accounts):
    def attempts(username):
        client, page, answers = fresh_client(), "", []
        for _ in range(5):
            form = {"username": username, "password": "Salah-sekali-123"}
            if "altcha-widget" in page:  # the step-up, solved like a patient robot would
                form["captcha"] = solved_captcha(page)
            response = client.post(LOGIN, form)
            page = response.content.decode()
            answers.append(fingerprint(response, username))
        return answers

    known = attempts(accounts["employee"].nip)
    # 2 free, the captcha, then refused (the limit) before any password is checked.
    assert [status for status, *_ in known] == [200, 200, 200, 429, 429]
    assert b"altcha-widget" not in known[0][3] and b"altcha-widget" in known[1][3]
    assert attempts(UNKNOWN_NIP) == known
    assert attempts("operator.kota-z") == attempts("operator.kota-a")


# --- The self-service resets (Reset Password / Lupa Password, Reset MFA) ------------------------

FLOWS = {  # URL names accounts:<name>, <name>_email, <name>_confirm; the last step's fields
    "password": ("password_reset", {"new_password1": "kuda lumping makan sate"}),
    "mfa": ("mfa_reset", {"password": PASSWORD}),
}
RESET_CASES = [
    # (name, the username typed, the e-mail given, whether a code is sent)
    ("NIP and its e-mail", lambda a: a["employee"].nip, "siti@kota-a.go.id", True),
    ("NIP typed grouped", lambda a: a["employee"].nip_grouped, "SITI@kota-a.go.id", True),
    ("NIP and another e-mail", lambda a: a["employee"].nip, "orang@lain.id", False),
    ("unknown NIP", lambda a: UNKNOWN_NIP, "siti@kota-a.go.id", False),
    ("disabled account", lambda a: a["disabled"].nip, "keluar@kota-a.go.id", False),
    ("staff username and e-mail", lambda a: "operator.kota-a", "operator@kota-a.go.id", True),
    ("unknown username", lambda a: "operator.kota-z", "operator@kota-a.go.id", False),
]


def walk(flow: str, typed: str, email: str, capture) -> list:
    """Every step up to a wrong e-mailed code, as the browser meets them."""
    name, last_fields = FLOWS[flow]
    start, email_url = reverse(f"accounts:{name}"), reverse(f"accounts:{name}_email")
    confirm = reverse(f"accounts:{name}_confirm")
    client = fresh_client()
    first = client.get(start)
    steps = [
        first,
        client.post(start, {"username": typed, "captcha": solved_captcha(first.content.decode())}),
    ]
    steps.append(client.get(email_url))
    with capture(execute=True):
        steps.append(client.post(email_url, {"email": email}))
    steps.append(client.get(confirm))
    wrong = {"code": "ABCDEFGH", **last_fields}
    if "new_password1" in wrong:
        wrong["new_password2"] = wrong["new_password1"]
    steps.append(client.post(confirm, wrong))
    return [fingerprint(response, typed, email) for response in steps]


@pytest.mark.parametrize("flow", FLOWS)
@override_settings(ASN_CAPTCHA_MAX_NUMBER=2000)  # the proof of work, solved here in Python
def test_the_reset_flows_answer_alike_until_the_emailed_code(
    flow, accounts, django_capture_on_commit_callbacks
):
    answers = {}
    for name, username, email, _sends in RESET_CASES:
        answers[name] = walk(flow, username(accounts), email, django_capture_on_commit_callbacks)
    reference = answers["unknown NIP"]
    assert [step[0] for step in reference] == [200, 302, 200, 302, 200, 200]
    assert {name for name, steps in answers.items() if steps != reference} == set()
    # Only the matching requests got a code, each at its registered address.
    expected = sorted(email.lower() for _n, _u, email, sends in RESET_CASES if sends)
    assert sorted(message.to[0].lower() for message in mail.outbox) == expected


@pytest.mark.parametrize("flow", FLOWS)
@override_settings(ASN_CAPTCHA_MAX_NUMBER=2000, ASN_THROTTLE_ACCOUNT_FREE=1)
def test_the_reset_throttle_answers_alike_for_known_and_unknown_accounts(
    flow, accounts, django_capture_on_commit_callbacks
):
    name, _fields = FLOWS[flow]
    start, email_url = reverse(f"accounts:{name}"), reverse(f"accounts:{name}_email")

    def requests(typed, email):
        client = fresh_client()
        page = client.get(start).content.decode()
        client.post(start, {"username": typed, "captcha": solved_captcha(page)})
        answers = []
        for _ in range(3):
            with django_capture_on_commit_callbacks(execute=True):
                response = client.post(email_url, {"email": email})
            answers.append(fingerprint(response, typed, email, digits=True))
        return answers

    known = requests(accounts["employee"].nip, "siti@kota-a.go.id")
    assert [status for status, *_ in known] == [302, 302, 429]  # 1 free, then a wait
    assert requests(UNKNOWN_NIP, "siti@kota-a.go.id") == known


# --- API tokens -----------------------------------------------------------------------------------


def test_a_wrong_token_says_nothing_about_which_tokens_exist(accounts, agency):
    admin = UserFactory()
    grant(admin, Role.AGENCY_ADMIN, agency)
    _token, value = tokens.create_token(
        actor=admin, name="SIMPEG", agency=agency, scopes=READ_SCOPES
    )
    revoked, revoked_value = tokens.create_token(
        actor=admin, name="Lama", agency=agency, scopes=READ_SCOPES
    )
    tokens.revoke_token(actor=admin, token=ApiToken.objects.get(pk=revoked.pk))
    key_id = value.split("_")[1]
    wrong = {
        "a known key with a wrong secret": f"asn_{key_id}_{'x' * 40}",
        "an unknown key": f"asn_{'z' * 12}_{'x' * 40}",
        "a revoked token": revoked_value,
        "a malformed token": "asn_pendek",
        "not ours": "Bearer-of-something-else",
    }
    answers = {
        name: fingerprint(Client(HTTP_AUTHORIZATION=f"Bearer {token}").get("/api/v1/employees"))
        for name, token in wrong.items()
    }
    assert {answer[0] for answer in answers.values()} == {401}
    assert len(set(answers.values())) == 1, answers
    assert Client(HTTP_AUTHORIZATION=f"Bearer {value}").get("/api/v1/employees").status_code == 200


# --- Bulk upload: the NIP in a file name ------------------------------------------------------


def test_bulk_upload_does_not_tell_another_agencys_nip_from_an_unknown_one(
    agency, other_agency, files_in_tmp
):
    """Regression (issue 8): the outcome used to say "NIP outside your agency" for a NIP of
    another agency and "unknown NIP" for one that does not exist, so an operator could find out
    which NIPs exist anywhere in the country."""
    from asndigital.documents import services

    services.load_catalogue()
    theirs = EmployeeFactory(agency=other_agency)
    operator = UserFactory()
    grant(operator, Role.OPERATOR, agency)
    enrol(operator)
    url = reverse("personnel:bulk_upload")

    def outcome(nip):
        client = Client()
        client.force_login(operator)
        name = f"{nip}_sk-cpns.pdf"
        upload = SimpleUploadedFile(name, pdf_bytes(1), content_type="application/pdf")
        return fingerprint(client.post(url, {"files": upload, "source": "scan"}), name, nip)

    other_agency_answer = outcome(theirs.nip)
    assert other_agency_answer[0] == 200 and b"bulk-unknown_nip" in other_agency_answer[3]
    assert outcome(UNKNOWN_NIP) == other_agency_answer
