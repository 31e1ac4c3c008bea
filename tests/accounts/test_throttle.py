"""Sign-in throttling that cannot be turned against the owner (docs/authentication.md).

Strangers' wrong passwords make browsers the account does not know solve the captcha, then
(NIST's 100) refuse them; the owner's known browser is judged by its own failures only. One
person's typos behind a shared address do not touch colleagues. No test here waits: the rules
are counts, not clocks (the cookie's age is tested with ``now=``).
"""

from __future__ import annotations

import base64
import time

import pytest
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse

from asndigital.accounts import known_browser, services
from asndigital.accounts.models import AuthenticatorDevice
from asndigital.audit.models import AuditEvent
from tests.factories import EmployeeFactory, UserFactory
from tests.helpers import (
    CODE,
    LOGIN,
    PASSWORD,
    TOTP,
    authenticated,
    enrol,
    solved_captcha,
    wrong_password,
)
from tests.security.conftest import masked

pytestmark = pytest.mark.django_db
FAST_CAPTCHA = override_settings(ASN_CAPTCHA_MAX_NUMBER=1000)
COOKIE = "asn_known"


@pytest.fixture
def owner(agency):
    user = EmployeeFactory(agency=agency).user
    user.set_password(PASSWORD)
    user.save()
    enrol(user)
    return user


def browser(ip: str = "10.1.1.1") -> Client:
    return Client(REMOTE_ADDR=ip)


def full_sign_in(client: Client, user) -> None:
    """Password, then the code from the app: a full sign-in, then log out (the cookie stays)."""
    AuthenticatorDevice.objects.filter(user=user).update(last_t=-1)  # a fresh step for the code
    response = client.post(LOGIN, {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == CODE
    client.post(CODE, {"code": TOTP.now()})
    assert authenticated(client)
    client.post(reverse("accounts:logout"))


def known(user, ip: str = "10.1.1.1") -> Client:
    client = browser(ip)
    full_sign_in(client, user)
    assert COOKIE in client.cookies
    return client


def right_password(client: Client, user):
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD})


def limits_reached() -> list[str]:
    return [e.data["limit"] for e in AuditEvent.objects.filter(action="login.throttled")]


def shows_captcha(response) -> bool:
    return "altcha-widget" in response.content.decode()


@FAST_CAPTCHA
def test_the_owner_s_known_browser_gets_in_at_the_first_try_after_1000_failures_from_others(
    owner,
):
    mine = known(owner)
    for address in range(50):  # 50 addresses, 20 wrong passwords each
        last = wrong_password(browser(f"203.0.113.{address + 1}"), owner.username, 20)
    assert last.status_code == 429  # strangers are refused by now
    # Judged: the first 100 (5 free, then each with a solved captcha); refused: the other 900.
    assert AuditEvent.objects.filter(action="login.failed").count() == 100
    limit = AuditEvent.objects.filter(action="login.throttled")
    assert [(e.target_id, e.data["limit"]) for e in limit] == [(str(owner.pk), "account")]
    response = right_password(mine, owner)
    assert response.status_code == 302 and response["Location"] == CODE  # first try
    full_sign_in(mine, owner)
    # The full sign-in cleared the account's count: a new browser gets in without a captcha.
    assert right_password(browser("10.7.7.7"), owner).status_code == 302


@FAST_CAPTCHA
def test_an_unknown_browser_steps_up_to_the_captcha_and_a_solved_one_lets_the_owner_in(owner):
    client = browser()
    page = wrong_password(client, owner.username, 5)
    assert page.status_code == 200 and shows_captcha(page)
    assert "worker-src 'self' blob:" in page["Content-Security-Policy"]
    refused = right_password(client, owner)  # no captcha: the password is not even checked
    assert refused.status_code == 200 and not authenticated(client)
    assert "Centang kotak “Saya bukan robot”" in refused.content.decode()
    assert not AuditEvent.objects.filter(action="login.password_ok").exists()
    form = {"username": owner.username, "password": PASSWORD}
    response = client.post(LOGIN, {**form, "captcha": solved_captcha(refused.content.decode())})
    assert response.status_code == 302 and response["Location"] == CODE
    # The same solution cannot be used twice.
    again = browser("10.1.1.2")
    page = wrong_password(again, owner.username).content.decode()
    token = solved_captcha(page)
    again.post(LOGIN, {**form, "password": "salah-lagi-123", "captcha": token})
    assert (
        "Pemeriksaan anti-robot tidak diterima"
        in again.post(LOGIN, {**form, "captcha": token}).content.decode()
    )


@FAST_CAPTCHA
def test_the_captcha_is_checked_before_any_password_hash(owner, monkeypatch):
    client = browser()
    wrong_password(client, owner.username, 5)
    hashed = []
    from django.contrib.auth import hashers

    real = hashers.check_password
    monkeypatch.setattr(
        hashers, "check_password", lambda *a, **k: hashed.append(1) or real(*a, **k)
    )
    assert right_password(client, owner).status_code == 200
    client.post(LOGIN, {"username": owner.username, "password": PASSWORD, "captcha": "bm9wZQ=="})
    assert hashed == []


