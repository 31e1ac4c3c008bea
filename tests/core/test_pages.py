import pytest
from django.urls import reverse

from asndigital.accounts.models import Role


@pytest.mark.django_db
def test_landing_page_speaks_indonesian_by_default_and_has_the_way_in(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert '<html lang="id">' in body
    assert "Masuk dengan NIP Anda" in body  # the login entry point, in Indonesian
    assert "Log in" not in body
    assert reverse("accounts:login") in body


@pytest.mark.django_db
def test_an_english_browser_still_gets_indonesian_until_the_person_switches(client):
    body = client.get("/", headers={"accept-language": "en-US,en;q=0.9"}).content.decode()
    assert '<html lang="id">' in body


@pytest.mark.django_db
def test_language_switch_to_english(client):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get("/").content.decode()
    assert '<html lang="en">' in body
    assert "Log in" in body


@pytest.mark.django_db
def test_security_headers_on_pages(client):
    response = client.get("/")
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


@pytest.mark.django_db
def test_static_assets_are_served_locally(client):
    body = client.get("/").content.decode()
    assert "http://" not in body.replace("http://127.0.0.1", "")
    assert "https://" not in body
    assert client.get("/static/css/site.css").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("role", "national", "allowed"),
    [
        (Role.BKN_ADMIN, True, True),
        (Role.MONITOR, True, False),
        (Role.AGENCY_ADMIN, False, False),
        (Role.AUDITOR, True, False),
    ],
)
def test_django_admin_is_for_national_admins_only(
    client, make_staff, agency, role, national, allowed
):
    user = make_staff(role, None if national else agency)
    client.force_login(user)
    response = client.get("/admin/")
    if allowed:
        assert response.status_code == 200
        assert client.get("/admin/personnel/employee/").status_code == 200
    else:
        assert client.get("/admin/", follow=True).status_code == 404
        assert client.get("/admin/personnel/employee/", follow=True).status_code == 404


@pytest.mark.django_db
def test_admin_sends_anonymous_visitors_to_the_one_login(client):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_admin_agency_edit_goes_through_the_service_and_is_audited(client, bkn_admin):
    from asndigital.audit.models import AuditEvent
    from asndigital.personnel.models import Agency

    client.force_login(bkn_admin)
    response = client.post(
        "/admin/personnel/agency/add/",
        {
            "code": "KEMENKES",
            "name": "Kementerian Kesehatan",
            "kind": "central",
            "region_office": "",
        },
    )
    assert response.status_code == 302
    agency = Agency.objects.get(code="KEMENKES")
    event = AuditEvent.objects.get(action="agency.created")
    assert event.actor_id == bkn_admin.pk and event.target_id == str(agency.pk)


@pytest.mark.django_db
def test_a_signed_in_persons_language_choice_is_kept_for_their_emails(client):
    from tests.factories import UserFactory

    user = UserFactory()
    client.force_login(user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
    client.post(reverse("set_language"), {"language": "xx", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"
