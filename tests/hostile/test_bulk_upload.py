"""Every file of the corpus through the bulk upload page, loose and inside a ZIP (where names
arrive raw, without Django's cleaning): one result row per file with its reason, the names
shown escaped, never a 500, and nothing left behind."""

import zipfile
from html import escape

import pytest
from django.urls import reverse

from asndigital.documents.models import DocumentVersion, PendingUpload
from tests.hostile.corpus import (
    BAD_NAME,
    BAD_REQUEST,
    FILES,
    MESSAGES,
    NO_FILE,
    STORED,
    UNKNOWN_CODE,
    zip_bytes,
)
from tests.hostile.helpers import (
    NIP,
    assert_nothing_left,
    assert_only_the_file_held,
    browser,
    files_under,
    post_form,
)


def bulk(world, files):
    return post_form(
        browser(world.operator), reverse("personnel:bulk_upload"), {"source": "scan"}, files
    )


def check_outcome(world, response, expected: str) -> None:
    assert response.status_code == (400 if expected == BAD_REQUEST else 200)
    page = response.content.decode()
    if expected == BAD_REQUEST:
        assert "Permintaan tidak dapat dibaca" in page
        assert_nothing_left(world)
        return
    if expected == NO_FILE:
        assert "Pilih paling sedikit satu file." in page
        assert_nothing_left(world)
        return
    [outcome] = response.context["outcomes"]
    # Whatever the name holds, the page shows it as text.
    assert escape(outcome.name) in page
    if "<" in outcome.name:
        assert outcome.name not in page
    if expected == STORED:
        assert outcome.status == "stored", outcome
        version = DocumentVersion.objects.get()
        assert files_under(world.storage) == [f"documents/{world.employee.pk}/{version.pk}"]
        assert files_under(world.scratch) == []
        return
    if expected == BAD_NAME:
        # Held (encrypted, under pending/) while its text is read; nothing stored.
        assert outcome.status == "proposed", outcome
        assert MESSAGES[BAD_NAME] in page
        assert_only_the_file_held(world)
        return
    if expected == UNKNOWN_CODE:
        assert outcome.status == "unknown_code"
    else:
        assert outcome.status == "invalid_file", outcome
    assert MESSAGES[expected] in page
    assert_nothing_left(world)


@pytest.mark.parametrize("entry", FILES, ids=lambda entry: entry.id)
def test_a_hostile_file_in_a_bulk_upload(world, entry):
    name = entry.filename(stem=f"{NIP}_{entry.doc_type}")
    response = bulk(world, [("files", name, entry.content)])
    check_outcome(world, response, entry.expected_in_bulk)


# Several entries share a name (only the folder differs, or not even that): hostile as well.
@pytest.mark.filterwarnings("ignore:Duplicate name:UserWarning")
def test_the_whole_corpus_inside_one_zip(world):
    """In a ZIP the names arrive raw (Django cleans only the names of uploaded files), and
    every entry still reaches the same checks: one row each, with its own outcome."""
    stem = f"{NIP}_{{}}"
    entries = [(entry.filename(stem=stem.format(entry.doc_type)), entry) for entry in FILES]
    # Stored, not compressed: the ZIP's own limits (bombs) have their tests in test_zip_files.
    archive = zip_bytes([(n, e.content) for n, e in entries], compression=zipfile.ZIP_STORED)
    response = bulk(world, [("files", "korpus.zip", archive)])

    assert response.status_code == 200
    page = response.content.decode()
    outcomes = response.context["outcomes"]
    assert len(outcomes) == len(FILES)
    for outcome, (_name, entry) in zip(outcomes, entries, strict=True):
        expected = entry.expected_in_zip
        assert escape(outcome.name) in page
        assert "<" not in outcome.name or outcome.name not in page
        if expected == STORED:
            # The same good PDF under many names: stored once, then known as a duplicate.
            assert outcome.status in ("stored", "duplicate"), (entry.id, outcome)
        elif expected == UNKNOWN_CODE:
            assert outcome.status == "unknown_code", (entry.id, outcome)
        elif expected == BAD_NAME:
            assert outcome.status == "proposed", (entry.id, outcome)
        else:
            assert outcome.status == "invalid_file", (entry.id, outcome)
            message = MESSAGES[expected].replace("&lt;", "<").replace("&gt;", ">")
            assert message in outcome.message, (entry.id, outcome)
    stored = [o for o in outcomes if o.status == "stored"]
    versions = DocumentVersion.objects.filter(document__employee=world.employee)
    assert len(stored) == versions.count() > 10
    held = PendingUpload.objects.values_list("storage_key", flat=True)
    assert len(held) == sum(o.status == "proposed" for o in outcomes) > 0
    assert files_under(world.storage) == sorted(
        [*(f"documents/{world.employee.pk}/{v.pk}" for v in versions), *held]
    )
    assert files_under(world.scratch) == []


def test_names_the_bulk_page_must_refuse_are_in_the_corpus():
    """The corpus exercises every kind of bulk outcome (a test that cannot fail is a defect)."""
    kinds = {entry.expected_in_bulk for entry in FILES} | {e.expected_in_zip for e in FILES}
    assert {STORED, BAD_NAME, UNKNOWN_CODE, BAD_REQUEST, NO_FILE} <= kinds
