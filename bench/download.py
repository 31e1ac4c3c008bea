#!/usr/bin/env python
"""Benchmark: streaming download of a 200 MB file through the real server.

The setup of ingest.py (fresh PostgreSQL database, catalogue, an operator with an
authenticator, an employee), plus one 200 MiB version (a valid PDF of 20 pages of random
greyscale images) stored through the upload service in the prepare step, with the type's size
limit raised for that call only (the HTTP upload path is not what is measured here).

gunicorn with ONE sync worker serves the app on 127.0.0.1. After signing in (password + code)
and one page view (imports, connections), the client downloads the version `--downloads` times
(3), reading 1 MiB at a time into a hash and /dev/null (never the whole file in memory). A
thread samples the worker's VmRSS from /proc every 20 ms during each download.

Reported: MB/s (MB = MiB), the worker's RSS before each download, its peak during it, the
growth (worst of the downloads; goal: under 20 MB) and VmHWM, and whether every download's
SHA-256 equals the stored one. Run: `make bench-download` or
`.venv/bin/python bench/download.py [--mb 200 --downloads 3]`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from ingest import (
    MB,
    SCRATCH,
    TYPE_CODE,
    USERNAME,
    Client,
    bench_env,
    cpu_seconds,
    log,
    login,
    make_pdf_file,
    prepare,
    serve,
)

PG_DATABASE = "asn_bench_download"
PORT = 8077

# Appended to ingest.PREPARE: the big version, through the upload service.
STORE_BIG = """
from pathlib import Path
from asndigital.accounts.models import User
from asndigital.documents import services
big_type = DocumentType.objects.get(code={type_code!r})
big_type.max_size_bytes = {size} + 1  # for this call only; the row keeps its limit

def big_chunks(path=Path({path!r})):
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            yield chunk

started = time.perf_counter()
version = services.upload_document(
    actor=User.objects.get(username={username!r}), employee=employee, doc_type=big_type,
    chunks=big_chunks(), original_name="besar.pdf", metadata={{"tahun": "2025"}}, source="scan",
)
print("stored", version.size, "bytes in", round(time.perf_counter() - started, 1), "s")
result.update(document=str(version.document_id), version=str(version.pk), sha256=version.sha256,
              size=version.size)
"""


def status_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid``, in KiB."""
    values = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, rest = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            values[key] = int(rest.split()[0])
    return values


