"""The employee's pages on a phone: at 360 and 390 px wide nothing is wider than the screen
(no sideways scrolling) and every link, button and field is at least 44 × 44 px to tap
(WCAG 2.5.5), in Indonesian and in English; at 390 px axe-core finds no serious or critical
WCAG A/AA violation (tests/a11y.py).

The employee is the demo civil servant of seed_demo (an accepted, a rejected and a waiting
document), signed in as a person does (password, then the authenticator code), with an
authenticator app and a passkey so that the security page shows both tables, and someone of
the agency has read the dossier so that the access history has rows.

One exception, as WCAG 2.5.5 and 2.5.8 make it: a link inside a sentence (the block around it
has words of its own besides links, e.g. "opened the document: SK CPNS") keeps the line's
height; a link standing alone is tap-sized (class ``tap``, or by its place: breadcrumbs, table
cards, buttons). No link on these pages needs the exception today.
"""

import base64
import io
import time

import pyotp
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from asndigital.accounts.models import User
from asndigital.demo.management.commands.seed_demo import DEMO_PASSWORD
from asndigital.documents.models import Document
from asndigital.personnel.models import Employee
from tests import a11y
from tests.helpers import SECRET, enrol, sign_in_with_password
from tests.helpers import add_passkey as add

WIDTHS = (360, 390)
AXE_WIDTH = 390
TOTP = pyotp.TOTP(base64.b32encode(SECRET).decode())
MIN_TARGET = 44

# What a page measures: its width, and every visible interactive element smaller than 44 px.
# A radio button or checkbox is measured by its label (tapping the label checks it).
MEASURE = """
(min) => {
  const selector = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  const words = (text) => (text.match(/[\\p{L}\\p{N}]{2,}/gu) || []).length;
  const display = (el) => getComputedStyle(el).display;
  const inSentence = (link) => {
    let block = link.parentElement;
    while (block && display(block).startsWith('inline')) block = block.parentElement;
    const copy = block.cloneNode(true);
    copy.querySelectorAll('a, button').forEach((el) => el.remove());
    return words(copy.textContent) >= 2;
  };
  const small = [];
  const all = ['header', 'main', 'footer'].map((part) => `${part} :is(${selector})`).join(', ');
  for (const el of document.querySelectorAll(all)) {
    if (el.closest('[hidden]') || !el.getClientRects().length) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    const choice = el.type === 'radio' || el.type === 'checkbox';
    const box = (choice && el.labels.length ? el.labels[0] : el).getBoundingClientRect();
    if (box.width >= min && box.height >= min) continue;
    if (el.tagName === 'A' && display(el) === 'inline' && inSentence(el)) continue;
    const name = (el.innerText || el.value || el.name || '').trim().replace(/\\s+/g, ' ');
    const size = `${Math.round(box.width)}×${Math.round(box.height)}`;
    small.push(`<${el.tagName.toLowerCase()}> "${name.slice(0, 40)}" ${size}`);
  }
  return {width: document.documentElement.scrollWidth, viewport: window.innerWidth, small};
}
"""


@pytest.fixture
def demo_employee(transactional_db, files_in_tmp):
    call_command("load_catalogue", verbosity=0)
    call_command("seed_demo", employees=5, stdout=io.StringIO())
    employee = Employee.objects.get(documents__isnull=False, documents__doc_type__code="sk-cpns")
    enrol(employee.user)
    add(employee.user)
    # Someone of the agency reads the dossier and a document: the access history has rows.
    verifier = Client()
    verifier.force_login(User.objects.get(username="verifikator.bandung"))
    verifier.get(reverse("personnel:employee_detail", args=[employee.pk]))
    verifier.get(reverse("documents:detail", args=[employee.documents.first().pk]))
    return employee


def sign_in(page, base, employee):
    sign_in_with_password(page, base, employee, DEMO_PASSWORD)
    page.fill("#id_code", TOTP.now())
    page.press("#id_code", "Enter")  # the code's form (the page also offers the passkey)
    page.wait_for_url(f"**/pegawai/{employee.pk}/")


def confirm_it_is_me(page, base):
    """The security page's 'Confirm it is you': password and the next code."""
    page.goto(f"{base}/akun/keamanan/")
    page.fill("#id_password", DEMO_PASSWORD)
    page.fill("#id_code", TOTP.at(time.time() + 30))
    page.click("main button:has-text('Konfirmasi')")
    page.locator("main a[href$='/keamanan/perangkat/tambah/']").wait_for()


def employee_pages(employee) -> dict[str, str]:
    documents = {d.doc_type.code: d for d in Document.objects.filter(employee=employee)}
    dossier = reverse("personnel:employee_detail", args=[employee.pk])
    upload = reverse("personnel:upload_document", args=[employee.pk])
    return {
        "dossier and checklist": dossier,
        **{
            f"document ({code}, {d.status})": reverse("documents:detail", args=[d.pk])
            for code, d in documents.items()
        },
        "upload: choose the type": upload,
        "upload: the form": f"{upload}?type=sk-pns",
        "upload: a new version": f"{upload}?document={documents['ijazah'].pk}",
        "access history": reverse("audit:my_access"),
        "account security": reverse("accounts:security"),
        "add an authenticator": reverse("accounts:add_device"),
        "add a passkey": reverse("accounts:add_passkey"),
        "change password": reverse("accounts:password_change"),
    }


def problems_on(page, base: str, url: str, label: str) -> list[str]:
    found = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        response = page.goto(f"{base}{url}")
        assert response.ok, f"{label}: {response.status}"
        assert page.url.endswith(url), f"{label}: redirected to {page.url}"
        measured = page.evaluate(MEASURE, MIN_TARGET)
        assert measured["viewport"] == width
        if measured["width"] > width:
            found.append(f"{label} at {width} px: {measured['width']} px wide")
        found.extend(f"{label} at {width} px: {item}" for item in measured["small"])
        if width == AXE_WIDTH and (violations := a11y.violations(page)):
            found.append(a11y.describe(violations, f"{label} at {width} px"))
    return found


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_the_employees_pages_fit_a_phone_and_can_be_tapped(page, live_server, demo_employee):
    base = live_server.url
    sign_in(page, base, demo_employee)
    pages = employee_pages(demo_employee)
    unconfirmed = "account security (unconfirmed)"
    problems = problems_on(page, base, pages.pop("account security"), unconfirmed)
    confirm_it_is_me(page, base)
    for language in ("id", "en"):
        page.context.add_cookies(
            [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base}]
        )
        for label, url in pages.items():
            problems += problems_on(page, base, url, f"{label} [{language}]")
        # The recovery codes, shown after asking for new ones (and after the first sign-in).
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{base}{reverse('accounts:security')}")
        page.click(f"main form[action$='{reverse('accounts:regenerate_codes')}'] button")
        page.wait_for_url(f"**{reverse('accounts:recovery_codes')}")
        problems += problems_on(
            page, base, reverse("accounts:recovery_codes"), f"recovery codes [{language}]"
        )
    assert problems == [], "\n".join(problems)
