"""Fault 3: the storage fills up. The storage root is a small filesystem of its own (an 8 MB
tmpfs; a loop-mounted ext4 image if tmpfs cannot be mounted). Uploads go on until they no
longer fit, first large ones (the plain copy fits, its encrypted copy does not), then small
ones (until not even the plain copy fits). Every upload that does not fit is refused with a
clear message (507, code `storage_full`, in Indonesian), leaves no row and no partial file,
right away (without `cleanup_uploads`), and everything stored keeps downloading with its
SHA-256 while the disk is full."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from faults.conftest import Gunicorn, api_upload, appctl, manage, request
from faults.pdfs import unique_pdf

PORT = 8302
SIZE = "8m"
ATTEMPTS = 30  # bound: 8 MB holds at most a handful of these files


def _mount_small_filesystem(target: Path, scratch: Path) -> str:
    """Mount a small filesystem on ``target``; what was mounted, or skip saying what blocks it."""
    tmpfs = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SIZE},mode=0755", "tmpfs", str(target)],
        capture_output=True,
        text=True,
    )
    if tmpfs.returncode == 0:
        return f"tmpfs size={SIZE}"
    image = scratch / "storage.img"
    steps = [
        ["truncate", "-s", SIZE.upper(), str(image)],
        ["mkfs.ext4", "-q", "-F", str(image)],
        ["mount", "-o", "loop", str(image), str(target)],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(
                f"cannot mount a small filesystem: `mount -t tmpfs` said "
                f"{tmpfs.stderr.strip()!r}; `{' '.join(step)}` said {done.stderr.strip()!r}"
            )
    return f"ext4 loop image {SIZE}"


@pytest.fixture
def small_storage():
    var_dir = Path(tempfile.mkdtemp(prefix="asn-faults-full-"))
    scratch = Path(tempfile.mkdtemp(prefix="asn-faults-full-img-"))
    (var_dir / "files").mkdir()
    kind = _mount_small_filesystem(var_dir / "files", scratch)
    try:
        yield var_dir, kind
    finally:
        if subprocess.run(["umount", str(var_dir / "files")]).returncode != 0:
            subprocess.run(["umount", "-l", str(var_dir / "files")])
        shutil.rmtree(var_dir, ignore_errors=True)
        shutil.rmtree(scratch, ignore_errors=True)


def test_an_upload_that_does_not_fit_is_refused_cleanly_and_reads_go_on(
    template, small_storage, record
):
    var_dir, kind = small_storage
    env, _var_dir = template.new_fault("full", var_dir=var_dir)
    server = Gunicorn(env, PORT, var_dir / "gunicorn.log", workers=2)
    stored: list[dict] = []
    refused: list[dict] = []
    nips = iter(template.nips * 10)
    try:
        for size in (1_900_000, 300_000, 40_000):  # the type's limit is 2 MB
            for _attempt in range(ATTEMPTS):
                before = appctl(env, "inventory")
                content = unique_pdf(size)
                status, _headers, body = api_upload(PORT, template.token, next(nips), content)
                answer = json.loads(body)
                if status == 201:
                    assert answer["sha256"] == hashlib.sha256(content).hexdigest()
                    stored.append(answer)
                    continue
                after = appctl(env, "inventory")
                refused.append({"size": size, "status": status, **answer})
                assert (status, answer["code"]) == (507, "storage_full")
                assert answer["message"].startswith("Penyimpanan arsip penuh")
                # Nothing half-written, right away: no row, no temporary or partial file.
                assert after["versions"] == before["versions"]
                assert after["tmp_files"] == [] and after["files_without_row"] == []
                assert after["bad_stored_hash"] == [] and after["rows_without_file"] == []
                break
            else:
                pytest.fail(f"{ATTEMPTS} uploads of {size} bytes all fitted in {SIZE}")
        free = shutil.disk_usage(var_dir / "files").free
        # Reads and downloads go on while the disk is full.
        for answer in stored:
            status, _headers, body = request(
                PORT,
                "GET",
                f"/api/v1/documents/{answer['document']}/versions/{answer['version']}/file",
                token=template.token,
            )
            assert status == 200 and hashlib.sha256(body).hexdigest() == answer["sha256"]
        status, _headers, _body = request(
            PORT, "GET", f"/api/v1/employees/{template.nips[0]}/documents", token=template.token
        )
        assert status == 200
        leftovers = manage(env, "cleanup_uploads", "--min-age", "0", "--dry-run").strip()
    finally:
        server.stop()
    state = appctl(env, "inventory")
    record(
        "fault 3 (storage full)",
        filesystem=kind,
        stored=[a["size"] for a in stored],
        refused=[(r["size"], r["status"], r["code"]) for r in refused],
        message=refused[0]["message"] if refused else "",
        free_bytes_at_the_end=free,
        cleanup_dry_run=leftovers,
    )
    assert leftovers == "would remove 0 leftover file(s)"
    assert state["tmp_files"] == [] and state["files_without_row"] == []
    assert os.path.ismount(var_dir / "files")
