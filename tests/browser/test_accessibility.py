"""axe-core on the public pages (the ones anyone reaches without an account), in Indonesian and
English, at the desktop width and on a 390 px phone: no serious or critical WCAG 2.0/2.1/2.2 A
or AA violation. The signed-in pages are checked by the end-to-end suite, on every page its
journeys visit (docs/accessibility.md)."""

import pytest
from django.conf import settings
from django.urls import reverse

from tests import a11y

WIDTHS = {"desktop": 1280, "phone": 390}


def public_pages(version) -> dict[str, str]:
    return {
        "landing": reverse("core:landing"),
        "sign-in": reverse("accounts:login"),
        "Reset Password (Lupa Password)": reverse("accounts:password_reset"),
        "Reset MFA": reverse("accounts:mfa_reset"),
        "verification": reverse("verification:start"),
        "an accepted document's verification": reverse(
            "verification:check", args=[version.verification_code]
        ),
        "an unknown code": reverse("verification:check", args=["ABCD2345EFGH6789JKLM2345"]),
        "system status": reverse("core:status"),
    }


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["id", "en"])
def test_the_public_pages_pass_axe_core(page, live_server, accepted, language):
    page.context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": live_server.url}]
    )
    problems = []
    for label, path in public_pages(accepted).items():
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.lang") == language
        for name, width in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": 900})
            found = a11y.violations(page)
            if found:
                problems.append(a11y.describe(found, f"{label} [{language}, {name}]"))
    assert problems == [], "\n".join(problems)


@pytest.mark.django_db(transaction=True)
def test_axe_core_finds_what_it_should(page, live_server):
    """The check can fail: a field without its label is a critical violation."""
    page.goto(f"{live_server.url}{reverse('accounts:login')}")
    assert a11y.violations(page) == []
    page.evaluate("document.querySelector('label[for=id_username]').remove()")
    found = a11y.violations(page)
    assert [v["id"] for v in found] == ["label"], a11y.describe(found, "sign-in")
