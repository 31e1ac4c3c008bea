"""The documents' data keys re-sealed with the keyring's current key (``rotate_keys``)."""

from __future__ import annotations

from asndigital.audit.services import record
from asndigital.core import crypto
from asndigital.documents.models import DocumentVersion


def reseal_data_keys() -> int:
    """Re-seal every document version's data key with the keyring's current key
    (``rotate_keys``; the files themselves are not re-encrypted), one row at a time; audited.
    How many."""
    count = 0
    rows = DocumentVersion.objects.exclude(sealed_key=None).values_list("pk", "sealed_key")
    context = lambda pk: f"document-data-key:{pk}"  # noqa: E731 - as sealed in encryption.py
    for pk, old, new in crypto.resealed(rows.iterator(chunk_size=1000), context):
        count += DocumentVersion.objects.filter(pk=pk, sealed_key=old).update(sealed_key=new)
    if count:
        record(
            None,
            "keys.resealed",
            None,
            secrets="document data keys",
            count=count,
            key=crypto.current_key_id(),
        )
    return count