class Sampler(threading.Thread):
    """Reads the process's VmRSS every ``interval`` seconds until stopped; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kb = 0
        self.samples = 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.peak_kb = max(self.peak_kb, status_kb(self.pid)["VmRSS"])
            self.samples += 1
            self.done.wait(self.interval)

    def stop(self) -> None:
        self.done.set()
        self.join()
        self.peak_kb = max(self.peak_kb, status_kb(self.pid)["VmRSS"])


def download(client: Client, path: str) -> tuple[int, str, float, float, dict[str, str]]:
    """GET ``path``, 1 MiB at a time into SHA-256 and /dev/null; (bytes, sha256, seconds,
    seconds of them spent hashing on this side, some response headers)."""
    digest = hashlib.sha256()
    buffer = bytearray(MB)
    view = memoryview(buffer)
    size = 0
    hashing = 0.0
    start = time.perf_counter()
    client.conn.request("GET", path, headers=client.headers())
    response = client.conn.getresponse()
    if response.status != 200:
        raise RuntimeError(f"download answered {response.status}: {response.read()[:200]!r}")
    with open(os.devnull, "wb") as sink:
        while n := response.readinto(buffer):
            mark = time.perf_counter()
            digest.update(view[:n])
            hashing += time.perf_counter() - mark
            sink.write(view[:n])
            size += n
    took = time.perf_counter() - start
    headers = {
        name: response.getheader(name, "")
        for name in ("Content-Length", "Content-Type", "Content-Disposition")
    }
    return size, digest.hexdigest(), took, hashing, headers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=200, help="size of the file in MiB (200)")
    parser.add_argument("--downloads", type=int, default=3, help="downloads measured (3)")
    args = parser.parse_args()

    SCRATCH.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="download-", dir=SCRATCH))
    try:
        result = run(args, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    rows = [
        ("download", "MB/s", "RSS before", "peak RSS", "growth", "worker CPU", "SHA-256"),
        *(
            (
                str(i + 1),
                f"{d['mb_per_s']}",
                f"{d['rss_before_mb']} MB",
                f"{d['rss_peak_mb']} MB",
                f"{d['growth_mb']} MB",
                f"{d['server_cpu_ms']} ms",
                "equal" if d["sha256_ok"] else "DIFFERENT",
            )
            for i, d in enumerate(result["downloads"])
        ),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    print(f"file: {result['size_mb']} MB, one gunicorn sync worker, read in 1 MiB pieces")
    for row in rows:
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
    print(
        f"worst growth {result['worst_growth_mb']} MB (goal: under 20 MB); VmHWM "
        f"{result['hwm_before_mb']} → {result['hwm_after_mb']} MB; "
        f"throughput {result['worst_mb_per_s']}–{result['best_mb_per_s']} MB/s"
    )
    hashing = sum(d["client_hash_seconds"] for d in result["downloads"])
    total = sum(d["seconds"] for d in result["downloads"])
    print(
        f"the client's own SHA-256 took {hashing:.2f} s of the {total:.2f} s "
        "(the figures are a floor for the server)"
    )
    print(json.dumps(result))
    if not result["verified"]:
        raise SystemExit(1)


def run(args, scratch: Path) -> dict:
    load = round(os.getloadavg()[0], 2)
    if load > 0.5:
        log(f"the machine is busy (load {load}): the figures will be lower than they can be")
    env = bench_env(PG_DATABASE, scratch / "var")
    source = scratch / "besar.pdf"
    log(f"writing a {args.mb} MiB PDF")
    sha = make_pdf_file(source, args.mb * MB, pages=max(1, args.mb // 10))
    size = source.stat().st_size
    log(f"preparing {PG_DATABASE} (files under {scratch})")
    extra = STORE_BIG.format(type_code=TYPE_CODE, size=size, path=str(source), username=USERNAME)
    info = prepare(PG_DATABASE, env, max_size=16 * MB, extra=extra)
    source.unlink()  # the stored copy is the one served
    if info["sha256"] != sha or info["size"] != size:
        raise SystemExit("the stored version is not the file that was written")
    path = f"/dokumen/{info['document']}/versi/{info['version']}/unduh/"
    downloads = []
    with serve(env, PORT, 1) as (_server, pids):
        worker = pids[0]
        client = Client(PORT)
        login(client, info["last_step"])
        status, _location, _body = client.request("GET", f"/pegawai/{info['employee']}/")
        if status != 200:
            raise SystemExit(f"the employee page answered {status}")
        hwm_before = status_kb(worker)["VmHWM"]
        os.sync()
        for number in range(args.downloads):
            before = status_kb(worker)["VmRSS"]
            cpu_before = sum(cpu_seconds([worker]))
            sampler = Sampler(worker)
            sampler.start()
            got, digest, took, hashing, headers = download(client, path)
            sampler.stop()
            cpu = sum(cpu_seconds([worker])) - cpu_before
            log(f"download {number + 1}: {got} bytes in {took:.2f} s, {sampler.samples} samples")
            downloads.append(
                {
                    "bytes": got,
                    "seconds": round(took, 3),
                    "mb_per_s": round(got / MB / took, 1),
                    "rss_before_mb": round(before / 1024, 1),
                    "rss_peak_mb": round(sampler.peak_kb / 1024, 1),
                    "growth_mb": round((sampler.peak_kb - before) / 1024, 1),
                    "samples": sampler.samples,
                    "server_cpu_ms": round(cpu * 1000),
                    "client_hash_seconds": round(hashing, 3),
                    "sha256_ok": digest == info["sha256"] and got == info["size"],
                    "content_length": headers["Content-Length"],
                }
            )
        hwm_after = status_kb(worker)["VmHWM"]
    rates = [d["mb_per_s"] for d in downloads]
    return {
        "benchmark": "download",
        "workers": 1,
        "size_mb": round(size / MB, 1),
        "downloads": downloads,
        "worst_growth_mb": max(d["growth_mb"] for d in downloads),
        "best_mb_per_s": max(rates),
        "worst_mb_per_s": min(rates),
        "hwm_before_mb": round(hwm_before / 1024, 1),
        "hwm_after_mb": round(hwm_after / 1024, 1),
        "goal_growth_mb": 20,
        "verified": all(d["sha256_ok"] for d in downloads),
        "cpus": os.cpu_count(),
        "load_at_start": load,
    }


if __name__ == "__main__":
    sys.exit(main())
