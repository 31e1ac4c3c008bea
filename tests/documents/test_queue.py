"""The verifier's queue: what it holds (four eyes, scope), filters and counts, next, claims,
reasons for rejection, and the reads it records."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from asndigital.accounts.models import Role
from asndigital.audit.models import AuditEvent
from asndigital.core.errors import DomainError
from asndigital.documents import queue, queue_services, services
from asndigital.documents.models import Document, QueueClaim, ReasonTemplate
from tests.documents.queue_helpers import waiting_document
from tests.factories import EmployeeFactory, UnitFactory


@pytest.fixture
def catalogue(db):
    services.load_catalogue()


@pytest.fixture
def verifier(make_staff, agency):
    return make_staff(Role.VERIFIER, agency, full_name="Vera Verifikator")


@pytest.fixture
def second_verifier(make_staff, agency):
    return make_staff(Role.VERIFIER, agency, full_name="Wawan Kedua")


@pytest.fixture
def operator(make_staff, agency):
    return make_staff(Role.OPERATOR, agency, full_name="Oki Operator")


def ids(documents):
    return [d.pk for d in documents]


def queue_of(user, **params):
    return queue.page(user, queue.Filters.parse(params))


def test_the_queue_holds_the_agencys_waiting_documents_oldest_first(
    catalogue, agency, other_agency, verifier, operator
):
    a, b = EmployeeFactory(agency=agency), EmployeeFactory(agency=agency)
    newest = waiting_document(a, days=1)
    oldest = waiting_document(b, days=9)
    middle = waiting_document(a, code="ijazah", days=4, uploader=operator)
    decided = waiting_document(b, code="ijazah", days=20)
    Document.objects.filter(pk=decided.pk).update(status=Document.Status.ACCEPTED)
    waiting_document(EmployeeFactory(agency=other_agency), days=30)  # another agency's
    assert ids(queue_of(verifier)) == [oldest.pk, middle.pk, newest.pk]
    assert ids(queue_of(verifier, urut="baru")) == [newest.pk, middle.pk, oldest.pk]


def test_four_eyes_ones_own_uploads_and_dossier_are_never_offered(
    catalogue, agency, make_staff, client
):
    uploader = make_staff(Role.AGENCY_ADMIN, agency)  # may upload and verify
    colleague = EmployeeFactory(agency=agency)
    own_upload = waiting_document(colleague, uploader=uploader, days=5)
    own_employee = EmployeeFactory(agency=agency, user=uploader)
    own_dossier = waiting_document(own_employee, days=6)
    other = waiting_document(colleague, code="ijazah", days=1)
    assert ids(queue_of(uploader)) == [other.pk]
    assert queue.counts(uploader, queue.Filters())["total"] == 1
    assert queue.next_document(uploader, queue.Filters()).pk == other.pk
    assert queue.next_document(uploader, queue.Filters(), queue.Position.of(other)) is None
    client.force_login(uploader)
    for document in (own_upload, own_dossier):
        assert client.get(reverse("queue:item", args=[document.pk])).status_code == 404
        answer = client.post(reverse("queue:accept", args=[document.pk]))
        assert answer.status_code == 404
        document.refresh_from_db()
        assert document.status == Document.Status.WAITING


def test_filters_and_counts(catalogue, agency, verifier, operator):
    unit = UnitFactory(agency=agency)
    in_unit = EmployeeFactory(agency=agency, unit=unit)
    elsewhere = EmployeeFactory(agency=agency)
    sk = waiting_document(in_unit, days=10)  # Arsip Utama, self-uploaded
    skp = waiting_document(in_unit, code="realisasi-skp", days=2, uploader=operator)
    mutasi = waiting_document(elsewhere, code="sk-pindah-instansi", days=8, uploader=operator)
    ijazah = waiting_document(elsewhere, code="ijazah", minutes=5)
    everything = queue.counts(verifier, queue.Filters())
    assert everything == {
        "total": 4,
        "all": 4,
        "utama": 2,
        "kondisional": 1,
        "pendukung": 1,
    }
    assert ids(queue_of(verifier, unit=str(unit.pk))) == [sk.pk, skp.pk]
    assert ids(queue_of(verifier, jenis=str(sk.doc_type_id))) == [sk.pk]
    assert ids(queue_of(verifier, kelompok="utama")) == [sk.pk, ijazah.pk]
    assert ids(queue_of(verifier, umur="7")) == [sk.pk, mutasi.pk]
    assert ids(queue_of(verifier, pengunggah=queue.SELF)) == [sk.pk, ijazah.pk]
    assert ids(queue_of(verifier, pengunggah=str(operator.pk))) == [mutasi.pk, skp.pk]
    # The group tabs count what each would show under the other filters.
    narrowed = queue.counts(verifier, queue.Filters.parse({"umur": "7", "kelompok": "utama"}))
    assert narrowed == {"total": 1, "all": 2, "utama": 1, "kondisional": 1, "pendukung": 0}


def test_a_bad_filter_is_named_and_ignored(catalogue, agency, verifier, client):
    document = waiting_document(EmployeeFactory(agency=agency), days=1)
    client.force_login(verifier)
    answer = client.get(reverse("queue:list"), {"umur": "5", "jenis": "x'; drop", "urut": "z"})
    assert answer.status_code == 200
    text = answer.content.decode()
    for name in ("umur", "jenis", "urut"):
        assert f"“{name}”" in text
    assert [r.pk for r in answer.context["rows"]] == [document.pk]


def test_the_queue_page_shows_counts_and_claims(
    catalogue, agency, verifier, second_verifier, client
):
    first = waiting_document(EmployeeFactory(agency=agency), days=3)
    waiting_document(EmployeeFactory(agency=agency), code="realisasi-skp", days=1)
    queue_services.claim(actor=second_verifier, document=first)
    client.force_login(verifier)
    text = client.get(reverse("queue:list")).content.decode()
    assert "2 dokumen menunggu keputusan Anda" in text
    assert "sedang diperiksa oleh Wawan Kedua sejak" in text


def test_the_queue_page_costs_the_same_queries_for_3_or_30_rows(
    catalogue, agency, verifier, operator, client, django_assert_num_queries
):
    client.force_login(verifier)
    url = reverse("queue:list")
    client.get(url)  # the session's first request saves it; pin the ones after

    def add(n):
        for i in range(n):
            employee = EmployeeFactory(agency=agency, unit=UnitFactory(agency=agency))
            document = waiting_document(employee, days=i, uploader=operator if i % 2 else None)
            if i % 3 == 0:
                queue_services.claim(actor=operator_as_verifier, document=document)

    operator_as_verifier = verifier.__class__.objects.create(username="v2", full_name="V Dua")
    from tests.factories import grant

    grant(operator_as_verifier, Role.VERIFIER, agency)
    add(3)
    # session, user, grants, rows, counts (all, minus own uploads), units, types, uploaders,
    # the name in the top bar
    with django_assert_num_queries(10):
        assert len(client.get(url).context["rows"]) == 3
    add(27)
    with django_assert_num_queries(10):
        assert len(client.get(url).context["rows"]) == 30


def test_next_goes_on_after_the_current_one_and_skips_others_claims(
    catalogue, agency, verifier, second_verifier, client, django_assert_num_queries
):
    employee = EmployeeFactory(agency=agency)
    docs = [
        waiting_document(employee, code=c, days=9 - i)
        for i, c in enumerate(["sk-cpns", "ijazah", "transkrip", "drh"])
    ]
    queue_services.claim(actor=second_verifier, document=docs[1])
    client.force_login(verifier)
    client.get(reverse("queue:list"))
    position = queue.Position.of(docs[0]).token()
    # session, user, grants, the document being left, giving back its claim, the next one
    with django_assert_num_queries(6):
        answer = client.post(reverse("queue:next"), {"setelah": position})
    assert answer.url == reverse("queue:item", args=[docs[2].pk])
    # GET from the start: the oldest free one
    answer = client.get(reverse("queue:next"))
    assert answer.url == reverse("queue:item", args=[docs[0].pk])
    # At the end it starts again from the top, never offering the one being left.
    found = queue.next_document(verifier, queue.Filters(), queue.Position.of(docs[3]))
    assert found.pk == docs[0].pk


def test_opening_a_document_claims_it_and_others_see_who(
    catalogue, agency, verifier, second_verifier, client
):
    document = waiting_document(EmployeeFactory(agency=agency), days=2)
    client.force_login(verifier)
    answer = client.get(reverse("queue:item", args=[document.pk]))
    assert answer.status_code == 200 and answer.context["mine"]
    claim = QueueClaim.objects.get(document=document)
    assert claim.claimed_by == verifier
    # The other verifier: shown who holds it, offered no decision, and their "next" skips it.
    client.force_login(second_verifier)
    answer = client.get(reverse("queue:item", args=[document.pk]))
    text = answer.content.decode()
    assert "Sedang diperiksa oleh Vera Verifikator sejak" in text
    assert 'id="accept-form"' not in text
    assert queue.next_document(second_verifier, queue.Filters()) is None
    # Their decision is refused with a clear message and changes nothing.
    before = AuditEvent.objects.count()
    answer = client.post(reverse("queue:accept", args=[document.pk]))
    document.refresh_from_db()
    assert document.status == Document.Status.WAITING
    assert AuditEvent.objects.count() == before
    answer = client.get(answer.url)
    assert "Sedang diperiksa oleh Vera Verifikator" in answer.content.decode()
    # Through the document page and the service too: the rule is in the decision itself.
    with pytest.raises(DomainError) as refused:
        services.reject_document(actor=second_verifier, document=document, reason="x")
    assert refused.value.code == "claimed"


def test_a_claim_expires_and_the_decision_releases_it(
    catalogue, agency, verifier, second_verifier, settings
):
    settings.ASN_QUEUE_CLAIM_MINUTES = 10
    document = waiting_document(EmployeeFactory(agency=agency), days=2)
    long_ago = timezone.now() - timedelta(minutes=11)
    held = queue_services.claim(actor=verifier, document=document, now=long_ago)
    assert held.claimed_by == verifier
    # Expired: the other verifier takes it over, and the first cannot take it back.
    assert queue_services.claim(actor=second_verifier, document=document).claimed_by == (
        second_verifier
    )
    assert queue_services.claim(actor=verifier, document=document).claimed_by == second_verifier
    # Renewing keeps since when it is held.
    claimed_at = QueueClaim.objects.get(document=document).claimed_at
    renewed = queue_services.claim(actor=second_verifier, document=document)
    assert renewed.claimed_at == claimed_at and renewed.expires_at > claimed_at
    services.accept_document(actor=second_verifier, document=document)
    assert not QueueClaim.objects.filter(document=document).exists()


def test_a_claim_taken_by_another_process_a_moment_ago_is_theirs(
    catalogue, agency, verifier, second_verifier
):
    """The INSERT that loses (the row appeared between the UPDATE and the INSERT) answers with
    the winner's claim instead of failing."""
    document = waiting_document(EmployeeFactory(agency=agency), days=2)
    original = QueueClaim.objects.filter

    def racing_filter(*args, **kwargs):
        found = original(*args, **kwargs)
        if not QueueClaim.objects.all().exists() and "expires_at__gt" not in kwargs:
            QueueClaim.objects.create(
                document=document,
                claimed_by=second_verifier,
                expires_at=timezone.now() + timedelta(minutes=10),
            )
        return found

    QueueClaim.objects.filter = racing_filter
    try:
        held = queue_services.claim(actor=verifier, document=document)
    finally:
        QueueClaim.objects.filter = original
    assert held.claimed_by == second_verifier


