"""Browser tests: Playwright driving Debian's chromium (Playwright's own browser download cannot
work on these machines). Without chromium they skip, unless ASN_REQUIRE_BROWSER=1 (CI)."""

import os
import shutil
from pathlib import Path

import pytest

from asndigital.accounts.models import Role
from asndigital.documents import services
from tests.accounts.conftest import away_from_a_step_boundary  # noqa: F401 - autouse fixture
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import upload

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"


@pytest.fixture(scope="session")
def browser():
    if CHROMIUM is None:
        if os.environ.get("ASN_REQUIRE_BROWSER") == "1":
            pytest.fail("chromium is not installed (apt-get install chromium)")
        pytest.skip("chromium is not installed; `make browser` installs it")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop in this thread while the browser lives; Django
    # would then refuse the tests' own (synchronous, safe) database calls.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()
    del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def accepted(db, agency, make_staff, files_in_tmp):
    services.load_catalogue()
    employee = EmployeeFactory(agency=agency, name="Siti Rahayu")
    version = upload(employee.user, employee, pdf_bytes(2))
    services.accept_document(actor=make_staff(Role.VERIFIER, agency), document=version.document)
    version.refresh_from_db()
    return version
