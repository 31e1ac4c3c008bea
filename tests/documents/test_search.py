"""Full-text search for staff, within their scope: words, "exact phrases", NIPs and SK numbers,
filtered, paged, with highlighted excerpts; every search in the audit trail; the index holds
no words and goes with the version."""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from asndigital.accounts import tokens
from asndigital.accounts.models import Role
from asndigital.audit.models import AuditEvent
from asndigital.documents import search, selectors, services
from asndigital.documents.models import Document
from tests.documents.files import text_pdf
from tests.factories import READ_SCOPES, EmployeeFactory
from tests.helpers import require_tesseract, upload

A_TEXT = [
    "KEPUTUSAN KEPALA BADAN KEPEGAWAIAN NEGARA",
    "Nomor 800/123/BKD/2020 tentang pengangkatan calon pegawai",
    "NIP 19860926 201001 1 003",
]
B_TEXT = ["KEPUTUSAN GUBERNUR tentang kenaikan pangkat", "NIP 199202022016042002"]


@pytest.fixture
def world(agency, other_agency, make_staff, db):
    require_tesseract()
    services.load_catalogue()
    mine = EmployeeFactory(agency=agency, nip="198609262010011003")
    theirs = EmployeeFactory(agency=other_agency, nip="199202022016042002")
    a = upload(mine.user, mine, text_pdf(A_TEXT), meta={**META_A})
    b = upload(theirs.user, theirs, text_pdf(B_TEXT))
    for version in (a, b):
        services.extract_text(version_id=version.pk)
    return {
        "a": a.document,
        "b": b.document,
        "verifier": make_staff(Role.VERIFIER, agency),
        "agency": agency,
    }


META_A = {"nomor_sk": "800/123/BKD/2020", "tanggal_sk": "01-02-2020", "tmt": "01-03-2020"}


def found(user, q, **filters):
    return list(selectors.search_documents(user=user, query=search.parse(q), **filters))


def test_words_phrases_nip_and_sk_number(world):
    verifier, a = world["verifier"], world["a"]
    assert found(verifier, "kepegawaian negara") == [a]
    assert found(verifier, "NEGARA kepegawaian") == [a]  # words in any order
    assert found(verifier, '"badan kepegawaian negara"') == [a]
    assert found(verifier, '"negara kepegawaian"') == []  # a phrase keeps its order
    assert found(verifier, "198609262010011003") == [a]
    assert found(verifier, "19860926 201001 1 003") == [a]  # as printed
    assert found(verifier, "800/123/BKD/2020") == [a]
    assert found(verifier, "kepegawaian gubernur") == []  # every word must appear


def test_another_agencys_documents_are_never_found(world):
    verifier = world["verifier"]
    assert found(verifier, "keputusan") == [world["a"]]
    assert found(verifier, "gubernur") == []
    assert found(verifier, "199202022016042002") == []


def test_filters_by_type_and_status(world):
    verifier = world["verifier"]
    assert found(verifier, "keputusan", type_code="sk-cpns") == [world["a"]]
    assert found(verifier, "keputusan", type_code="ijazah") == []
    assert found(verifier, "keputusan", status=Document.Status.ACCEPTED) == []
    assert found(verifier, "keputusan", status=Document.Status.WAITING) == [world["a"]]


def test_the_page_shows_highlighted_excerpts_and_records_the_search(client, world):
    client.force_login(world["verifier"])
    page = client.get(reverse("documents:search"), {"q": "kepegawaian"}).content.decode()
    assert "<mark>KEPEGAWAIAN</mark>" in page
    assert str(world["a"].pk) in page and str(world["b"].pk) not in page
    event = AuditEvent.objects.get(action="document.searched")
    assert event.actor_id == world["verifier"].pk
    assert event.data["q"] == "kepegawaian" and event.data["found"] == 1


def test_an_excerpt_escapes_the_documents_text():
    query = search.parse("nip")
    piece = search.excerpt("<script>alert(1)</script> NIP 1", query)
    assert "<script>" not in piece and "<mark>NIP</mark>" in piece


def test_employees_and_monitors_have_no_search_page(client, world, make_staff):
    client.force_login(EmployeeFactory(agency=world["agency"]).user)
    assert client.get(reverse("documents:search"), {"q": "x"}).status_code == 404
    client.force_login(make_staff(Role.MONITOR, world["agency"]))
    assert client.get(reverse("documents:search"), {"q": "x"}).status_code == 404
    assert not AuditEvent.objects.filter(action="document.searched").exists()