def test_skipping_gives_the_claim_back(catalogue, agency, verifier, client):
    first = waiting_document(EmployeeFactory(agency=agency), days=2)
    second = waiting_document(EmployeeFactory(agency=agency), days=1)
    client.force_login(verifier)
    client.get(reverse("queue:item", args=[first.pk]))
    answer = client.post(reverse("queue:next"), {"setelah": queue.Position.of(first).token()})
    assert answer.url == reverse("queue:item", args=[second.pk])
    assert not QueueClaim.objects.filter(document=first).exists()


def test_renewing_answers_for_the_script(catalogue, agency, verifier, second_verifier, client):
    document = waiting_document(EmployeeFactory(agency=agency), days=2)
    client.force_login(verifier)
    answer = client.post(reverse("queue:renew", args=[document.pk])).json()
    assert answer["held"] is True
    client.force_login(second_verifier)
    answer = client.post(reverse("queue:renew", args=[document.pk])).json()
    assert answer["held"] is False and "Vera Verifikator" in answer["message"]


def test_accepting_in_the_queue_opens_the_next_document(catalogue, agency, verifier, client):
    first = waiting_document(EmployeeFactory(agency=agency), days=2)
    second = waiting_document(EmployeeFactory(agency=agency), days=1)
    client.force_login(verifier)
    answer = client.post(reverse("queue:accept", args=[first.pk]), {"kelompok": "utama"})
    assert answer.url == reverse("queue:item", args=[second.pk]) + "?kelompok=utama"
    first.refresh_from_db()
    assert first.status == Document.Status.ACCEPTED
    answer = client.post(reverse("queue:reject", args=[second.pk]), {"reason": "Buram"})
    assert answer.url == reverse("queue:list")
    second.refresh_from_db()
    assert second.status == Document.Status.REJECTED
    assert second.events.get(kind="rejected").reason == "Buram"


