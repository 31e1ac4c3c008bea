"""Passkeys (WebAuthn): the services with a software authenticator (tests/softkey.py), then the
sign-in and security pages through the test client."""

import json
import time

import pytest
from django.core.cache import cache
from django.urls import reverse

from asndigital.accounts import mfa, passkeys, policies
from asndigital.accounts.models import Passkey, Role
from asndigital.audit.models import AuditEvent
from asndigital.core.errors import DomainError
from tests.factories import EmployeeFactory, UserFactory, grant
from tests.helpers import ORIGIN, enrol
from tests.helpers import add_passkey as add
from tests.softkey import SoftAuthenticator


def actions() -> list[str]:
    return list(AuditEvent.objects.order_by("occurred_at", "pk").values_list("action", flat=True))


def data_of(action: str) -> dict:
    return json.loads(AuditEvent.objects.filter(action=action).latest("occurred_at").canonical)


def sign_in(user, key, session=None, **answer):
    session = {} if session is None else session
    options = passkeys.authentication_options(user=user, session=session)
    return passkeys.check_assertion(
        user=user, session=session, credential=key.get(options, **answer)
    )


@pytest.fixture
def user(db):
    return UserFactory()


# --- Adding ---------------------------------------------------------------------------------


def test_a_passkey_is_added_with_its_public_key_and_audited(user):
    passkey, key = add(user)
    assert passkey.name == "Laptop kantor"
    assert bytes(passkey.credential_id) == key.credential_id
    assert passkey.sign_count == 0 and passkey.transports == ["internal"]
    assert mfa.has_second_factor(user) and not mfa.has_device(user)
    assert actions() == ["mfa.passkey_added"]
    assert key.credential_id.hex() not in AuditEvent.objects.get().canonical


def test_registration_options_list_existing_passkeys_so_none_is_added_twice(user):
    _passkey, key = add(user)
    options = json.loads(passkeys.registration_options(user=user, session={}))
    assert [c["id"] for c in options["excludeCredentials"]] == [passkeys._b64(key.credential_id)]
    assert options["rp"] == {"id": "localhost", "name": "ASN Digital"}
    assert options["authenticatorSelection"]["userVerification"] == "preferred"


@pytest.mark.parametrize("name", ["", "   ", "x" * 65])
def test_a_passkey_needs_a_name_of_1_to_64_characters(user, name):
    with pytest.raises(DomainError):
        add(user, name=name)
    assert not Passkey.objects.exists() and actions() == []


def test_a_registration_challenge_works_once_and_expires(user, settings):
    session = {}
    key = SoftAuthenticator(ORIGIN)
    answer = key.create(passkeys.registration_options(user=user, session=session))
    passkeys.add_passkey(user=user, session=session, credential=answer, name="A")
    with pytest.raises(DomainError) as used:
        passkeys.add_passkey(user=user, session=session, credential=answer, name="B")
    assert used.value.code == "expired"

    settings.ASN_WEBAUTHN_CHALLENGE_SECONDS = 0
    session = {}
    answer = SoftAuthenticator(ORIGIN).create(
        passkeys.registration_options(user=user, session=session)
    )
    time.sleep(0.01)
    with pytest.raises(DomainError) as expired:
        passkeys.add_passkey(user=user, session=session, credential=answer, name="C")
    assert expired.value.code == "expired"
    assert Passkey.objects.count() == 1


def test_a_registration_challenge_issued_to_someone_else_is_refused(user):
    other = UserFactory()
    session = {}
    answer = SoftAuthenticator(ORIGIN).create(
        passkeys.registration_options(user=other, session=session)
    )
    with pytest.raises(DomainError):
        passkeys.add_passkey(user=user, session=session, credential=answer, name="A")
    assert not Passkey.objects.exists()


@pytest.mark.parametrize(
    ("answer", "code"),
    [
        ({"origin": "https://evil.example.com"}, "origin"),
        ({"origin": "http://localhost.evil.example.com:8000"}, "origin"),
        ({"rp_id": "evil.example.com"}, "invalid"),
    ],
)
def test_a_registration_from_another_site_is_refused(user, answer, code):
    session = {}
    options = passkeys.registration_options(user=user, session=session)
    credential = SoftAuthenticator(ORIGIN).create(options, **answer)
    with pytest.raises(DomainError) as refused:
        passkeys.add_passkey(user=user, session=session, credential=credential, name="A")
    assert refused.value.code == code
    assert not Passkey.objects.exists() and actions() == []


