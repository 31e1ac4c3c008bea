"""The Django admin (national administrators only) under the site's Content-Security-Policy:
its pages must work in a real browser with nothing blocked."""

import pytest
from django.conf import settings
from django.test import Client

from asndigital.accounts.models import Role
from asndigital.core.middleware import DEFAULT_CSP


@pytest.mark.django_db(transaction=True)
def test_the_django_admin_works_under_its_policy(page, live_server, make_staff):
    admin = make_staff(Role.BKN_ADMIN)
    client = Client()
    client.force_login(admin)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    blocked = []
    page.on(
        "console",
        lambda message: (
            blocked.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    for path in ["/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{admin.pk}/change/"]:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 200, path
        assert response.headers["content-security-policy"] == DEFAULT_CSP
        assert page.locator("#site-name, #header").first.is_visible()
    page.goto(f"{live_server.url}/admin/accounts/user/")
    page.fill("#nav-filter", "pegawai")  # the sidebar's script filters the models
    page.get_by_role("link", name="Catatan audit").wait_for(state="hidden")
    assert page.get_by_role("link", name="Pegawai", exact=True).is_visible()
    assert blocked == []
    # The listener does hear a refusal: an inline style is blocked and reported.
    page.evaluate("document.head.insertAdjacentHTML('beforeend', '<style>b{}</style>')")
    page.wait_for_timeout(200)
    assert blocked and "style" in blocked[0]