def test_the_api_searches_within_the_tokens_agency_and_records_it(world, make_staff):
    _token, value = tokens.create_token(
        actor=make_staff(Role.AGENCY_ADMIN, world["agency"]),
        name="SIMPEG",
        agency=world["agency"],
        scopes=READ_SCOPES,
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {value}")
    answer = client.get("/api/v1/search", {"q": '"calon pegawai"'}).json()
    assert answer["count"] == 1 and answer["results"][0]["document"] == str(world["a"].pk)
    assert "<mark>calon</mark> <mark>pegawai</mark>" in answer["results"][0]["excerpt"]
    assert client.get("/api/v1/search", {"q": "gubernur"}).json()["count"] == 0
    assert AuditEvent.objects.filter(action="document.searched").count() == 2


def test_destroyed_documents_leave_the_index(world, make_staff):
    with transaction.atomic():
        services.destroy_document(
            actor=make_staff(Role.BKN_ADMIN), document=world["a"], proposal_id=1, now=timezone.now()
        )
    assert found(world["verifier"], "kepegawaian") == []


def test_a_phrase_needs_its_words_next_to_each_other(world):
    verifier = world["verifier"]
    assert found(verifier, "pengangkatan pegawai") == [world["a"]]  # both words, apart
    assert found(verifier, '"pengangkatan pegawai"') == []
    assert found(verifier, '"pengangkatan calon pegawai"') == [world["a"]]


def test_a_phrase_is_found_after_the_index_is_made_again(world, settings):
    settings.SECRET_KEY = "another key " * 5  # the terms change; the stored vector follows
    assert found(world["verifier"], '"calon pegawai"') == []
    assert services.index_texts(rehash=True)["rehashed"] == 2
    assert found(world["verifier"], '"calon pegawai"') == [world["a"]]


def _second_match(world):
    other = EmployeeFactory(agency=world["agency"], nip="199001012015031001")
    version = upload(other.user, other, text_pdf(A_TEXT), meta={**META_A})
    services.extract_text(version_id=version.pk)


def test_the_count_stops_at_the_cap_and_says_there_are_more(client, world, monkeypatch):
    _second_match(world)
    monkeypatch.setattr(search, "COUNT_CAP", 1)
    client.force_login(world["verifier"])
    response = client.get(reverse("documents:search"), {"q": "kepegawaian"})
    assert response.context["page"].paginator.more
    assert response.context["page"].paginator.num_pages == 1  # the first COUNT_CAP only
    assert len(response.context["results"]) == 1
    assert "documents found." not in response.content.decode()
    event = AuditEvent.objects.get(action="document.searched")
    assert event.data["found"] == 1 and event.data["more"] is True
    monkeypatch.setattr(search, "COUNT_CAP", 2)
    response = client.get(reverse("documents:search"), {"q": "kepegawaian"})
    assert not response.context["page"].paginator.more
    assert response.context["page"].paginator.count == 2
    second = AuditEvent.objects.filter(action="document.searched").exclude(pk=event.pk).get()
    assert second.data["found"] == 2 and "more" not in second.data


def test_the_api_says_when_the_count_stopped_at_the_cap(world, make_staff, monkeypatch):
    _second_match(world)
    _token, value = tokens.create_token(
        actor=make_staff(Role.AGENCY_ADMIN, world["agency"]),
        name="SIMPEG",
        agency=world["agency"],
        scopes=READ_SCOPES,
    )
    client = Client(HTTP_AUTHORIZATION=f"Bearer {value}")
    answer = client.get("/api/v1/search", {"q": "kepegawaian"}).json()
    assert (answer["count"], answer["more"], answer["pages"]) == (2, False, 1)
    monkeypatch.setattr(search, "COUNT_CAP", 1)
    answer = client.get("/api/v1/search", {"q": "kepegawaian"}).json()
    assert (answer["count"], answer["more"], answer["pages"]) == (1, True, 1)
    assert len(answer["results"]) == 1
    assert client.get("/api/v1/search", {"q": "kepegawaian", "page": 2}).json()["results"] == [
        answer["results"][0]
    ]  # past the last page: the last page, as before
