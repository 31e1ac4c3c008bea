#!/usr/bin/env python
"""Benchmark: checking the electronic signatures of one PDF (docs/documents.md, "Electronic
signatures").

PDFs of 1 and 10 pages, each with 1 and 3 signatures (PAdES, a BSrE-like test PKI from
tests/signing.py, one of them with a timestamp), checked as an upload is:

- `check_file`: the whole check as the worker runs it, in its child process (start-up of the
  interpreter and pyHanko included): the time a document waits for its report;
- `check_pdf`: the check itself in this process (parsing, difference analysis, path validation),
  which is what grows with pages and signatures.

Each is timed `--repeat` times (default 5); the table gives the median and the best. No database,
no network. Run: `make bench-signatures` or `.venv/bin/python bench/signatures.py [--repeat 5]`.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asndigital.settings")
os.environ.setdefault("ASN_ENV", "development")

from common import print_report  # noqa: E402

from asndigital.documents import signatures  # noqa: E402
from tests import signing  # noqa: E402


def _timed(function, repeat: int) -> tuple[float, float, str]:
    seconds, state = [], ""
    for _ in range(repeat):
        start = time.perf_counter()
        report = function()
        seconds.append(time.perf_counter() - start)
        state = report["state"]
    return statistics.median(seconds), min(seconds), state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # pyHanko explains what it skips; not the figures
    pki = signing.build_pki()
    signers = [pki.signer, pki.expiring, pki.signer]
    rows, result = [], {"benchmark": "signatures", "repeat": args.repeat, "cases": []}
    with tempfile.TemporaryDirectory() as folder:
        roots = pki.write_roots(Path(folder) / "roots")
        for pages in (1, 10):
            for count in (1, 3):
                data = signing.plain_pdf(pages)
                for number in range(count):
                    data = signing.sign(
                        data, signers[number], pki, field=f"Sig{number + 1}", timestamp=number == 0
                    )
                path = Path(folder) / f"p{pages}-s{count}.pdf"
                path.write_bytes(data)
                child = _timed(
                    lambda p=path: signatures.check_file(p, roots_location=str(roots), fetch=False),
                    args.repeat,
                )
                inner = _timed(
                    lambda p=path: signatures.check_pdf(p, roots=[pki.root.der]), args.repeat
                )
                name = f"{pages:>2} page(s), {count} signature(s), {len(data) // 1024} KB"
                rows.append(
                    (
                        name,
                        f"check_file median {child[0]:.3f} s (best {child[1]:.3f}) · "
                        f"check_pdf median {inner[0]:.3f} s (best {inner[1]:.3f}) · {child[2]}",
                    )
                )
                result["cases"].append(
                    {
                        "pages": pages,
                        "signatures": count,
                        "bytes": len(data),
                        "state": child[2],
                        "check_file_median_s": round(child[0], 4),
                        "check_file_best_s": round(child[1], 4),
                        "check_pdf_median_s": round(inner[0], 4),
                        "check_pdf_best_s": round(inner[1], 4),
                    }
                )
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    rows.append(("load average (1, 5, 15 min)", " ".join(f"{x:.2f}" for x in os.getloadavg())))
    print_report(rows, result)


if __name__ == "__main__":
    main()
