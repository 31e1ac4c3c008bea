import json

import pytest
from django.core.management import call_command

from asndigital.audit.models import AuditEvent
from asndigital.core.errors import DomainError
from asndigital.documents import services
from asndigital.documents.models import DocumentType

# The SIASN reference codes of docs/domain.md §5.
SIASN = {
    887: "SK PNS",
    888: "SPMT",
    889: "SK CPNS",
    872: "SK Jabatan",
    873: "Surat Pelantikan",
    874: "Sertifikat Diklat",
    881: "Sertifikat Kursus",
    879: "PAK",
    880: "SK PAK",
    882: "SK Hukuman Disiplin",
    891: "Realisasi SKP",
    892: "Sertifikat Penghargaan",
    858: "SK KP",
    24: "DRH",
}


@pytest.mark.django_db
def test_catalogue_loads_once_with_every_known_siasn_code():
    first = services.load_catalogue()
    assert first["created"] == DocumentType.objects.count() >= 20
    codes = set(DocumentType.objects.exclude(siasn_code=None).values_list("siasn_code", flat=True))
    assert codes == set(SIASN)
    before = AuditEvent.objects.count()
    assert services.load_catalogue() == {"created": 0, "updated": 0, "unchanged": first["created"]}
    assert AuditEvent.objects.count() == before


@pytest.mark.django_db
def test_both_groups_of_the_seed_and_pppk_documents_are_there():
    services.load_catalogue()
    groups = dict(DocumentType.objects.values_list("code", "group"))
    assert groups["sk-cpns"] == groups["drh"] == groups["ijazah"] == "utama"
    assert groups["sk-pindah-instansi"] == groups["sk-cltn"] == "kondisional"
    pppk = {t.code for t in services.types_for("PPPK")}
    assert {"sk-pppk", "perjanjian-kerja"} <= pppk and "sk-cpns" not in pppk
    pns = {t.code for t in services.types_for("PNS")}
    assert {"sk-cpns", "sk-pns", "sk-kp"} <= pns and "sk-pppk" not in pns
    assert DocumentType.objects.get(code="sk-hukuman-disiplin").is_sensitive


def _data(doc_type):
    return {k: getattr(doc_type, k) for k in services.EDITABLE}


@pytest.mark.django_db
def test_national_admin_edits_are_kept_unless_update_is_asked(capsys):
    services.load_catalogue()
    sk = DocumentType.objects.get(code="sk-cpns")
    services.upsert_document_type(
        actor=None, code="sk-cpns", data={**_data(sk), "max_size_bytes": 5 * 1024 * 1024}
    )
    call_command("load_catalogue")
    sk.refresh_from_db()
    assert sk.max_size_bytes == 5 * 1024 * 1024
    call_command("load_catalogue", "--update")
    sk.refresh_from_db()
    assert sk.max_size_bytes == 2 * 1024 * 1024
    assert "updated 1" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="doctype.updated").count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("change", "word"),
    [
        ({"group": "lain"}, "group"),
        ({"applies_to": ["HONORER"]}, "CPNS"),
        ({"allowed_formats": ["exe"]}, "pdf"),
        ({"metadata_fields": [{"name": "x", "type": "blob"}]}, "type"),
        ({"max_size_bytes": 0}, "positive"),
    ],
)
def test_bad_definitions_are_refused_and_change_nothing(change, word):
    from django.utils import translation

    services.load_catalogue()
    sk = DocumentType.objects.get(code="sk-cpns")
    before = json.dumps(_data(sk), default=str)
    with translation.override("en"), pytest.raises(DomainError) as caught:
        services.upsert_document_type(actor=None, code="sk-cpns", data={**_data(sk), **change})
    assert word in caught.value.message
    sk.refresh_from_db()
    assert json.dumps(_data(sk), default=str) == before


@pytest.mark.django_db
def test_the_admin_shows_and_saves_through_the_service(client, bkn_admin):
    services.load_catalogue()
    client.force_login(bkn_admin)
    sk = DocumentType.objects.get(code="sk-cpns")
    url = f"/admin/documents/documenttype/{sk.pk}/change/"
    assert client.get(url).status_code == 200
    data = {k: (json.dumps(v) if isinstance(v, list) else v) for k, v in _data(sk).items()}
    data = {k: v for k, v in data.items() if v is not None and v is not False}
    data["max_size_bytes"] = 3 * 1024 * 1024
    response = client.post(url, data)
    assert response.status_code == 302, response.content[:2000]
    sk.refresh_from_db()
    assert sk.max_size_bytes == 3 * 1024 * 1024
    assert AuditEvent.objects.get(action="doctype.updated").actor_id == bkn_admin.pk
