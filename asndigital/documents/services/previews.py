"""A version's first-page preview (the thumbnail), drawn once in the background."""

from __future__ import annotations

import logging

from django.conf import settings

from asndigital.documents import storage, thumbnails
from asndigital.documents.models import DocumentVersion
from asndigital.records.lifecycle import is_held

logger = logging.getLogger(__name__)


def make_thumbnail(*, version_id) -> str:
    """Draw a version's first-page preview (once); its ``thumbnail_state`` says whether there is
    one. A file that cannot be drawn gets no preview, and nothing else changes."""
    version = DocumentVersion.objects.select_related("document").filter(pk=version_id).first()
    if version is None:
        return "missing"
    ready = DocumentVersion.ThumbnailState.READY
    if version.thumbnail_state == ready and storage.exists(version.thumbnail_key):
        return ready
    try:
        data_key = version.data_key()
        with storage.local_copy(version.storage_key, data_key=data_key) as path:
            data = thumbnails.render(path, version.media_type)
    except Exception:  # any failure to draw means "no preview"; it is logged, not hidden
        logger.warning("no thumbnail for document version %s", version.pk, exc_info=True)
        state = DocumentVersion.ThumbnailState.FAILED
    else:
        storage.write_bytes(version.thumbnail_key, data, data_key=data_key)
        state = ready
        if settings.ASN_S3_OBJECT_LOCK and is_held(version.document):
            storage.set_legal_hold([version.thumbnail_key], True)
    DocumentVersion.objects.filter(pk=version.pk).update(thumbnail_state=state)
    return state
