"""Hostile values around the files: metadata (overlong, control characters, markup, impossible
and far-away dates, wrong JSON types), document types, sources, NIPs in URLs and bulk names, and
rejection reasons. Each is refused with its reason and changes nothing, or is stored and shown
as text."""

import json
from html import escape

import pytest
from django.test import Client
from django.urls import reverse

from asndigital.accounts.models import Role
from asndigital.documents import services
from asndigital.documents.models import Document, DocumentType, DocumentVersion
from asndigital.records import services as records
from asndigital.records.models import RetentionSchedule
from tests.hostile.corpus import BAD_NAME, MESSAGES, good_pdf, image
from tests.hostile.helpers import (
    CSRF_SECRET,
    META,
    NIP,
    api_upload,
    assert_nothing_left,
    assert_only_the_file_held,
    browser,
    post_form,
    upload_page,
)

TOO_LONG = "Pastikan nilai ini mengandung paling banyak 200 karakter"
NOT_VALID = "Nomor SK tidak valid."
NOT_A_DATE = "harus berupa tanggal (DD-MM-YYYY)."
OUT_OF_RANGE = "harus berupa tanggal antara 1900 dan 2100."
NOT_REAL = "bukan tanggal yang ada"  # a date in the right format that cannot exist, and why
MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def label(value) -> str:
    """A short test id, whatever the value holds."""
    text = ascii(value)
    return text if len(text) <= 40 else f"{text[:30]}...({len(text)} chars)"


# --- Metadata on the upload page --------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("nomor_sk", "8" * 201, TOO_LONG),
        ("nomor_sk", "8" * 100_000, TOO_LONG),
        ("nomor_sk", "", "Nomor SK wajib diisi."),
        ("nomor_sk", " \t ", "Nomor SK wajib diisi."),
        ("nomor_sk", "813\x00/2015", "Karakter null tidak diizinkan."),
        ("nomor_sk", "813\x07/2015", NOT_VALID),
        ("nomor_sk", "813\x1b[2J/2015", NOT_VALID),
        ("nomor_sk", "813\x7f/2015", NOT_VALID),
        ("nomor_sk", "813\x85/2015", NOT_VALID),  # a C1 control (NEL)
        ("nomor_sk", "813/\u202eKEP/2015", NOT_VALID),  # shows reversed: Trojan Source
        ("nomor_sk", "813/\u2066KEP\u2069/2015", NOT_VALID),
        ("tanggal_sk", "30-02-2026", f"30-02-2026 {NOT_REAL} (Februari 2026 hanya 28 hari)."),
        ("tanggal_sk", "2026-02-30", f"2026-02-30 {NOT_REAL} (Februari 2026 hanya 28 hari)."),
        ("tanggal_sk", "00-00-0000", NOT_A_DATE),  # year 0
        ("tanggal_sk", "01-01-0000", NOT_A_DATE),  # year 0
        ("tanggal_sk", "0000-01-01", NOT_A_DATE),
        ("tanggal_sk", "99-99-9999", f"99-99-9999 {NOT_REAL} (tidak ada bulan 99)."),
        ("tanggal_sk", "2-3-2015", NOT_A_DATE),
        ("tanggal_sk", "2015-03-02T00:00:00", NOT_A_DATE),
        ("tanggal_sk", "kemarin", NOT_A_DATE),
        ("tanggal_sk", "01-01-0001", OUT_OF_RANGE),
        ("tanggal_sk", "31-12-1899", OUT_OF_RANGE),
        ("tmt", "31-12-9999", OUT_OF_RANGE),  # far future
        ("tmt", "01-01-2101", OUT_OF_RANGE),
    ],
    ids=label,
)
def test_a_hostile_metadata_value_is_refused_on_the_upload_page(world, field, value, message):
    response = upload_page(world, "sk-cpns", "sk.pdf", good_pdf(), **{field: value})
    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    assert_only_the_file_held(world)  # the good file waits for the corrected value


