"""What a sign-in costs the server (docs/performance.md, "Sign-in"): its database statements,
and the login page, rendered once and shared by every visitor but for the CSRF token."""

import re

import pytest
from django.test import Client, override_settings

from asndigital.accounts import password_policy
from tests.factories import EmployeeFactory
from tests.helpers import CODE, LOGIN, PASSWORD, TOTP, authenticated, enrol

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture
def enrolled(agency):
    user = EmployeeFactory(agency=agency).user
    user.set_password(PASSWORD)
    user.save()
    enrol(user)
    return user


def test_a_sign_in_takes_few_statements(client, enrolled, django_assert_num_queries, monkeypatch):
    """Throttle counts, the account with its employee, the agency names (read at most every
    few minutes; here they were not read yet), the audit event, whether it has an app, the
    session (the tests' transaction adds a savepoint around its insert); then the session,
    the account, its passkeys, the code's counts, the device and its conditional update, the
    old session, last_login, the account's failures, the audit event, the new session."""
    monkeypatch.setattr(password_policy, "_recent_agency_words", (float("-inf"), frozenset()))
    client.get(LOGIN)
    with django_assert_num_queries(8):
        response = client.post(LOGIN, {"username": enrolled.username, "password": PASSWORD})
    assert response["Location"] == CODE
    with django_assert_num_queries(13):
        response = client.post(CODE, {"code": TOTP.now()})
    assert response.status_code == 302 and authenticated(client)


def page_and_token(client) -> tuple[str, str]:
    page = client.get(LOGIN).content.decode()
    token = TOKEN.search(page).group(1)
    return page.replace(token, "TOKEN"), token


@pytest.mark.django_db
def test_the_login_page_is_shared_but_for_each_visitors_own_token(enrolled):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    page, token = page_and_token(first)
    other_page, other_token = page_and_token(second)
    assert page == other_page and token != other_token
    assert page.count("TOKEN") == 3  # the login form, the language buttons, htmx's header
    with override_settings(DEBUG=True):  # rendered afresh each time, as Django does
        assert page_and_token(Client())[0] == page
    # Each token is its own browser's: the password is checked (no 403 from the CSRF check).
    response = second.post(
        LOGIN,
        {"username": enrolled.username, "password": PASSWORD, "csrfmiddlewaretoken": other_token},
    )
    assert response.status_code == 302 and response["Location"] == CODE
    refused = first.post(
        LOGIN,
        {"username": enrolled.username, "password": PASSWORD, "csrfmiddlewaretoken": other_token},
    )
    assert refused.status_code == 403


@pytest.mark.django_db
def test_a_login_page_with_a_message_or_a_query_is_rendered_for_its_visitor(client):
    response = client.get(CODE)  # no password yet: "Please sign in again", back to the login
    assert "Silakan masuk kembali" in client.get(response["Location"]).content.decode()
    with_next = client.get(LOGIN + "?next=/pegawai/").content.decode()
    assert 'name="next" value="/pegawai/"' in with_next