def test_opening_a_document_records_the_read(catalogue, agency, verifier, client):
    document = waiting_document(EmployeeFactory(agency=agency), days=2)
    client.force_login(verifier)
    client.get(reverse("queue:item", args=[document.pk]))
    event = AuditEvent.objects.filter(action="employee.viewed").get()
    assert event.employee_id == document.employee_id and event.actor_id == verifier.pk
    assert f'"document":"{document.pk}"' in event.canonical.replace(" ", "")


# --- Reasons for rejection ----------------------------------------------------------------------


def test_reason_templates_are_the_agencys_own(
    catalogue, agency, other_agency, agency_admin, make_staff, verifier, client
):
    client.force_login(agency_admin)
    answer = client.post(reverse("queue:reasons"), {"text": "  Dokumen  tidak terbaca. "})
    assert answer.status_code == 302
    template = ReasonTemplate.objects.get()
    assert (template.agency, template.text) == (agency, "Dokumen tidak terbaca.")
    # A duplicate is refused with a message and nothing changes.
    answer = client.post(reverse("queue:reasons"), {"text": "Dokumen tidak terbaca."}, follow=True)
    assert "sudah ada" in answer.content.decode()
    assert ReasonTemplate.objects.count() == 1
    # Another agency's admin neither sees nor removes it; a verifier does not manage them.
    admin_b = make_staff(Role.AGENCY_ADMIN, other_agency)
    client.force_login(admin_b)
    assert "Dokumen tidak terbaca." not in client.get(reverse("queue:reasons")).content.decode()
    answer = client.post(reverse("queue:remove_reason", args=[template.pk]))
    assert answer.status_code == 404 and ReasonTemplate.objects.count() == 1
    client.force_login(verifier)
    assert client.get(reverse("queue:reasons")).status_code == 404
    # B's template cannot be used on A's document.
    foreign = ReasonTemplate.objects.create(agency=other_agency, text="Asing", created_by=admin_b)
    document = waiting_document(EmployeeFactory(agency=agency), days=1)
    answer = client.post(
        reverse("queue:reject", args=[document.pk]), {"template": foreign.pk}, follow=True
    )
    assert "tidak ada lagi di daftar" in answer.content.decode()
    document.refresh_from_db()
    assert document.status == Document.Status.WAITING
    # A's own template, with more words of the verifier's own.
    answer = client.post(
        reverse("queue:reject", args=[document.pk]),
        {"template": template.pk, "reason": "Halaman 2 hilang."},
    )
    document.refresh_from_db()
    assert document.status == Document.Status.REJECTED
    assert document.events.get(kind="rejected").reason == (
        "Dokumen tidak terbaca. Halaman 2 hilang."
    )


