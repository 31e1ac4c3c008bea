"""The documents app's services, the only writers of its models, one module per capability:

- ``catalogue``: the document types (the only writer of DocumentType);
- ``metadata``: a document's metadata checked, and completed later for many at once;
- ``uploads``: a new document or version stored, and what a crash leaves behind removed;
- ``previews``: a version's first-page thumbnail;
- ``text``: a version's text (text layer or OCR), its search-index row, searches recorded;
- ``verification``: accepting or rejecting a waiting document;
- ``destruction``: an approved destruction carried out;
- ``keys``: data keys re-sealed with the keyring's current key.

The claims of the verifier's queue (``documents.queue_services``), files held for a retry
(``documents.pending``) and signature checks (``documents.signature_checks``) are services
in their own modules. Callers use the names below (``documents.services.upload_document``)."""

from asndigital.documents.services.catalogue import (
    CATALOGUE,
    EDITABLE,
    GROUP_ORDER,
    clean_definition,
    load_catalogue,
    read_catalogue,
    type_for,
    types_for,
    upsert_document_type,
)
from asndigital.documents.services.destruction import destroy_document
from asndigital.documents.services.keys import reseal_data_keys
from asndigital.documents.services.metadata import (
    MetadataErrors,
    clean_metadata,
    clean_metadata_value,
    complete_metadata,
    missing_fields,
)
from asndigital.documents.services.previews import make_thumbnail
from asndigital.documents.services.text import (
    extract_text,
    index_texts,
    record_search,
    version_text,
)
from asndigital.documents.services.uploads import (
    NOT_ABOUT_THE_FILE,
    RETRYABLE,
    check_file,
    remove_leftovers,
    replacing_accepted_message,
    upload_document,
)
from asndigital.documents.services.verification import (
    accept_document,
    new_verification_code,
    reject_document,
)

__all__ = [
    "CATALOGUE",
    "EDITABLE",
    "GROUP_ORDER",
    "NOT_ABOUT_THE_FILE",
    "RETRYABLE",
    "MetadataErrors",
    "accept_document",
    "check_file",
    "clean_definition",
    "clean_metadata",
    "clean_metadata_value",
    "complete_metadata",
    "destroy_document",
    "extract_text",
    "index_texts",
    "load_catalogue",
    "make_thumbnail",
    "missing_fields",
    "new_verification_code",
    "read_catalogue",
    "record_search",
    "reject_document",
    "remove_leftovers",
    "replacing_accepted_message",
    "reseal_data_keys",
    "type_for",
    "types_for",
    "upload_document",
    "upsert_document_type",
    "version_text",
]
