"""Every file of the corpus through the API's upload (a service account's token): a JSON answer
with a stable code and a message in Indonesian, never a 500, and nothing left behind."""

import pytest

from asndigital.documents.models import DocumentVersion
from tests.hostile.corpus import BAD_REQUEST, FILES, MESSAGES, NO_FILE, STORED
from tests.hostile.helpers import api_upload, assert_nothing_left, files_under, sha256


@pytest.mark.parametrize("entry", FILES, ids=lambda entry: entry.id)
def test_a_hostile_file_through_the_api(world, entry):
    response = api_upload(world, entry.doc_type, entry.filename(), entry.content)

    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    if entry.expected == STORED:
        assert response.status_code == 201, body
        version = DocumentVersion.objects.get()
        assert body["sha256"] == version.sha256 == sha256(entry.content)
        assert files_under(world.storage) == [f"documents/{world.employee.pk}/{version.pk}"]
        assert files_under(world.scratch) == []
        return
    if entry.expected == BAD_REQUEST:
        assert (response.status_code, body["code"]) == (400, "bad_request")
        assert "Permintaan tidak dapat dibaca" in body["message"]
    elif entry.expected == NO_FILE:
        assert (response.status_code, body["code"]) == (422, "invalid_request")
        assert "file" in body["message"]
    else:
        assert (response.status_code, body["code"]) == (400, entry.refused), body
        assert MESSAGES[entry.refused] in body["message"]
    assert_nothing_left(world)