def test_configured_origins_are_the_only_ones_accepted(settings):
    assert passkeys.origin_allowed("http://localhost:51234")  # development/test: any port
    assert not passkeys.origin_allowed("http://127.0.0.1:8000")
    settings.ASN_WEBAUTHN_ORIGINS = ["https://asndigital.example.go.id"]
    assert passkeys.origin_allowed("https://asndigital.example.go.id")
    assert not passkeys.origin_allowed("http://localhost:8000")
    settings.ASN_WEBAUTHN_ORIGINS, settings.IS_PRODUCTION = [], True
    assert not passkeys.origin_allowed("http://localhost:8000")


# --- Signing in -----------------------------------------------------------------------------


def test_a_passkey_signs_in_and_its_counter_and_last_use_are_kept(user):
    passkey, key = add(user)
    result = sign_in(user, key)
    assert result.ok and result.passkey == passkey
    passkey.refresh_from_db()
    assert passkey.sign_count == 1 and passkey.last_used_at is not None
    assert sign_in(user, key).ok
    passkey.refresh_from_db()
    assert passkey.sign_count == 2


def test_authentication_options_allow_only_the_users_passkeys(user):
    _passkey, key = add(user)
    add(UserFactory())
    options = json.loads(passkeys.authentication_options(user=user, session={}))
    assert [c["id"] for c in options["allowCredentials"]] == [passkeys._b64(key.credential_id)]
    assert options["userVerification"] == "preferred" and options["rpId"] == "localhost"


def test_a_passkey_without_a_counter_keeps_working(user):
    _passkey, key = add(user, key=SoftAuthenticator(ORIGIN, counts=False))
    assert sign_in(user, key).ok
    assert sign_in(user, key).ok


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        ({"origin": "https://evil.example.com"}, "origin"),
        ({"rp_id": "evil.example.com"}, "invalid"),
        ({"challenge": b"another challenge of 32 bytes..."}, "invalid"),
    ],
)
def test_an_assertion_for_another_site_or_challenge_is_refused_and_recorded(user, answer, reason):
    passkey, key = add(user)
    result = sign_in(user, key, **answer)
    assert not result.ok and result.reason == reason
    passkey.refresh_from_db()
    assert passkey.sign_count == 0 and passkey.last_used_at is None
    assert actions()[-1] == "login.passkey_failed"
    assert data_of("login.passkey_failed")["data"]["reason"] == reason


def test_an_assertion_works_once_and_expires(user, settings):
    _passkey, key = add(user)
    session = {}
    answer = key.get(passkeys.authentication_options(user=user, session=session))
    assert passkeys.check_assertion(user=user, session=session, credential=answer).ok
    again = passkeys.check_assertion(user=user, session=session, credential=answer)
    assert not again.ok and again.reason == "expired"

    settings.ASN_WEBAUTHN_CHALLENGE_SECONDS = 0
    session = {}
    answer = key.get(passkeys.authentication_options(user=user, session=session))
    time.sleep(0.01)
    late = passkeys.check_assertion(user=user, session=session, credential=answer)
    assert not late.ok and late.reason == "expired"


def test_someone_elses_passkey_is_unknown(user):
    _theirs, their_key = add(UserFactory())
    add(user)
    result = sign_in(user, their_key)
    assert not result.ok and result.reason == "unknown"


def test_garbage_is_refused_as_malformed(user):
    add(user)
    session = {}
    passkeys.authentication_options(user=user, session=session)
    result = passkeys.check_assertion(user=user, session=session, credential="{not json")
    assert not result.ok and result.reason == "malformed"


def test_a_cloned_authenticator_is_refused_and_recorded(user):
    passkey, key = add(user)
    clone = key.clone(sign_count=0)
    for _ in range(3):
        assert sign_in(user, key).ok
    result = sign_in(user, clone)  # the copy says 1 after the original said 3
    assert not result.ok and result.reason == "clone"
    passkey.refresh_from_db()
    assert passkey.sign_count == 3
    event = data_of("mfa.passkey_clone_suspected")["data"]
    assert (event["stored"], event["received"]) == (3, 1)
    # The same counter again (a replayed answer with a fresh challenge) is refused too.
    replay = key.clone(sign_count=2)
    assert sign_in(user, replay).reason == "clone"
    assert sign_in(user, key).ok  # the original, counting on, still works


# --- Managing, never the last factor --------------------------------------------------------


def test_rename_and_remove_are_audited(user):
    first, _key = add(user)
    second, _key2 = add(user, name="HP")
    passkeys.rename_passkey(user=user, passkey_id=first.pk, name="  Laptop   rumah ")
    first.refresh_from_db()
    assert first.name == "Laptop rumah"
    passkeys.remove_passkey(user=user, passkey_id=second.pk)
    assert list(Passkey.objects.all()) == [first]
    assert actions()[-2:] == ["mfa.passkey_renamed", "mfa.passkey_removed"]