@override_settings(
    ASN_THROTTLE_CAPTCHA_AFTER=2, ASN_THROTTLE_ACCOUNT_LIMIT=6, **{"ASN_CAPTCHA_MAX_NUMBER": 1000}
)
def test_past_the_limit_unknown_browsers_are_refused_and_the_known_browser_is_not(owner):
    mine = known(owner)
    wrong_password(browser("198.51.100.1"), owner.username, 6)
    assert right_password(browser("10.2.2.2"), owner).status_code == 429
    assert right_password(mine, owner).status_code == 302


@override_settings(ASN_THROTTLE_CAPTCHA_AFTER=2, ASN_THROTTLE_ACCOUNT_LIMIT=4)
def test_a_known_browser_cookie_for_another_account_gives_nothing(owner, agency):
    colleague = EmployeeFactory(agency=agency).user
    enrol(colleague)
    shared_pc = known(colleague)  # the cookie knows the colleague, not the owner
    first = wrong_password(shared_pc, owner.username, 2)
    assert shows_captcha(first)  # the owner's account counts this browser as a stranger
    wrong_password(browser("198.51.100.2"), owner.username, 4, first.content.decode())
    assert right_password(shared_pc, owner).status_code == 429


@override_settings(ASN_THROTTLE_CAPTCHA_AFTER=2, ASN_THROTTLE_ACCOUNT_LIMIT=4)
@FAST_CAPTCHA
def test_a_tampered_or_foreign_cookie_is_ignored(owner):
    mine = known(owner)
    wrong_password(browser("198.51.100.3"), owner.username, 4)
    value = mine.cookies[COOKIE].value
    payload, rest = value.split(":", 1)
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    for forged in (f"{flipped}:{rest}", value + "x", "", "bm9uc2Vuc2U"):
        client = browser()
        client.cookies[COOKIE] = forged
        assert right_password(client, owner).status_code == 429
    copied = browser("10.3.3.3")  # the same value is the same browser (it is a bearer cookie)
    copied.cookies[COOKIE] = value
    assert right_password(copied, owner).status_code == 302