@pytest.mark.parametrize(
    ("field", "value", "stored"),
    [
        ("tanggal_sk", "02-03-2015", "2015-03-02"),
        ("tanggal_sk", "2015-03-02", "2015-03-02"),
        ("tanggal_sk", "02/03/2015", "2015-03-02"),
        ("tanggal_sk", "01-01-1900", "1900-01-01"),
        ("tmt", "31-12-2100", "2100-12-31"),
        ("tanggal_sk", "２９-０２-２０２４", "2024-02-29"),  # full-width digits are digits
        ("nomor_sk", "  813/KEP/2015  ", "813/KEP/2015"),
        ("nomor_sk", "Nomor: 813/KEP-ÄÖ/2015 — ✓", "Nomor: 813/KEP-ÄÖ/2015 — ✓"),
        ("nomor_sk", "8" * 200, "8" * 200),
    ],
    ids=label,
)
def test_edge_values_that_are_fine_are_stored_as_they_mean(world, field, value, stored):
    response = upload_page(world, "sk-cpns", "sk.pdf", good_pdf(), **{field: value})
    assert response.status_code == 302
    assert DocumentVersion.objects.get().metadata[field] == stored


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"source": "javascript:alert(1)"}, "Masukkan pilihan yang valid."),
        ({"source": ""}, "Sebutkan apakah dokumen ini hasil pindai atau dokumen elektronik asli."),
        ({"type": "<script>alert(1)</script>"}, "Dokumen apa yang akan diunggah?"),
        ({"type": "sk-pppk"}, "Dokumen apa yang akan diunggah?"),  # not a type for a PNS
    ],
    ids=label,
)
def test_hostile_choices_on_the_upload_page_change_nothing(world, fields, message):
    client = browser(world.operator)
    url = reverse("personnel:upload_document", args=[world.employee.pk])
    data = {
        "type": "sk-cpns",
        "source": "scan",
        **{f"meta_{k}": v for k, v in META["sk-cpns"].items()},
    }
    response = post_form(client, url, {**data, **fields}, [("file", "sk.pdf", good_pdf())])
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page and "<script>alert(1)</script>" not in page
    if "source" in fields:
        assert_only_the_file_held(world)  # the good file waits for the form's correction
    else:
        assert_nothing_left(world)  # no document type: no form, and nothing to hold