def test_the_last_factor_is_never_removed_apps_and_passkeys_count_together(user):
    passkey, _key = add(user)
    with pytest.raises(DomainError):
        passkeys.remove_passkey(user=user, passkey_id=passkey.pk)
    assert Passkey.objects.count() == 1 and "mfa.passkey_removed" not in actions()

    device = enrol(user)
    passkeys.remove_passkey(user=user, passkey_id=passkey.pk)  # the app remains
    with pytest.raises(DomainError):
        mfa.remove_device(user=user, device_id=device.pk)

    add(user)
    mfa.remove_device(user=user, device_id=device.pk)  # the passkey remains
    assert not mfa.has_device(user) and mfa.has_second_factor(user)


def test_someone_elses_passkey_cannot_be_renamed_or_removed(user):
    theirs, _key = add(UserFactory(), name="Milik orang lain")
    add(UserFactory(), name="Cadangan")
    before = actions()
    with pytest.raises(DomainError):
        passkeys.rename_passkey(user=user, passkey_id=theirs.pk, name="Punyaku")
    with pytest.raises(DomainError):
        passkeys.remove_passkey(user=user, passkey_id=theirs.pk)
    theirs.refresh_from_db()
    assert theirs.name == "Milik orang lain" and actions() == before


def test_reset_mfa_removes_passkeys_too(user):
    enrol(user)
    add(user)
    add(user, name="HP")
    mfa.reset_mfa(actor=None, user=user, reason="HP hilang")
    assert not Passkey.objects.filter(user=user).exists()
    assert not mfa.has_second_factor(user)
    data = data_of("mfa.reset")["data"]
    assert (data["devices"], data["passkeys"]) == (1, 2)


# --- The required-roles policy --------------------------------------------------------------


def test_must_use_passkey_follows_the_setting(settings, agency):
    admin, clerk, national = UserFactory(), UserFactory(), UserFactory()
    grant(admin, Role.AGENCY_ADMIN, agency)
    grant(clerk, Role.OPERATOR, agency)
    grant(national, Role.BKN_ADMIN)
    settings.ASN_PASSKEY_REQUIRED_ROLES = frozenset()
    assert not any(policies.must_use_passkey(u) for u in (admin, clerk, national))
    settings.ASN_PASSKEY_REQUIRED_ROLES = frozenset({"bkn_admin", "agency_admin"})
    for u in (admin, clerk, national):
        u.refresh_from_db()  # the grants are cached per request, i.e. per user object
    assert policies.must_use_passkey(admin) and policies.must_use_passkey(national)
    assert not policies.must_use_passkey(clerk)


def test_the_last_passkey_of_someone_who_must_use_one_stays(settings, agency, user):
    grant(user, Role.AGENCY_ADMIN, agency)
    settings.ASN_PASSKEY_REQUIRED_ROLES = frozenset({"agency_admin"})
    enrol(user)
    passkey, _key = add(user)
    with pytest.raises(DomainError):
        passkeys.remove_passkey(user=user, passkey_id=passkey.pk)
    assert Passkey.objects.filter(pk=passkey.pk).exists()


# --- Pages: signing in ----------------------------------------------------------------------

PASSWORD = "Kata-sandi-uji-123"
LOGIN = reverse("accounts:login")
CODE = reverse("accounts:code")
PASSKEY_LOGIN = reverse("accounts:passkey_login")
PASSKEY_OPTIONS = reverse("accounts:passkey_login_options")
ENROL = reverse("accounts:passkey_enrol")
ENROL_OPTIONS = reverse("accounts:passkey_enrol_options")


@pytest.fixture
def person(db):
    user = UserFactory()
    user.set_password(PASSWORD)
    user.save()
    return user


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def password_step(client, user):
    return client.post(LOGIN, {"username": user.username, "password": PASSWORD})


def passkey_step(client, key, **answer):
    options = client.post(PASSKEY_OPTIONS)
    assert options.status_code == 200, options.content
    return client.post(PASSKEY_LOGIN, {"credential": key.get(options.content.decode(), **answer)})


def totp_code():
    from tests.helpers import code_at

    return code_at(time.time())