def test_the_cookie_names_no_account_in_clear_and_is_locked_down(owner):
    client = known(owner)
    cookie = client.cookies[COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == 90 * 86400
    payload = cookie.value.split(":", 1)[0]
    decoded = base64.urlsafe_b64decode(payload.lstrip(".") + "==")
    assert owner.username.encode() not in decoded and owner.username not in cookie.value


@override_settings(ASN_KNOWN_BROWSER_COOKIE="__Host-asn_known", SESSION_COOKIE_SECURE=True)
def test_in_production_the_cookie_is_secure_and_bound_to_this_host(owner):
    client = browser()
    full_sign_in(client, owner)
    cookie = client.cookies["__Host-asn_known"]
    assert cookie["secure"] and cookie["httponly"] and cookie["path"] == "/"
    assert not cookie["domain"]


@override_settings(ASN_THROTTLE_KNOWN_BROWSER_ACCOUNTS=2)
def test_one_shared_computer_is_known_for_a_bounded_number_of_accounts(agency):
    users = [EmployeeFactory(agency=agency).user for _ in range(3)]
    client = browser()
    for user in users:
        user.set_password(PASSWORD)
        user.save()
        enrol(user)
        full_sign_in(client, user)
    request = RequestFactory().get("/", HTTP_COOKIE=f"{COOKIE}={client.cookies[COOKIE].value}")
    assert [known_browser.nonce_for(request, u.username) is not None for u in users] == [
        False,
        True,
        True,
    ]


def test_the_cookie_lasts_ninety_days(owner):
    client = known(owner)
    request = RequestFactory().get("/", HTTP_COOKIE=f"{COOKIE}={client.cookies[COOKIE].value}")
    assert known_browser.nonce_for(request, owner.username, now=time.time() + 89 * 86400)
    assert known_browser.nonce_for(request, owner.username, now=time.time() + 91 * 86400) is None


@override_settings(
    ASN_THROTTLE_CAPTCHA_AFTER=2, ASN_THROTTLE_ACCOUNT_LIMIT=4, ASN_CAPTCHA_MAX_NUMBER=1000
)
def test_a_known_browser_is_trusted_for_ten_of_its_own_failures_and_no_more(owner):
    mine = known(owner)
    wrong_password(browser("198.51.100.4"), owner.username, 4)
    for _ in range(9):
        assert not shows_captcha(wrong_password(mine, owner.username))
    assert right_password(mine, owner).status_code == 302  # 9 failures: still trusted
    mine.post(reverse("accounts:logout"))
    wrong_password(mine, owner.username)  # the 10th
    assert right_password(mine, owner).status_code == 429  # judged as a stranger now
    assert sorted(limits_reached()) == ["account", "known_browser"]


@override_settings(ASN_THROTTLE_CAPTCHA_AFTER=2)
def test_a_known_browser_s_typos_do_not_count_against_the_account(owner):
    mine = known(owner)
    wrong_password(mine, owner.username, 5)
    assert not shows_captcha(wrong_password(browser("10.4.4.4"), owner.username))


@override_settings(ASN_THROTTLE_CAPTCHA_AFTER=2, ASN_THROTTLE_ACCOUNT_LIMIT=4)
@FAST_CAPTCHA
def test_log_out_everywhere_ends_the_known_browser(owner):
    mine = known(owner)
    wrong_password(browser("198.51.100.5"), owner.username, 4)
    services.end_all_sessions(actor=owner, user=owner, reason="test")
    assert right_password(mine, owner).status_code == 429


@override_settings(ASN_THROTTLE_CAPTCHA_AFTER=2, ASN_THROTTLE_ACCOUNT_LIMIT=4)
@FAST_CAPTCHA
def test_a_new_password_lets_unknown_browsers_in_again(owner, django_capture_on_commit_callbacks):
    wrong_password(browser("198.51.100.6"), owner.username, 4)
    assert right_password(browser(), owner).status_code == 429
    with django_capture_on_commit_callbacks(execute=True):
        services.set_password(actor=owner, user=owner, password=PASSWORD, reason="reset")
    assert right_password(browser(), owner).status_code == 302


def test_colleagues_behind_one_address_are_not_touched_by_one_person_s_20_typos(agency):
    office = "36.80.1.1"
    clumsy = UserFactory()
    colleagues = UserFactory.create_batch(40)
    wrong_password(browser(office), clumsy.username, 20)
    answers = [right_password(browser(office), c) for c in colleagues]
    assert [a.status_code for a in answers] == [302] * 40
    assert not shows_captcha(wrong_password(browser(office), colleagues[0].username))


@override_settings(ASN_THROTTLE_ADDRESS_ACCOUNTS=3)
def test_one_person_who_mistypes_then_signs_in_again_and_again_is_one_account(owner, agency):
    office = "36.80.2.2"
    for _ in range(3):
        wrong_password(browser(office), owner.username)
        full_sign_in(browser(office), owner)
    colleague = UserFactory()
    assert right_password(browser(office), colleague).status_code == 302  # no captcha


@override_settings(ASN_THROTTLE_ADDRESS_ACCOUNTS=20)
@FAST_CAPTCHA
def test_a_spray_over_many_accounts_steps_the_address_up_to_the_captcha(owner):
    spray = "45.9.9.9"
    mine = known(owner, spray)
    for n in range(20):  # one guess on each of 20 accounts (unknown ones count the same)
        wrong_password(browser(spray), f"1990010120150119{n:02d}")
    stranger = browser(spray)
    page = right_password(stranger, owner)  # an account with no failures of its own
    assert page.status_code == 200 and shows_captcha(page) and not authenticated(stranger)
    token = solved_captcha(page.content.decode())
    form = {"username": owner.username, "password": PASSWORD, "captcha": token}
    assert stranger.post(LOGIN, form).status_code == 302  # a step-up, not a refusal
    assert right_password(browser("10.5.5.5"), owner).status_code == 302  # other addresses
    assert right_password(mine, owner).status_code == 302  # the known browser: no captcha
    assert limits_reached() == ["address"]


@override_settings(ASN_THROTTLE_CAPTCHA_AFTER=2, ASN_THROTTLE_ACCOUNT_LIMIT=5)
@FAST_CAPTCHA
def test_existing_and_unknown_accounts_answer_alike_at_every_step(owner, agency):
    colleague = EmployeeFactory(agency=agency).user
    enrol(colleague)

    def answers(username: str, ip: str) -> list:
        client = known(colleague, ip)  # a known browser, but for another account
        seen, page = [], ""
        for _ in range(7):
            response = wrong_password(client, username, 1, page)
            page = response.content.decode()
            body = masked(response.content).replace(username.encode(), b"[typed]")
            seen.append((response.status_code, shows_captcha(response), body))
        return seen

    existing = answers(owner.username, "10.6.6.1")
    unknown = answers("199001012015011999", "10.6.6.2")
    assert [(s, c) for s, c, _ in existing] == [
        (200, False),
        (200, True),
        (200, True),
        (200, True),
        (200, True),  # the 5th failure: the limit
        (429, False),
        (429, False),
    ]
    assert unknown == existing


@override_settings(ASN_THROTTLE_IP_FREE=3, ASN_THROTTLE_CODE_FREE=100)
def test_one_person_s_wrong_codes_do_not_make_colleagues_behind_the_address_wait(owner, agency):
    office = "36.80.3.3"
    clumsy = browser(office)
    assert right_password(clumsy, owner).status_code == 302
    for _ in range(5):
        clumsy.post(CODE, {"code": "000000"})
    colleague = EmployeeFactory(agency=agency).user
    colleague.set_password(PASSWORD)
    colleague.save()
    enrol(colleague)
    full_sign_in(browser(office), colleague)  # no wait at the code step
    assert clumsy.post(CODE, {"code": "000000"}).status_code == 429  # the one who mistyped waits