def test_markup_in_every_text_field_is_stored_and_shown_as_text(world, make_staff, agency):
    verifier = make_staff(Role.VERIFIER, agency)
    certificate = upload_page(
        world,
        "sertifikat-diklat",
        "s.png",
        image("PNG"),
        nama_kegiatan=MARKUP,
        institusi=MARKUP + " 2",
    )
    decree = upload_page(
        world, "sk-cpns", "sk.pdf", good_pdf(), nomor_sk=MARKUP, pejabat_penetap=MARKUP + " 3"
    )
    assert (certificate.status_code, decree.status_code) == (302, 302)
    sk = Document.objects.get(doc_type__code="sk-cpns")
    rejected = Document.objects.get(doc_type__code="sertifikat-diklat")
    services.reject_document(actor=verifier, document=rejected, reason=MARKUP + " alasan")
    services.accept_document(actor=verifier, document=sk)
    code = DocumentVersion.objects.get(document=sk).verification_code
    reader = browser(world.operator)
    pages = {
        "document": reader.get(reverse("documents:detail", args=[sk.pk])),
        "rejected document": reader.get(reverse("documents:detail", args=[rejected.pk])),
        "dossier": reader.get(reverse("personnel:employee_detail", args=[world.employee.pk])),
        "public verification": Client().get(reverse("verification:check", args=[code])),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        page = response.content.decode()
        assert "<script>alert(" not in page and "<img src=x" not in page, name
        assert escape(MARKUP) in page, name


# --- Metadata and fields through the API ------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "code", "message"),
    [
        ({"metadata": "[]"}, "metadata", "objek JSON"),
        ({"metadata": '"nomor"'}, "metadata", "objek JSON"),
        ({"metadata": "null"}, "metadata", "objek JSON"),
        ({"metadata": "1e999"}, "metadata", "objek JSON"),
        ({"metadata": "{"}, "metadata", "objek JSON"),
        ({"metadata": "[" * 100_000 + "]" * 100_000}, "metadata", "objek JSON"),
        ({"metadata": '{"nomor_sk": {"$gt": ""}}'}, "metadata", NOT_VALID),
        ({"metadata": '{"nomor_sk": ["813"]}'}, "metadata", NOT_VALID),
        ({"metadata": '{"nomor_sk": true}'}, "metadata", NOT_VALID),
        ({"metadata": '{"nomor_sk": NaN}'}, "metadata", NOT_VALID),
        ({"metadata": '{"nomor_sk": "x\\u0000y"}'}, "metadata", NOT_VALID),
        ({"metadata": '{"nomor_sk": "x\\u202ey"}'}, "metadata", NOT_VALID),
        (
            {"metadata": json.dumps({**META["sk-cpns"], "tanggal_sk": 20150302})},
            "metadata",
            NOT_A_DATE,
        ),
        (
            {"metadata": json.dumps({**META["sk-cpns"], "tmt": "9999-12-31"})},
            "metadata",
            OUT_OF_RANGE,
        ),
        ({"metadata": json.dumps({"nomor_sk": "8" * 201})}, "metadata", NOT_VALID),
        ({"metadata": "{}"}, "metadata", "Nomor SK wajib diisi."),
        ({"type": ""}, "unknown_type", "Jenis dokumen tidak dikenal."),
        ({"type": "SK-CPNS"}, "unknown_type", "Jenis dokumen tidak dikenal."),
        ({"type": "²"}, "unknown_type", "Jenis dokumen tidak dikenal."),
        ({"type": "٨٨٩"}, "unknown_type", "Jenis dokumen tidak dikenal."),  # 889, Arabic
        ({"type": "9" * 40}, "unknown_type", "Jenis dokumen tidak dikenal."),
        ({"type": "sk-cpns\x00"}, "unknown_type", "Jenis dokumen tidak dikenal."),
        ({"type": "<script>"}, "unknown_type", "Jenis dokumen tidak dikenal."),
        ({"source": "javascript:"}, "source", "Sebutkan apakah dokumen ini"),
        ({"source": "scan\x00"}, "source", "Sebutkan apakah dokumen ini"),
        ({"type": "sk-pppk"}, "type_not_applicable", "tidak berlaku"),
    ],
    ids=label,
)
def test_a_hostile_field_in_an_api_upload_is_refused(world, fields, code, message):
    response = api_upload(world, "sk-cpns", "sk.pdf", good_pdf(), **fields)
    assert (response.status_code, response.json()["code"]) == (400, code), response.json()
    assert message in response.json()["message"]
    assert_nothing_left(world)


@pytest.mark.parametrize(
    ("fields", "stored"),
    [
        ({"metadata": json.dumps({**META["sk-cpns"], "nomor_sk": 813})}, {"nomor_sk": "813"}),
        ({"metadata": json.dumps({**META["sk-cpns"], "tmt": "2015-03-01"})}, {"tmt": "2015-03-01"}),
        ({"metadata": json.dumps({**META["sk-cpns"], "__proto__": {"x": 1}})}, {}),
        ({"type": "889"}, {}),  # the SIASN code of the SK CPNS
    ],
    ids=label,
)
def test_odd_but_meaningful_api_fields_are_stored(world, fields, stored):
    response = api_upload(world, "sk-cpns", "sk.pdf", good_pdf(), **fields)
    assert response.status_code == 201, response.json()
    metadata = DocumentVersion.objects.get().metadata
    assert metadata.items() >= stored.items() and "__proto__" not in metadata