def test_the_agency_admin_removes_a_reason(catalogue, agency, agency_admin, client):
    template = queue_services.add_reason_template(actor=agency_admin, agency=agency, text="Buram")
    client.force_login(agency_admin)
    answer = client.post(reverse("queue:remove_reason", args=[template.pk]))
    assert answer.status_code == 302 and not ReasonTemplate.objects.exists()
    assert AuditEvent.objects.filter(action="reason_template.removed").count() == 1


def test_a_rejection_needs_a_reason_in_the_queue(catalogue, agency, verifier, client):
    document = waiting_document(EmployeeFactory(agency=agency), days=1)
    client.force_login(verifier)
    answer = client.post(reverse("queue:reject", args=[document.pk]), {"reason": "  "})
    assert answer.url == reverse("queue:item", args=[document.pk])
    document.refresh_from_db()
    assert document.status == Document.Status.WAITING


# --- Figures ----------------------------------------------------------------------------------


def test_the_figures_count_the_queue_and_the_decisions(
    catalogue, agency, other_agency, verifier, second_verifier
):
    employee = EmployeeFactory(agency=agency)
    documents = [
        waiting_document(employee, code=code, days=days)
        for code, days in (("sk-cpns", 9), ("ijazah", 5), ("transkrip", 3), ("drh", 1))
    ]
    waiting_document(EmployeeFactory(agency=other_agency), days=40)  # not this agency's
    services.accept_document(actor=verifier, document=documents[0])  # after 9 days
    services.reject_document(actor=second_verifier, document=documents[1], reason="Buram")
    figures = queue.figures(agency.pk)
    assert figures["waiting"] == 2
    assert figures["oldest_waiting_days"] == 3
    # Waiting since 3 and 1 days ago: the median is 2 days.
    assert abs(figures["median_waiting"] - timedelta(days=2)) < timedelta(minutes=1)
    assert figures["decided"] == 2
    # Decided after 9 and 5 days: the median is 7 days.
    assert abs(figures["median_upload_to_decision"] - timedelta(days=7)) < timedelta(minutes=1)
    assert [(v["name"], v["days"][-1], v["total"]) for v in figures["verifiers"]] == [
        ("Vera Verifikator", 1, 1),
        ("Wawan Kedua", 1, 1),
    ]
    assert figures["corrections"] == {"open": 0, "oldest_days": None}  # none asked yet


