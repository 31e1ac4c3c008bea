"""Reset Password (Lupa Password) in a real browser: captcha, e-mail, code, live rules."""

import re

import pytest
from django.core import mail

from tests.factories import EmployeeFactory
from tests.helpers import enrol

NEW = "kuda lumping makan sate"


@pytest.fixture
def employee(db):
    employee = EmployeeFactory(email="siti@kota-a.go.id")
    employee.user.set_unusable_password()
    employee.user.save()
    enrol(employee.user)
    return employee


@pytest.mark.django_db(transaction=True)
def test_reset_password_in_the_browser(page, live_server, employee):
    page.goto(f"{live_server.url}/akun/masuk/")
    page.click("text=Reset Password (Lupa Password)")
    page.fill("#id_username", employee.nip_grouped)
    page.click("altcha-widget input[type=checkbox]")
    page.locator("altcha-widget").get_by_text("Terverifikasi").wait_for(timeout=20_000)
    page.click("main button:has-text('Periksa')")
    page.wait_for_url("**/lupa-kata-sandi/email/")
    page.fill("#id_email", "siti@kota-a.go.id")
    page.click("main button[type=submit]")
    page.wait_for_url("**/lupa-kata-sandi/konfirmasi/")

    # The worker ran in the live server's thread pool (immediate backend): the code is in the mail.
    code = re.search(r"\b([A-HJ-NP-Z2-9]{8})\b", mail.outbox[-1].body).group(1)
    page.fill("#id_code", code)
    page.fill("#id_new_password1", "pendek")
    assert "unmet" in page.get_attribute("[data-rule=length]", "class")
    page.fill("#id_new_password1", NEW)
    assert "met" in page.get_attribute("[data-rule=length]", "class").split()
    page.fill("#id_new_password2", NEW)
    assert "met" in page.get_attribute("[data-rule=match]", "class").split()
    page.click("main button:has-text('Reset Password')")
    page.wait_for_url("**/akun/masuk/")
    assert "Kata sandi Anda telah diubah" in page.inner_text("main")
    employee.user.refresh_from_db()
    assert employee.user.check_password(NEW)
