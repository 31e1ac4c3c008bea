"""Thousands of small damages to good files (a deterministic mutation fuzzer): whatever the
bytes, inspection answers with a refusal people can read, or accepts the file; and a ZIP is
refused, or yields entries whose reading fails only with such a refusal. Never another
exception, which would be a 500 on the upload paths."""

import random
import zipfile
import zlib

import pikepdf
import pytest

from asndigital.core.errors import DomainError
from asndigital.documents.bulk import zip_entries
from asndigital.documents.inspection import inspect_file
from tests.hostile.corpus import BY_ID, good_pdf, image, pdf, zip_bytes

MUTATIONS = 400


def mutants(data: bytes, seed: int):
    """Flipped bytes, overwritten runs, cuts and repeated slices, the same on every run."""
    rng = random.Random(seed)
    for _ in range(MUTATIONS):
        out = bytearray(data)
        for _ in range(rng.randint(1, 4)):
            if not out:
                break
            at = rng.randrange(len(out))
            kind = rng.randrange(4)
            if kind == 0:
                out[at] ^= 1 << rng.randrange(8)
            elif kind == 1:
                out[at : at + 8] = bytes(rng.randrange(256) for _ in range(8))
            elif kind == 2:
                del out[at : at + rng.randint(1, 64)]
            else:
                out[at:at] = out[at : at + rng.randint(1, 64)]
        yield bytes(out)


SOURCES = {
    "pdf": (good_pdf, "sk.pdf"),
    "pdf-with-link-and-bookmark": (lambda: BY_ID["web-link"].content, "sk.pdf"),
    "pdf-with-script": (lambda: BY_ID["js-bookmark"].content, "sk.pdf"),
    "pdf-with-xref-stream": (
        lambda: pdf(pages=2, object_stream_mode=pikepdf.ObjectStreamMode.generate),
        "sk.pdf",
    ),
    "png": (lambda: image("PNG", (40, 30)), "s.png"),
    "jpeg": (lambda: image("JPEG", (40, 30)), "s.jpg"),
}


@pytest.mark.parametrize("source", SOURCES, ids=str)
def test_damaged_files_are_judged_never_crash(tmp_path, source):
    make, name = SOURCES[source]
    path = tmp_path / "upload.part"
    outcomes = {"accepted": 0}
    for number, data in enumerate(mutants(make(), seed=zlib.crc32(source.encode()))):
        path.write_bytes(data)
        try:
            inspect_file(path, original_name=name, allowed=["pdf", "jpg", "png"])
        except DomainError as refused:
            assert refused.message and refused.code, number
            outcomes[refused.code] = outcomes.get(refused.code, 0) + 1
        else:
            outcomes["accepted"] += 1
    assert sum(outcomes.values()) == MUTATIONS
    assert len(outcomes) > 1, outcomes  # the damage was seen, not everything accepted


def test_damaged_zips_are_refused_or_read_never_crash(tmp_path, db):
    archive = zip_bytes(
        [("a/199001012015031001_sk-cpns.pdf", good_pdf()), ("b.png", image("PNG"))],
        compression=zipfile.ZIP_DEFLATED,
    )
    path = tmp_path / "batch.zip"
    refused = 0
    for data in mutants(archive, seed=11):
        path.write_bytes(data)
        try:
            for _name, chunks, _problem in zip_entries(path):
                try:
                    for _chunk in chunks or ():
                        pass
                except DomainError:
                    refused += 1
        except DomainError:
            refused += 1
    assert refused > 0
