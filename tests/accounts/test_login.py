import pytest
from django.urls import reverse

from tests.factories import EmployeeFactory

URL = reverse("accounts:login")
PASSWORD = "Kata-sandi-uji-123"


@pytest.fixture
def civil_servant(agency):
    employee = EmployeeFactory(agency=agency)
    employee.user.set_password(PASSWORD)
    employee.user.save()
    return employee


def error_text(response):
    return [str(e) for e in response.context["form"].non_field_errors()]


def test_login_with_grouped_nip(client, civil_servant):
    response = client.post(URL, {"username": civil_servant.nip_grouped, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(civil_servant.user.pk)


def test_wrong_user_wrong_password_and_disabled_account_look_the_same(
    client, civil_servant, agency
):
    departed = EmployeeFactory(agency=agency)
    departed.user.set_password(PASSWORD)
    departed.user.is_active = False
    departed.user.save()
    answers = [
        client.post(URL, {"username": "199001012015011999", "password": PASSWORD}),
        client.post(URL, {"username": civil_servant.nip, "password": "salah-sekali-123"}),
        client.post(URL, {"username": departed.nip, "password": PASSWORD}),
    ]
    assert {r.status_code for r in answers} == {200}
    messages = [error_text(r) for r in answers]
    assert messages[0] == messages[1] == messages[2] and messages[0]
    assert "_auth_user_id" not in client.session


def test_account_without_a_password_cannot_log_in(client, agency):
    imported = EmployeeFactory(agency=agency)
    imported.user.set_unusable_password()
    imported.user.save()
    response = client.post(URL, {"username": imported.nip, "password": ""})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_needs_post(client, civil_servant):
    client.force_login(civil_servant.user)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session