def test_password_then_passkey_signs_in(client, person):
    _passkey, key = add(person)
    response = password_step(client, person)
    assert response["Location"] == CODE  # a passkey is a second factor: no app activation
    page = client.get(CODE).content.decode()
    assert 'data-passkey="get"' in page and "js/passkey.js" in page
    response = passkey_step(client, key)
    assert response.status_code == 302 and signed_in(client)
    assert data_of("login.succeeded")["data"]["method"] == "passkey"


def test_the_code_page_offers_no_passkey_to_someone_without_one(client, person):
    enrol(person)
    password_step(client, person)
    assert 'data-passkey="get"' not in client.get(CODE).content.decode()
    assert client.post(PASSKEY_OPTIONS).status_code == 403


def test_a_refused_passkey_does_not_sign_in_and_counts_in_the_code_throttle(
    client, person, settings
):
    settings.ASN_THROTTLE_CODE_FREE = 2
    enrol(person)
    _passkey, key = add(person)
    password_step(client, person)
    for _ in range(3):  # two free failures, then a wait
        response = passkey_step(client, key, origin="https://evil.example.com")
        assert response["Location"] == CODE and not signed_in(client)
    assert client.post(PASSKEY_OPTIONS).status_code == 429
    response = client.post(PASSKEY_LOGIN, {"credential": "{}"})
    assert not signed_in(client)
    assert actions().count("login.passkey_failed") == 3
    # The TOTP form is refused as well while the wait lasts.
    assert client.post(CODE, {"code": totp_code()}).status_code == 429


def test_the_passkey_step_follows_the_pending_login_rules(client, person, settings):
    _passkey, key = add(person)
    password_step(client, person)
    options = client.post(PASSKEY_OPTIONS).content.decode()
    settings.ASN_LOGIN_PENDING_SECONDS = 0
    time.sleep(0.01)
    response = client.post(PASSKEY_LOGIN, {"credential": key.get(options)})
    assert response["Location"] == LOGIN and not signed_in(client)
    assert Passkey.objects.get().sign_count == 0


def test_passkey_endpoints_refuse_anonymous_people_and_change_nothing(client, person):
    add(person)
    before = actions()
    assert client.post(PASSKEY_OPTIONS).status_code == 403
    assert client.post(ENROL_OPTIONS).status_code == 403
    assert client.post(PASSKEY_LOGIN, {"credential": "{}"})["Location"] == LOGIN
    assert client.get(ENROL)["Location"] == LOGIN
    for name in ("add_passkey", "add_passkey_options"):
        assert client.post(reverse(f"accounts:{name}"))["Location"].startswith(LOGIN)
    assert not signed_in(client) and actions() == before


# --- Pages: the required-roles policy -------------------------------------------------------


@pytest.fixture
def admin(person, agency, settings):
    grant(person, Role.AGENCY_ADMIN, agency)
    settings.ASN_PASSKEY_REQUIRED_ROLES = frozenset({"bkn_admin", "agency_admin"})
    return person


def test_totp_alone_no_longer_signs_in_someone_who_must_use_a_passkey(client, admin):
    enrol(admin)
    _passkey, key = add(admin)
    password_step(client, admin)
    page = client.get(CODE).content.decode()
    assert 'name="code"' not in page and "passkey" in page
    response = client.post(CODE, {"code": totp_code()})
    assert response.status_code == 200 and not signed_in(client)
    assert "login.succeeded" not in actions()
    assert passkey_step(client, key).status_code == 302 and signed_in(client)


def test_someone_who_must_use_a_passkey_adds_one_after_the_code(client, admin):
    enrol(admin)
    password_step(client, admin)
    assert client.get(ENROL)["Location"] == LOGIN  # not before the code
    response = client.post(CODE, {"code": totp_code()})
    assert response["Location"] == ENROL and not signed_in(client)
    assert "login.succeeded" not in actions()
    page = client.get(ENROL).content.decode()
    assert 'data-passkey="create"' in page
    options = client.post(ENROL_OPTIONS).content.decode()
    key = SoftAuthenticator(ORIGIN)
    response = client.post(ENROL, {"credential": key.create(options), "name": "Laptop"})
    assert response.status_code == 302 and signed_in(client)
    assert actions()[-2:] == ["mfa.passkey_added", "login.succeeded"]
    assert data_of("login.succeeded")["data"]["method"] == "passkey_enrolment"


def test_a_refused_enrolment_does_not_sign_in(client, admin):
    enrol(admin)
    password_step(client, admin)
    client.post(CODE, {"code": totp_code()})
    options = client.post(ENROL_OPTIONS).content.decode()
    credential = SoftAuthenticator(ORIGIN).create(options, origin="https://evil.example.com")
    response = client.post(ENROL, {"credential": credential, "name": "Laptop"})
    assert response.status_code == 200 and not signed_in(client)
    assert not Passkey.objects.exists()