def test_a_metadata_field_larger_than_django_reads_is_a_json_400(world):
    response = api_upload(world, "sk-cpns", "sk.pdf", good_pdf(), metadata="x" * 3_000_000)
    assert (response.status_code, response.json()["code"]) == (400, "bad_request")
    assert "Permintaan tidak dapat dibaca" in response.json()["message"]
    assert_nothing_left(world)


@pytest.mark.parametrize(
    "nip",
    [
        "19900101201503100",  # 17 digits
        "1990010120150310011",  # 19 digits
        "19900101201503100A",
        "199001012015031OO1",  # letter O for zero
        "１９９００１０１２０１５０３１００１",  # full-width digits
        "١٩٩٠٠١٠١٢٠١٥٠٣١٠٠١",  # Arabic-Indic digits
        "199013012015031001",  # month 13 in the birth date
        "199001012015131001",  # month 13 in the appointment
        "9" * 5000,
        "' OR '1'='1",
    ],
    ids=label,
)
def test_a_nip_that_is_no_employee_s_is_a_404_everywhere(world, nip):
    response = api_upload(world, "sk-cpns", "sk.pdf", good_pdf(), nip=nip)
    assert (response.status_code, response.json()["code"]) == (404, "not_found")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {world.token}")
    for path in (f"/api/v1/employees/{nip}", f"/api/v1/employees/{nip}/documents"):
        assert api.get(path).status_code == 404
    assert_nothing_left(world)


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/employees/{NIP}%00",
        f"/api/v1/employees/{NIP}%00/documents",
        "/api/v1/employees?q=%00",
        "/api/v1/reports/missing?agency=KOTA-A&unit=%00",
        "/api/v1/reports/missing?agency=KOTA-A&after=%00",
        "/api/v1/reports/missing?agency=%00",
        "/api/v1/audit/events?actor=%00",
        "/api/v1/audit/events?nip=%00",
        "/api/v1/catalogue?%00=1",
        "/pegawai/?q=%00",
        "/pegawai/laporan-kekurangan-berkas/?unit=%00",
        "/jejak-audit/?actor=%00",
        "/verifikasi/%00/",
    ],
)
def test_a_nul_in_an_address_is_a_400_everywhere(world, path):
    """PostgreSQL cannot compare text holding NUL: such an address never reaches a query."""
    api = Client(HTTP_AUTHORIZATION=f"Bearer {world.token}")
    response = (api if path.startswith("/api/") else browser(world.admin)).get(path)
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.json()["code"] == "bad_request"
        assert "karakter kontrol yang tak terlihat" in response.json()["message"]
    else:
        assert "karakter kontrol yang tak terlihat" in response.content.decode()


def test_the_grouped_nip_with_spaces_is_the_employee(world):
    response = api_upload(world, "sk-cpns", "sk.pdf", good_pdf(), nip="19900101%20201503%201%20001")
    assert response.status_code == 201


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("19900101201503100_sk-cpns.pdf", BAD_NAME),
        ("1990010120150310011_sk-cpns.pdf", BAD_NAME),
        ("19900101201503100A_sk-cpns.pdf", BAD_NAME),
        ("19900101 201503 1 001_sk-cpns.pdf", BAD_NAME),
        ("199013012015031001_sk-cpns.pdf", "unknown_nip"),  # month 13: nobody's NIP
        ("１９９００１０１２０１５０３１００１_sk-cpns.pdf", "unknown_nip"),
        (f"{NIP}_{'9' * 40}.pdf", "unknown_code"),  # larger than the SIASN code's column
        (f"{NIP}_99999.pdf", "unknown_code"),
        (f"{NIP}_889.pdf", "stored"),
    ],
    ids=label,
)
def test_nips_and_codes_in_bulk_names(world, name, status):
    response = post_form(
        browser(world.operator),
        reverse("personnel:bulk_upload"),
        {"source": "scan"},
        [("files", name, good_pdf())],
    )
    assert response.status_code == 200
    [outcome] = response.context["outcomes"]
    if status == BAD_NAME:  # not a name of the form: read and matched by its text instead
        assert outcome.status == "proposed"
        assert MESSAGES[BAD_NAME] in response.content.decode()
        assert_only_the_file_held(world)
    else:
        assert outcome.status == status
    if status not in ("stored", BAD_NAME):
        assert_nothing_left(world)


