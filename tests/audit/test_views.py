"""Auditors search and export the trail; employees see who accessed their documents."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from asndigital.accounts.models import Role
from asndigital.audit.services import record
from asndigital.documents import services
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory
from tests.helpers import upload


@pytest.fixture
def scene(agency, other_agency, make_staff, files_in_tmp):
    services.load_catalogue()
    mine = EmployeeFactory(agency=agency, nip="199001012015031001")
    theirs = EmployeeFactory(agency=other_agency)
    document = upload(mine.user, mine, pdf_bytes(1)).document
    verifier = make_staff(Role.VERIFIER, agency, username="verif.a", full_name="Dadang Verif")
    record(verifier, "document.downloaded", document, version="v1")
    record(None, "test.elsewhere", theirs)
    return {"mine": mine, "theirs": theirs, "document": document, "verifier": verifier}


@pytest.mark.parametrize("who", ["employee", "operator", "bkn_admin"])
def test_only_auditors_search_the_trail(client, scene, make_staff, agency, who):
    user = {
        "employee": lambda: scene["mine"].user,
        "operator": lambda: make_staff(Role.OPERATOR, agency),
        "bkn_admin": lambda: make_staff(Role.BKN_ADMIN),
    }[who]()
    client.force_login(user)
    assert client.get(reverse("audit:search")).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get(reverse("audit:search"))
    assert response.status_code == 302 and "/akun/masuk/" in response["Location"]


def test_a_national_auditor_filters_by_actor_employee_and_action(client, scene, make_staff):
    client.force_login(make_staff(Role.AUDITOR))
    page = client.get(reverse("audit:search"), {"actor": "verif.a"}).content.decode()
    assert "document.downloaded" in page and "test.elsewhere" not in page
    page = client.get(reverse("audit:search"), {"nip": "19900101 201503 1 001"}).content.decode()
    assert "document.downloaded" in page and "document.uploaded" in page
    assert "test.elsewhere" not in page
    page = client.get(reverse("audit:search"), {"action": "test."}).content.decode()
    assert "test.elsewhere" in page and "document.downloaded" not in page


def test_an_action_is_found_by_its_start_whatever_its_case(client, scene, make_staff):
    record(None, "document.destroyed", scene["theirs"])
    client.force_login(make_staff(Role.AUDITOR))
    page = client.get(reverse("audit:search"), {"action": "Document.D"}).content.decode()
    assert "document.downloaded" in page and "document.destroyed" in page
    assert "document.uploaded" not in page and "test.elsewhere" not in page
    page = client.get(reverse("audit:search"), {"action": "document.uploaded"}).content.decode()
    assert "document.uploaded" in page and "document.downloaded" not in page
    page = client.get(reverse("audit:search"), {"action": "nothing.like.it"}).content.decode()
    assert "Tidak ada kejadian yang cocok" in page and "document.downloaded" not in page


def test_the_recorded_actions_are_listed_by_a_skip_scan(scene):
    from asndigital.audit.selectors import actions_starting_with

    assert actions_starting_with("document.d") == ["document.downloaded"]
    assert actions_starting_with("test.") == ["test.elsewhere"]
    assert actions_starting_with("zzz") == []
    everything = actions_starting_with("")
    assert everything == sorted(set(everything)) and "document.uploaded" in everything


def test_an_agency_auditor_reads_only_events_about_its_employees(client, scene, make_staff, agency):
    client.force_login(make_staff(Role.AUDITOR, agency))
    page = client.get(reverse("audit:search"), {"action": ""}).content.decode()
    assert "document.downloaded" in page and "test.elsewhere" not in page


def test_the_export_is_a_csv_of_the_filtered_events(client, scene, make_staff):
    client.force_login(make_staff(Role.AUDITOR))
    response = client.get(reverse("audit:search"), {"action": "document.", "export": "csv"})
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = body.strip().splitlines()
    assert lines[0] == (
        "Waktu,Pelaku,Tindakan,Objek,ID objek,Pegawai (ID),Data,Posisi,Hash,Hash sebelumnya"
    )
    assert any("verif.a" in line and "document.downloaded" in line for line in lines)
    assert not any("test.elsewhere" in line for line in lines)


def test_a_bad_date_range_is_explained(client, make_staff, db):
    client.force_login(make_staff(Role.AUDITOR))
    page = client.get(
        reverse("audit:search"), {"since": "2026-02-01", "until": "2026-01-01"}
    ).content.decode()
    assert "tidak boleh setelah" in page


@pytest.mark.parametrize(("since", "until"), [("0001-01-01", ""), ("", "9999-12-31")])
def test_days_at_the_ends_of_the_calendar_mean_no_bound(client, scene, make_staff, since, until):
    client.force_login(make_staff(Role.AUDITOR))
    response = client.get(reverse("audit:search"), {"since": since, "until": until})
    assert response.status_code == 200 and "document.downloaded" in response.content.decode()


def test_employees_see_who_accessed_their_documents(client, scene):
    client.force_login(scene["mine"].user)
    page = client.get(reverse("audit:my_access")).content.decode()
    assert "Dadang Verif" in page and "mengunduh" in page and "SK CPNS" in page
    client.force_login(scene["theirs"].user)
    page = client.get(reverse("audit:my_access")).content.decode()
    assert "Dadang Verif" not in page


def test_a_search_by_dates_alone_pages_newest_first_through_equal_instants(
    client, scene, make_staff, monkeypatch
):
    from datetime import date, timedelta

    from django.utils import timezone

    from asndigital.audit import selectors
    from asndigital.audit.models import AuditEvent

    auditor = make_staff(Role.AUDITOR)
    instant = timezone.now()
    monkeypatch.setattr(timezone, "now", lambda: instant)  # five events at one instant
    same = [record(None, "test.same_instant", scene["theirs"], n=n).pk for n in range(5)]
    # Recorded last but stamped earlier (a slow transaction): time order, not id order.
    monkeypatch.setattr(timezone, "now", lambda: instant - timedelta(seconds=1))
    late = record(None, "test.stamped_earlier", scene["theirs"])
    monkeypatch.undo()
    record(None, "test.later", scene["theirs"])
    today = timezone.localdate()
    dated = {"since": today - timedelta(days=1), "until": today + timedelta(days=1)}
    everything = list(
        AuditEvent.objects.order_by("-occurred_at", "-id").values_list("id", flat=True)
    )
    seen, before = [], None
    while True:
        page = list(selectors.search(auditor, **dated, before_id=before)[:2])
        if not page:
            break
        seen += [e.pk for e in page]
        before = page[-1].pk
    assert seen == everything and len(seen) == len(set(seen)) >= 8
    assert seen.index(late.pk) > max(seen.index(pk) for pk in same) and late.pk > max(same)
    # Nothing at all is outside the calendar's ends; a far date means no bound.
    assert selectors.search(auditor, since=date(1, 1, 1)).count() == len(everything)
    # With another filter the order stays by id, as before.
    ids = list(selectors.search(auditor, action="test.", **dated).values_list("id", flat=True))
    assert ids == sorted(ids, reverse=True)


def test_auditors_see_when_the_trail_was_last_checked_in_plain_words(client, make_staff):
    from asndigital.audit import chain
    from asndigital.schedule import runner
    from tests.helpers import tamper

    client.force_login(make_staff(Role.AUDITOR))
    page = client.get(reverse("audit:search")).content.decode()
    assert "sistem memeriksa secara berkala" in page
    assert "Terakhir diperiksa" not in page and "manage.py" not in page
    for n in range(3):
        record(None, "test.happened", None, number=n)
    chain.seal()
    assert runner.run_due(only={"verify_audit"}) == [("verify_audit", True)]
    page = client.get(reverse("audit:search")).content.decode()
    assert "Terakhir diperiksa pada" in page and ": utuh." in page
    tamper(
        "UPDATE audit_auditevent SET canonical = canonical || ' ' WHERE id = "
        "(SELECT event_id FROM audit_auditlink WHERE position = 2)"
    )
    later = timezone.now() + timedelta(days=1)
    assert runner.run_due(only={"verify_audit"}, now=later) == [("verify_audit", False)]
    page = client.get(reverse("audit:search")).content.decode()
    assert "menemukan bahwa jejak audit TIDAK utuh. Beri tahu pengelola sistem." in page