def test_first_activation_of_someone_who_must_use_a_passkey_ends_with_the_recovery_codes(
    client, admin
):
    from tests.helpers import activate

    _totp, response = activate(client, admin)
    assert response["Location"] == ENROL and not signed_in(client)
    options = client.post(ENROL_OPTIONS).content.decode()
    credential = SoftAuthenticator(ORIGIN).create(options)
    response = client.post(ENROL, {"credential": credential, "name": "Laptop"})
    assert response["Location"] == reverse("accounts:recovery_codes") and signed_in(client)
    assert client.get(response["Location"]).status_code == 200


# --- Pages: account security ----------------------------------------------------------------


def reauthenticate(client):
    session = client.session
    session["asn_reauth_until"] = time.time() + 300
    session.save()


def test_the_security_page_adds_lists_renames_and_removes_passkeys(client, person):
    enrol(person)
    client.force_login(person)
    page = client.get(reverse("accounts:security")).content.decode()
    assert "passkey" in page.lower() and reverse("accounts:add_passkey") not in page
    assert client.get(reverse("accounts:add_passkey"))["Location"] == reverse("accounts:security")

    reauthenticate(client)
    page = client.get(reverse("accounts:add_passkey")).content.decode()
    assert 'data-passkey="create"' in page
    options = client.post(reverse("accounts:add_passkey_options")).content.decode()
    response = client.post(
        reverse("accounts:add_passkey"),
        {"credential": SoftAuthenticator(ORIGIN).create(options), "name": "Laptop kantor"},
    )
    assert response["Location"] == reverse("accounts:security")
    passkey = Passkey.objects.get(user=person)
    assert "Laptop kantor" in client.get(reverse("accounts:security")).content.decode()

    client.post(reverse("accounts:rename_passkey", args=[passkey.pk]), {"name": "Laptop rumah"})
    passkey.refresh_from_db()
    assert passkey.name == "Laptop rumah"
    client.post(reverse("accounts:remove_passkey", args=[passkey.pk]))
    assert not Passkey.objects.exists()
    assert actions()[-3:] == ["mfa.passkey_added", "mfa.passkey_renamed", "mfa.passkey_removed"]


def test_removing_a_passkey_needs_the_re_authentication(client, person):
    enrol(person)
    passkey, _key = add(person)
    client.force_login(person)
    before = actions()
    response = client.post(reverse("accounts:remove_passkey", args=[passkey.pk]))
    assert response["Location"] == reverse("accounts:security")
    assert Passkey.objects.filter(pk=passkey.pk).exists() and actions() == before
    assert client.post(reverse("accounts:add_passkey_options")).status_code == 302


def test_the_agency_admin_resets_someone_who_has_only_a_passkey(client, agency, agency_admin):
    employee = EmployeeFactory(agency=agency)
    add(employee.user)
    client.force_login(agency_admin)
    page = client.get(reverse("personnel:employee_detail", args=[employee.pk])).content.decode()
    assert "1 passkey." in page and reverse("personnel:reset_mfa", args=[employee.pk]) in page
    client.post(reverse("personnel:reset_mfa", args=[employee.pk]), {"reason": "HP hilang"})
    assert not Passkey.objects.filter(user=employee.user).exists()
    assert data_of("mfa.reset")["data"]["passkeys"] == 1


def test_re_authentication_with_the_password_and_a_passkey(client, person, settings):
    settings.ASN_THROTTLE_CODE_FREE = 1
    _passkey, key = add(person)
    client.force_login(person)
    assert 'data-passkey="get"' in client.get(reverse("accounts:security")).content.decode()
    reauth, options_url = (
        reverse("accounts:reauth_passkey"),
        reverse("accounts:reauth_passkey_options"),
    )

    def confirm(password, **answer):
        options = client.post(options_url).content.decode()
        data = {"password": password, "credential": key.get(options, **answer)}
        client.post(reauth, data)
        return client.session.get("asn_reauth_until", 0) > time.time()

    assert not confirm("salah")  # the wrong password: the passkey is not even checked
    assert Passkey.objects.get().sign_count == 0
    assert not confirm(PASSWORD, origin="https://evil.example.com")
    assert actions()[-1] == "login.passkey_failed"
    assert not confirm(PASSWORD)  # two failures: now a wait, even with everything right
    cache.clear()
    assert confirm(PASSWORD)


def test_re_authentication_options_need_a_passkey(client, person):
    client.force_login(person)
    assert client.post(reverse("accounts:reauth_passkey_options")).status_code == 403
