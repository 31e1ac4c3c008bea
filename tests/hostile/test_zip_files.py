"""Hostile ZIPs for the bulk upload: bombs, lies in the headers, damage, links, encryption,
paths, and too many files. A ZIP is refused whole (with its reason) or entry by entry (a row
each); nothing is ever written outside the storage's own keys, and never a 500."""

import io
import struct
import zipfile
from dataclasses import dataclass

import pytest
from django.urls import reverse

from asndigital.documents.models import DocumentVersion
from tests.hostile.corpus import BY_ID, good_pdf, image, pdf, png, zip_bytes
from tests.hostile.helpers import NIP, assert_nothing_left, browser, files_under, post_form

NAME = f"{NIP}_sk-cpns.pdf"
DAMAGED = "Isi ZIP ini rusak dan tidak dapat dibuka."


def _central(data: bytes) -> int:
    return data.index(b"PK\x01\x02")


def _patched(data: bytes, offset: int, fmt: str, value: int) -> bytes:
    out = bytearray(data)
    struct.pack_into(fmt, out, offset, value)
    return bytes(out)


def _one_entry(**options) -> bytes:
    return zip_bytes([(NAME, good_pdf())], **options)


def _declaring_4_gb() -> bytes:
    data = _one_entry()
    return _patched(data, _central(data) + 24, "<I", 0xFFFF_FFFE)  # uncompressed size


def _declaring_100_bytes() -> bytes:
    data = _one_entry()
    return _patched(data, _central(data) + 24, "<I", 100)


def _with_bad_crc() -> bytes:
    data = _one_entry()
    data = _patched(data, 14, "<I", 0xDEAD_BEEF)  # the local header's CRC-32
    return _patched(data, _central(data) + 16, "<I", 0xDEAD_BEEF)  # and the directory's


def _with_broken_deflate() -> bytes:
    data = bytearray(_one_entry())
    start = 30 + len(NAME)  # the compressed data follows the local header and the name
    data[start : start + 8] = b"\xff" * 8
    return bytes(data)


def _with_unknown_method() -> bytes:
    data = _one_entry()
    data = _patched(data, 8, "<H", 97)  # local header's compression method
    return _patched(data, _central(data) + 10, "<H", 97)


def _headers_disagreeing() -> bytes:
    data = bytearray(_one_entry())
    data[30] = ord("X")  # the local header's name; the directory still says NIP_...
    return bytes(data)


def _link() -> bytes:
    info = zipfile.ZipInfo(NAME, date_time=(2026, 1, 1, 0, 0, 0))
    info.external_attr = 0o120777 << 16  # a symbolic link, to wherever
    return _archive([(info, b"../../../../etc/passwd")])


def _encrypted_entry() -> bytes:
    data = _one_entry()  # zipfile cannot encrypt: set the flag in both headers afterwards
    data = _patched(data, 6, "<H", 0x1)
    return _patched(data, _central(data) + 8, "<H", 0x1)


def _archive(entries) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info, data in entries:
            archive.writestr(info, data)
    return out.getvalue()


@dataclass(frozen=True)
class HostileZip:
    id: str
    make: object
    why: str
    whole: str = ""  # the ZIP is refused as a whole with this message
    rows: tuple[tuple[str, str], ...] = ()  # else one (status, message part) per entry