def test_the_agency_dashboard_shows_the_verification_figures(
    catalogue, agency, agency_admin, client
):
    waiting_document(EmployeeFactory(agency=agency), days=4)
    client.force_login(agency_admin)
    text = client.get(reverse("dashboards:agency", args=[agency.pk])).content.decode()
    assert "Verifikasi (saat ini)" in text
    assert "Menunggu di antrean" in text


# --- API ------------------------------------------------------------------------------------------


def test_the_api_lists_the_queue_page_by_page_and_records_the_read(
    catalogue, agency, verifier, second_verifier, client
):
    documents = [waiting_document(EmployeeFactory(agency=agency), days=5 - i) for i in range(3)]
    queue_services.claim(actor=second_verifier, document=documents[0])
    client.force_login(verifier)
    first = client.get("/api/v1/queue", {"limit": 2}).json()
    assert first["total"] == 3
    assert [r["id"] for r in first["results"]] == [str(d.pk) for d in documents[:2]]
    assert first["results"][0]["claimed_by"] == "Wawan Kedua"
    second = client.get("/api/v1/queue", {"limit": 2, "after": first["next"]}).json()
    assert [r["id"] for r in second["results"]] == [str(documents[2].pk)]
    assert second["next"] is None
    assert AuditEvent.objects.filter(action="queue.listed").count() == 2
    bad = client.get("/api/v1/queue", {"min_days": "5"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_request"


def test_a_decision_through_the_api_respects_the_claim(
    catalogue, agency, verifier, second_verifier, client
):
    document = waiting_document(EmployeeFactory(agency=agency), days=1)
    queue_services.claim(actor=second_verifier, document=document)
    client.force_login(verifier)
    answer = client.post(f"/api/v1/documents/{document.pk}/accept")
    assert answer.status_code == 400 and answer.json()["code"] == "claimed"
    assert "Wawan Kedua" in answer.json()["message"]
    document.refresh_from_db()
    assert document.status == Document.Status.WAITING


def test_the_api_gives_the_figures(catalogue, agency, agency_admin, client):
    waiting_document(EmployeeFactory(agency=agency), days=4)
    client.force_login(agency_admin)
    answer = client.get("/api/v1/queue/figures", {"agency": agency.code}).json()
    assert answer["waiting"] == 1 and answer["oldest_waiting_days"] == 4
    assert answer["open_corrections"] == {"open": 0, "oldest_days": None}


def test_a_page_past_the_end_shows_the_last_one(catalogue, agency, verifier, client):
    document = waiting_document(EmployeeFactory(agency=agency), days=1)
    client.force_login(verifier)
    for page in ("99", "0", "x"):
        answer = client.get(reverse("queue:list"), {"halaman": page})
        assert [r.pk for r in answer.context["rows"]] == [document.pk]