# --- Rejection reasons -------------------------------------------------------------------------


@pytest.fixture
def waiting(world, make_staff, agency):
    """A document waiting for the agency's verifier."""
    response = upload_page(world, "sk-cpns", "sk.pdf", good_pdf())
    assert response.status_code == 302
    return Document.objects.get(), make_staff(Role.VERIFIER, agency)


@pytest.mark.parametrize(
    ("reason", "message"),
    [
        ("", "Penolakan memerlukan alasan."),
        (" \n\t ", "Penolakan memerlukan alasan."),
        ("x" * 501, "paling banyak 500 karakter"),
        ("alasan\x00", "tidak valid"),
        ("alasan\x1b[2J", "tidak valid"),
        ("alasan \u202eterbalik", "tidak valid"),
    ],
    ids=label,
)
def test_a_hostile_rejection_reason_changes_nothing(waiting, reason, message):
    document, verifier = waiting
    person = browser(verifier)
    page = post_form(
        person,
        reverse("documents:reject", args=[document.pk]),
        {"reason": reason, "back": "document"},
        [],
    )
    assert page.status_code == 302
    document.refresh_from_db()
    assert document.status == Document.Status.WAITING
    assert message in person.get(page["Location"]).content.decode()
    response = person.post(  # the API, through the verifier's session (CSRF as a header)
        f"/api/v1/documents/{document.pk}/reject",
        json.dumps({"reason": reason}),
        content_type="application/json",
        headers={"X-CSRFToken": CSRF_SECRET},
    )
    assert response.status_code == 400 and message in response.json()["message"]
    document.refresh_from_db()
    assert document.status == Document.Status.WAITING


@pytest.mark.parametrize(
    "body",
    [
        '{"reason": 5}',
        '{"reason": null}',
        '{"reason": ["alasan"]}',
        '{"reason": {"$ne": ""}}',
        "[]",
        '"alasan"',
        "{}",
        "{",
        "[" * 100_000 + "]" * 100_000,
        "",
    ],
    ids=label,
)
def test_wrong_json_in_a_decision_is_a_422_and_changes_nothing(world, waiting, body):
    document, _verifier = waiting
    api = Client(HTTP_AUTHORIZATION=f"Bearer {world.token}")
    response = api.post(
        f"/api/v1/documents/{document.pk}/reject", body, content_type="application/json"
    )
    assert response.status_code in (400, 422), response.content
    assert response.json()["code"] == "invalid_request"
    assert response.json()["message"].startswith(("Permintaan tidak sah", "Isi permintaan bukan"))
    document.refresh_from_db()
    assert document.status == Document.Status.WAITING


# --- Impossible dates kept from earlier and the retention schedule ------------------------------


@pytest.mark.parametrize("year", ["0", "99999", "9999"])
def test_a_year_no_calendar_has_does_not_break_the_document_page(world, bkn_admin, year):
    records.create_schedule(
        actor=bkn_admin,
        series="realisasi-skp",
        data={
            "name": "SKP",
            "active_years": 5,
            "inactive_years": 5,
            "trigger": RetentionSchedule.Trigger.DOCUMENT_DATE,
            "disposition": RetentionSchedule.Disposition.DESTROY,
        },
    )
    services.upload_document(
        actor=world.operator,
        employee=world.employee,
        doc_type=DocumentType.objects.get(code="realisasi-skp"),
        chunks=[good_pdf()],
        original_name="skp.pdf",
        metadata={"tahun": year},
        source="scan",
    )
    document = Document.objects.get()
    response = browser(world.operator).get(reverse("documents:detail", args=[document.pk]))
    assert response.status_code == 200