ZIPS = [
    HostileZip(
        "not-a-zip",
        lambda: b"PK\x03\x04" + bytes(200),
        "a ZIP header, then zeros",
        whole="File ZIP rusak atau bukan file ZIP.",
    ),
    HostileZip(
        "truncated",
        lambda: _one_entry()[:-30],
        "the central directory cut off",
        whole="File ZIP rusak atau bukan file ZIP.",
    ),
    HostileZip("empty", lambda: zip_bytes([]), "no entries", whole="ZIP ini tidak berisi file."),
    HostileZip(
        "only-folders",
        lambda: zip_bytes([("a/", b""), ("a/b/", b"")]),
        "no files",
        whole="ZIP ini tidak berisi file.",
    ),
    HostileZip(
        "1001-entries",
        lambda: zip_bytes([(f"{n}.pdf", b"x") for n in range(1001)]),
        "one more than allowed",
        whole="ZIP berisi lebih dari 1000 file.",
    ),
    HostileZip(
        "declares-4-gb",
        _declaring_4_gb,
        "a header claiming 4 GB unpacked",
        whole="Isi ZIP lebih dari 1 GB setelah dibuka.",
    ),
    HostileZip(
        "bomb-entry",
        lambda: zip_bytes([(NAME, bytes(50 * 1024 * 1024))]),
        "50 MB of zeros in 50 KB",
        rows=(("invalid_file", "bom ZIP"),),
    ),
    HostileZip(
        "zip-inside-a-zip",
        lambda: zip_bytes([(NAME, zip_bytes([("x.pdf", bytes(10 * 1024 * 1024))]))]),
        "a nested ZIP is a file like any other, never opened",
        rows=(("invalid_file", "bukan dokumen PDF, JPEG, atau PNG"),),
    ),
    HostileZip(
        "lies-about-its-size",
        _declaring_100_bytes,
        "the directory says 100 bytes",
        rows=(("invalid_file", DAMAGED),),
    ),
    HostileZip(
        "bad-crc", _with_bad_crc, "a CRC that does not match", rows=(("invalid_file", DAMAGED),)
    ),
    HostileZip(
        "broken-deflate",
        _with_broken_deflate,
        "compressed data that cannot be unpacked",
        rows=(("invalid_file", DAMAGED),),
    ),
    HostileZip(
        "unknown-method",
        _with_unknown_method,
        "compression method 97",
        rows=(("invalid_file", DAMAGED),),
    ),
    HostileZip(
        "headers-disagree",
        _headers_disagreeing,
        "two names for one entry",
        rows=(("invalid_file", DAMAGED),),
    ),
    HostileZip(
        "symbolic-link",
        _link,
        "a link to /etc/passwd",
        rows=(("invalid_file", "Tautan (link) tidak diterima."),),
    ),
    HostileZip(
        "encrypted-entry",
        _encrypted_entry,
        "the encryption flag",
        rows=(("invalid_file", "Isi ZIP yang terenkripsi tidak diterima."),),
    ),
    HostileZip(
        "path-tricks",
        lambda: zip_bytes(
            [
                (f"../../../../etc/{NIP}_sk-cpns.pdf", good_pdf()),
                (f"/var/www/{NIP}_spmt.pdf", BY_ID["web-link"].content),
                (f"C:\\Windows\\{NIP}_drh.pdf", pdf(pages=2)),
            ]
        ),
        "only the base name counts",
        rows=(("stored", ""),) * 3,
    ),
    HostileZip(
        "same-file-twice",
        lambda: zip_bytes([(NAME, good_pdf()), (f"a/{NAME}", good_pdf())]),
        "a duplicate in the same batch",
        rows=(("stored", ""), ("duplicate", "sudah ada dalam berkas")),
    ),
    HostileZip(
        "hostile-mix",
        lambda: zip_bytes(
            [
                (NAME, BY_ID["js-bookmark"].content),
                (f"{NIP}_spmt.pdf", BY_ID["pdf-encrypted-aes256"].content),
                (f"{NIP}_sertifikat-diklat.png", BY_ID["png-144-megapixels"].content),
                (f"{NIP}_sertifikat-kursus.png", png(300, 200)),
                (f"{NIP}_drh.pdf", BY_ID["pdf-cut-at-50-percent"].content),
                (f"{NIP}_ijazah.jpg", image("JPEG")),
            ]
        ),
        "each entry judged on its own",
        rows=(
            ("invalid_file", "memuat JavaScript"),
            ("invalid_file", "terenkripsi"),
            ("invalid_file", "terlalu banyak piksel"),
            ("stored", ""),
            ("invalid_file", "rusak atau tidak lengkap"),
            ("invalid_file", "menerima PDF, bukan JPG"),
        ),
    ),
]


def bulk(world, files):
    return post_form(
        browser(world.operator), reverse("personnel:bulk_upload"), {"source": "scan"}, files
    )


@pytest.mark.parametrize("hostile", ZIPS, ids=lambda hostile: hostile.id)
def test_a_hostile_zip_in_a_bulk_upload(world, hostile):
    response = bulk(world, [("files", "kiriman.zip", hostile.make())])

    assert response.status_code == 200
    page = response.content.decode()
    outcomes = response.context["outcomes"]
    if hostile.whole:
        assert outcomes == []
        assert f"kiriman.zip: {hostile.whole}" in page
        assert_nothing_left(world)
        return
    assert [o.status for o in outcomes] == [status for status, _message in hostile.rows]
    for outcome, (_status, message) in zip(outcomes, hostile.rows, strict=True):
        assert message in outcome.message, outcome
    stored = [o for o in outcomes if o.status == "stored"]
    versions = DocumentVersion.objects.filter(document__employee=world.employee)
    assert versions.count() == len(stored)
    assert files_under(world.storage) == sorted(
        f"documents/{world.employee.pk}/{v.pk}" for v in versions
    )
    assert files_under(world.scratch) == []
    if not stored:
        assert_nothing_left(world)


def test_more_files_at_once_than_allowed_is_refused_with_advice(world, settings):
    files = [("files", f"{NIP}_{n}.pdf", b"%PDF-1.7") for n in range(101)]
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES == 100
    response = bulk(world, files)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Permintaan tidak dapat dibaca" in page and "paling banyak 100 file" in page
    assert_nothing_left(world)
