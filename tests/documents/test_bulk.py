import io
import zipfile

import pytest

from asndigital.accounts.models import Role
from asndigital.core.errors import DomainError
from asndigital.documents import services
from asndigital.documents.bulk import upload_many, zip_entries
from asndigital.documents.models import Document
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory


@pytest.fixture
def world(agency, other_agency, make_staff, db):
    services.load_catalogue()
    mine = EmployeeFactory(agency=agency)
    theirs = EmployeeFactory(agency=other_agency)
    return make_staff(Role.OPERATOR, agency), mine, theirs


def loose(*items):
    return [(name, iter([content]), "") for name, content in items]


def test_a_batch_maps_names_to_employees_and_types(world):
    operator, mine, theirs = world
    batch = loose(
        (f"{mine.nip}_sk-cpns.pdf", pdf_bytes(1)),
        (f"{mine.nip}_888.pdf", pdf_bytes(2)),  # SIASN code of the SPMT
        ("199001012015011999_sk-cpns.pdf", pdf_bytes(3)),
        (f"{theirs.nip}_sk-cpns.pdf", pdf_bytes(4)),
        (f"{mine.nip}_sk-rahasia.pdf", pdf_bytes(5)),
        (f"{mine.nip}_ijazah.pdf", b"not a pdf"),
        ("surat lamaran.pdf", pdf_bytes(6)),
    )
    statuses = [o.status for o in upload_many(actor=operator, files=batch, source="scan")]
    assert statuses == [
        "stored",
        "stored",
        "unknown_nip",
        "unknown_nip",  # another agency's NIP looks exactly like a missing one
        "unknown_code",
        "invalid_file",
        "proposed",  # named otherwise: held while its text is read (test_bulk_matching)
    ]
    assert sorted(Document.objects.values_list("doc_type__code", flat=True)) == ["sk-cpns", "spmt"]
    again = upload_many(
        actor=operator, files=loose((f"{mine.nip}_sk-cpns.pdf", pdf_bytes(1))), source="scan"
    )
    assert again[0].status == "duplicate"  # the same batch twice stores nothing twice
    assert Document.objects.count() == 2


def make_zip(entries, compression=zipfile.ZIP_DEFLATED):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=compression) as archive:
        for name, data in entries:
            archive.writestr(name, data)
    return out.getvalue()


def test_zip_entries_use_base_names_and_refuse_bombs(world, tmp_path):
    operator, mine, _ = world
    path = tmp_path / "batch.zip"
    path.write_bytes(
        make_zip(
            [
                (
                    f"../../etc/{mine.nip}_sk-cpns.pdf",
                    pdf_bytes(1),
                ),  # path trick: only the name counts
                (f"folder/{mine.nip}_drh.pdf", b"\x00" * 5_000_000),  # compresses 1000:1
            ]
        )
    )
    outcomes = upload_many(actor=operator, files=zip_entries(path), source="digital")
    assert [(o.name, o.status) for o in outcomes] == [
        (f"{mine.nip}_sk-cpns.pdf", "stored"),
        (f"{mine.nip}_drh.pdf", "invalid_file"),
    ]
    assert "bomb" in outcomes[1].message.lower() or "dimampatkan" in outcomes[1].message


def test_a_damaged_zip_is_refused_as_a_whole(tmp_path, db):
    path = tmp_path / "broken.zip"
    path.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(DomainError) as caught:
        list(zip_entries(path))
    assert caught.value.code == "bad_zip"


def test_the_bulk_page_shows_a_row_per_file(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    operator, mine, _ = world
    client.force_login(operator)
    url = reverse("personnel:bulk_upload")
    assert client.get(url).status_code == 200
    batch = make_zip([(f"{mine.nip}_drh.pdf", pdf_bytes(7))])
    response = client.post(
        url,
        {
            "source": "scan",
            "files": [
                SimpleUploadedFile(f"{mine.nip}_sk-cpns.pdf", pdf_bytes(1)),
                SimpleUploadedFile("batch.zip", batch),
                SimpleUploadedFile("salah nama.pdf", pdf_bytes(2)),
            ],
        },
    )
    page = response.content.decode()
    assert page.count("bulk-stored") >= 2 and "salah nama.pdf" in page
    assert Document.objects.count() == 2


def test_the_bulk_page_is_missing_for_people_who_cannot_upload(client, world, agency, make_staff):
    from django.urls import reverse

    client.force_login(make_staff(Role.VERIFIER, agency))
    assert client.get(reverse("personnel:bulk_upload")).status_code == 404
