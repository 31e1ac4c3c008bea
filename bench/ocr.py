"""OCR and search figures: how well scans are read, how fast, and how fast search answers.

1. OCR accuracy on a generated test set: A4 pages of known Indonesian decree text (a random
   NIP, SK number and date on each), drawn with Pillow at 200 and 300 dpi, then degraded (grey
   noise, a small rotation, JPEG artefacts); read by the same code the worker uses
   (``textract.ocr_image``: Tesseract, ``ind``, one thread). Reports character accuracy
   (1 - edit distance / length, whitespace collapsed), the share of NIPs recovered exactly
   (``checks.nips_in``), and the false-mismatch rate: ``checks.run`` with the true metadata,
   so every mismatch it reports is false. Pages/s per core at 300 dpi.
2. Search at scale: ``--docs`` (100,000) index rows of generated text (200 words from a
   20,000-word Zipf vocabulary, a unique NIP and SK number each) hashed exactly as
   ``search.terms_for`` does, in the real schema (the migrations' FTS5 table, triggers and
   (id, version) index on SQLite; the stored tsvector column and its GIN index on PostgreSQL,
   ``--pg-docs``, loaded by COPY from ``--streams`` processes), queried with the SQL of
   ``search.matching`` joined to a document table and filtered by one agency of 50, as a page
   of 20 plus its count capped at ``search.COUNT_CAP``. p50/p95 per query kind; index size per
   document. ``--reuse`` searches the PostgreSQL data of an earlier run again.

A table, then one JSON line. Run: ``make bench-ocr`` (BENCH_ARGS="--pages 4 --docs 20000").
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sqlite3
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asndigital.settings")
os.environ.setdefault("ASN_ENV", "development")
os.environ["OMP_THREAD_LIMIT"] = "1"  # one core per Tesseract, as the worker runs it

import django  # noqa: E402

django.setup()

from PIL import Image, ImageDraw, ImageFilter, ImageFont  # noqa: E402

from asndigital.documents import checks, search, textract  # noqa: E402
from asndigital.documents.models import DocumentType  # noqa: E402

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
VAR = ROOT / "var" / "bench"
WORDS = [
    "pegawai",
    "negeri",
    "sipil",
    "calon",
    "keputusan",
    "kepala",
    "badan",
    "kepegawaian",
    "negara",
    "daerah",
    "kabupaten",
    "kota",
    "provinsi",
    "menimbang",
    "mengingat",
    "menetapkan",
    "memutuskan",
    "pertama",
    "kedua",
    "ketiga",
    "pangkat",
    "golongan",
    "ruang",
    "jabatan",
    "fungsional",
    "struktural",
    "gaji",
    "pokok",
    "tunjangan",
    "terhitung",
    "mulai",
    "tanggal",
    "pengangkatan",
    "pemberhentian",
    "kenaikan",
    "masa",
    "kerja",
    "tahun",
    "bulan",
    "pendidikan",
    "sarjana",
    "diploma",
    "undang-undang",
    "peraturan",
    "pemerintah",
    "nomor",
    "tentang",
    "sebagaimana",
    "dimaksud",
    "apabila",
    "kemudian",
    "hari",
    "terdapat",
    "kekeliruan",
    "akan",
    "diadakan",
    "perbaikan",
    "seperlunya",
    "salinan",
    "disampaikan",
    "kepada",
    "yang",
    "bersangkutan",
    "untuk",
    "diketahui",
    "dipergunakan",
    "ditetapkan",
    "pada",
]


def sk_text(rng: random.Random) -> tuple[str, dict]:
    nip = f"{rng.randint(1965, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    nip += f"{rng.randint(1990, 2022)}{rng.randint(1, 12):02d}{rng.randint(1, 2)}"
    nip += f"{rng.randint(1, 999):03d}"
    day = (rng.randint(1, 28), rng.randint(1, 12), rng.randint(2000, 2024))
    number = f"{rng.randint(800, 899)}/{rng.randint(1, 9999)}/BKD/{day[2]}"
    month = checks.MONTHS[day[1] - 1].capitalize()
    body = [
        "KEPUTUSAN KEPALA BADAN KEPEGAWAIAN DAERAH",
        f"NOMOR {number}",
        "TENTANG PENGANGKATAN CALON PEGAWAI NEGERI SIPIL",
    ]
    for _ in range(14):
        body.append(" ".join(rng.choice(WORDS) for _ in range(8)).capitalize() + ".")
    body += [
        f"Nama : {rng.choice(['Siti', 'Budi', 'Dewi'])} {rng.choice(['Rahayu', 'Santoso'])}",
        f"NIP : {nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}",
        f"Ditetapkan di Bandung pada tanggal {day[0]} {month} {day[2]}",
    ]
    metadata = {
        "nomor_sk": number,
        "tanggal_sk": f"{day[2]}-{day[1]:02d}-{day[0]:02d}",
    }
    return "\n".join(body), {"nip": nip, "metadata": metadata}


def draw(text: str, dpi: int, rng: random.Random, degrade: bool) -> Image.Image:
    """An A4 page at ``dpi`` with 11 pt text; degraded as a cheap scanner does."""
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    font = ImageFont.truetype(FONT, int(11 / 72 * dpi))
    page = Image.new("L", (width, height), 255)
    pen = ImageDraw.Draw(page)
    y = int(dpi * 0.8)
    for line in text.splitlines():
        pen.text((int(dpi * 0.9), y), line, font=font, fill=0)
        y += int(11 / 72 * dpi * 1.6)
    if not degrade:
        return page
    page = page.rotate(rng.uniform(-2.5, 2.5), expand=False, fillcolor=255, resample=3)
    noise = Image.effect_noise((width, height), 28).point(lambda v: v - 128)
    page = Image.eval(Image.blend(page, noise.convert("L"), 0.25), lambda v: v)
    page = page.filter(ImageFilter.GaussianBlur(0.9))
    out = io.BytesIO()
    page.save(out, format="JPEG", quality=25)
    return Image.open(io.BytesIO(out.getvalue()))


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def ocr_figures(pages: int, seed: int) -> dict:
    rng = random.Random(seed)
    doc_type = DocumentType(
        code="sk-cpns",
        name="SK CPNS",
        metadata_fields=[
            {"name": "nomor_sk", "type": "text", "label": "Nomor SK"},
            {"name": "tanggal_sk", "type": "date", "label": "Tanggal SK"},
        ],
    )
    result = {}
    for dpi in (200, 300):
        for degrade in (False, True):
            chars = errors = nips = false_pages = false_checks = checks_done = 0
            seconds = 0.0
            for _ in range(pages):
                text, truth = sk_text(rng)
                image = draw(text, dpi, rng, degrade)
                t0 = time.perf_counter()
                got, _confidence = textract.ocr_image(image, dpi=dpi)
                seconds += time.perf_counter() - t0
                ref, hyp = " ".join(text.split()), " ".join(got.split())
                chars += len(ref)
                errors += edit_distance(ref, hyp)
                nips += truth["nip"] in checks.nips_in(got)
                found = checks.run(
                    text=got,
                    employee_nip=truth["nip"],
                    doc_type=doc_type,
                    metadata=truth["metadata"],
                )
                wrong = [f for f in found if f.ok is False]
                false_pages += bool(wrong)
                false_checks += len(wrong)
                checks_done += len([f for f in found if f.ok is not None or f.kind == "nip"])
            key = f"{dpi}dpi_{'degraded' if degrade else 'clean'}"
            result[key] = {
                "pages": pages,
                "char_accuracy": round(1 - errors / chars, 4),
                "nip_exact": round(nips / pages, 3),
                "false_mismatch_pages": round(false_pages / pages, 3),
                "false_mismatch_checks": round(false_checks / max(checks_done, 1), 3),
                "pages_per_s_per_core": round(pages / seconds, 3),
            }
            print(f"  OCR {key}: {result[key]}", file=sys.stderr)
    return result


# --- Search at scale ----------------------------------------------------------------------------


def _corpus(n: int, seed: int, start: int = 0):
    """(agency, terms, nip, sk words, body words) per document; terms hashed as
    search.terms_for does (the vocabulary's hashes made once, each document's own NIP and SK
    words hashed per document)."""
    from itertools import accumulate

    rng = random.Random(seed)
    key = search._key()
    vocabulary = [f"kata{i}" for i in range(20_000)] + WORDS
    hashed = {w: search.term(w, key) for w in vocabulary}
    cumulative = list(accumulate(1 / (rank + 1) for rank in range(len(vocabulary))))
    for i in range(start, start + n):
        body = rng.choices(vocabulary, cum_weights=cumulative, k=200)
        nip = f"19{i:016d}"
        sk = ["800", str(i), "bkd", "2020"]
        terms = [hashed[w] for w in body] + [search.term(w, key) for w in [nip, *sk]]
        yield i % 50, " ".join(terms), nip, sk, body


QUERIES = {
    "common word": lambda rng, docs: ["kata0"],
    "two words": lambda rng, docs: ["kata3", "kata40"],
    "phrase (3)": lambda rng, docs: None,  # taken from a document, as a phrase
    "NIP": lambda rng, docs: None,
    "SK number": lambda rng, docs: None,
    "rare word": lambda rng, docs: ["kata19999"],
}


def _queries(samples, rng, count):
    out = []
    for _ in range(count):
        kind = rng.choice(list(QUERIES))
        agency, nip, sk, body = rng.choice(samples)
        if kind == "phrase (3)":
            start = rng.randrange(0, len(body) - 3)
            q = search.Query([body[start : start + 3]])
        elif kind == "NIP":
            q = search.Query([[nip]])
        elif kind == "SK number":
            q = search.Query([sk])
        else:
            q = search.Query([[w] for w in QUERIES[kind](rng, None)])
        out.append((kind, agency, q))
    return out


def _percentiles(times):
    ordered = sorted(times)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(len(ordered) * 0.95) - 1] * 1000, 2),
    }


def _timed(db, mark: str, matching: str, agency: int, expression: str, times: list) -> int:
    """One search as the page makes it: the count, capped as ``search.count_capped`` caps it,
    then the first page of 20, newest first, in one agency of 50. The count found."""
    started = time.perf_counter()
    scoped = f"FROM doc WHERE agency = {mark} AND version_id IN ({matching})"
    capped = f"SELECT count(*) FROM (SELECT 1 {scoped} LIMIT {search.COUNT_CAP + 1}) found"
    found = db.execute(capped, (agency, expression)).fetchone()[0]
    db.execute(f"SELECT id {scoped} ORDER BY id DESC LIMIT 20", (agency, expression)).fetchall()
    times.append(time.perf_counter() - started)
    return found


def _summary(n: int, load_s: float, size: int, by_kind: dict, counts: dict) -> dict:
    every = [t for ts in by_kind.values() for t in ts]
    return {
        "docs": n,
        "load_s": round(load_s, 1),
        "bytes_per_doc": round(size / n),
        **_percentiles(every),
        "by_kind": {
            k: {**_percentiles(v), "median_count": statistics.median(counts[k])}
            for k, v in by_kind.items()
        },
    }


def _sample(i: int, n: int) -> bool:
    return i % max(1, n // 200) == 0


MIGRATION_0011 = "asndigital.documents.migrations.0011_search_stored_tsvector"


def search_sqlite(n: int, seed: int, queries: int) -> dict:
    from importlib import import_module

    migration = import_module("asndigital.documents.migrations.0009_version_text_and_search_index")
    VAR.mkdir(parents=True, exist_ok=True)
    path = VAR / "search.sqlite3"
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE doc (id INTEGER PRIMARY KEY, agency INTEGER, version_id INTEGER)")
    db.execute("CREATE INDEX doc_agency ON doc(agency)")
    db.execute(
        "CREATE TABLE documents_searchentry (id INTEGER PRIMARY KEY, version_id INTEGER, "
        "document_id INTEGER, terms TEXT)"
    )
    db.execute("CREATE UNIQUE INDEX entry_version ON documents_searchentry(version_id)")
    for sql in migration.SQLITE + import_module(MIGRATION_0011).SQLITE:
        db.execute(sql)
    samples = []
    t0 = time.perf_counter()
    batch_docs, batch_entries = [], []
    for i, (agency, terms, nip, sk, body) in enumerate(_corpus(n, seed)):
        batch_docs.append((i, agency, i))
        batch_entries.append((i, i, i, terms))
        if _sample(i, n):
            samples.append((agency, nip, sk, body))
        if len(batch_docs) == 5000:
            db.executemany("INSERT INTO doc VALUES (?,?,?)", batch_docs)
            db.executemany("INSERT INTO documents_searchentry VALUES (?,?,?,?)", batch_entries)
            db.commit()
            batch_docs, batch_entries = [], []
    db.executemany("INSERT INTO doc VALUES (?,?,?)", batch_docs)
    db.executemany("INSERT INTO documents_searchentry VALUES (?,?,?,?)", batch_entries)
    db.commit()
    load_s = time.perf_counter() - t0
    db.execute("VACUUM")
    db.execute("ANALYZE")
    size = path.stat().st_size  # the whole file: the terms column, the FTS5 index, the doc table
    rng = random.Random(seed + 1)
    by_kind: dict[str, list[float]] = {}
    counts: dict[str, list[int]] = {}
    for kind, agency, q in _queries(samples, rng, queries):
        expression = " AND ".join(
            '"' + " ".join(search.term(w) for w in p) + '"' for p in q.phrases
        )
        found = _timed(
            db,
            "?",
            search.SQLITE_MATCHING.replace("%s", "?"),
            agency,
            expression,
            by_kind.setdefault(kind, []),
        )
        counts.setdefault(kind, []).append(found)
    db.close()
    return _summary(n, load_s, size, by_kind, counts)


def _pg_copy(url: str, start: int, n: int, total: int, seed: int) -> list:
    """Rows ``start`` to ``start + n`` of the index, by COPY in text form (PostgreSQL computes
    the generated tsvector column as they arrive); the sampled documents."""
    import psycopg

    samples = []
    with psycopg.connect(url, autocommit=True) as db, db.cursor() as cur:
        columns = "(id, version_id, document_id, terms)"
        with cur.copy(f"COPY documents_searchentry {columns} FROM STDIN") as copy:
            chunk = []
            for i, (agency, terms, nip, sk, body) in enumerate(_corpus(n, seed, start), start):
                chunk.append(f"{i}\t{i}\t{i}\t{terms}\n")
                if _sample(i, total):
                    samples.append((agency, nip, " ".join(sk), " ".join(body)))
                if len(chunk) == 2000:
                    copy.write("".join(chunk))
                    chunk = []
                if (i - start) % 100_000 == 99_999:
                    print(
                        f"  search PostgreSQL: {i - start + 1:,} rows from {start:,}",
                        file=sys.stderr,
                    )
            copy.write("".join(chunk))
    return samples


def _pg_load(url: str, n: int, seed: int, streams: int) -> None:
    """The tables as the migrations make them, filled by ``streams`` COPY processes side by
    side (each its own seed and range of ids); the GIN index built after the load (as a
    migration on an existing table builds it), with more memory."""
    from concurrent.futures import ProcessPoolExecutor
    from importlib import import_module

    import psycopg

    migration = import_module(MIGRATION_0011)
    add_column, stats_target, create_index = migration.POSTGRES[:3]
    t0 = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("CREATE TABLE doc (id bigint PRIMARY KEY, agency int, version_id bigint)")
        db.execute(
            "CREATE TABLE documents_searchentry (id bigint PRIMARY KEY, version_id bigint, "
            "document_id bigint, terms text)"
        )
        db.execute("CREATE TABLE bench_sample (agency int, nip text, sk text, body text)")
        db.execute(add_column)
        db.execute(stats_target)
        with db.cursor() as cur, cur.copy("COPY doc FROM STDIN") as copy:
            copy.write("".join(f"{i}\t{i % 50}\t{i}\n" for i in range(n)))
    share = -(-n // streams)
    with ProcessPoolExecutor(streams) as pool:
        parts = [
            pool.submit(_pg_copy, url, start, min(share, n - start), n, seed + start)
            for start in range(0, n, share)
        ]
        samples = [row for part in parts for row in part.result()]
    print(f"  search PostgreSQL: rows in, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    with psycopg.connect(url, autocommit=True) as db:
        with db.cursor() as cur, cur.copy("COPY bench_sample FROM STDIN") as copy:
            for row in samples:
                copy.write_row(row)
        db.execute("SET maintenance_work_mem = '1GB'")
        db.execute(create_index)
        print(f"  search PostgreSQL: GIN index, {time.perf_counter() - t0:.0f} s", file=sys.stderr)
        db.execute("CREATE UNIQUE INDEX ON documents_searchentry (version_id)")
        db.execute("CREATE INDEX doc_agency ON doc(agency)")
        db.execute("VACUUM ANALYZE")


def search_postgres(n: int, seed: int, queries: int, reuse: bool, streams: int) -> dict:
    import psycopg
    from common import PG_SERVER, recreate_database

    url = f"{PG_SERVER}/asn_bench_search"
    t0 = time.perf_counter()
    if not reuse:
        url = recreate_database("asn_bench_search")
        _pg_load(url, n, seed, streams)
    load_s = time.perf_counter() - t0
    with psycopg.connect(url, autocommit=True) as db:
        n = db.execute("SELECT count(*) FROM doc").fetchone()[0]
        samples = [
            (agency, nip, sk.split(), body.split())
            for agency, nip, sk, body in db.execute("SELECT * FROM bench_sample").fetchall()
        ]
        size = db.execute(
            "SELECT pg_total_relation_size('documents_searchentry') + pg_total_relation_size('doc')"
        ).fetchone()[0]
        rng = random.Random(seed + 1)
        by_kind: dict[str, list[float]] = {}
        counts: dict[str, list[int]] = {}
        for kind, agency, q in _queries(samples, rng, queries):
            expression = " & ".join(
                "(" + " <-> ".join(search.term(w) for w in p) + ")" for p in q.phrases
            )
            found = _timed(
                db, "%s", search.POSTGRES_MATCHING, agency, expression, by_kind.setdefault(kind, [])
            )
            counts.setdefault(kind, []).append(found)
    return _summary(n, load_s, size, by_kind, counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=6, help="generated pages per dpi and kind")
    parser.add_argument("--docs", type=int, default=100_000, help="documents for SQLite search")
    parser.add_argument("--pg-docs", type=int, default=100_000, help="documents on PostgreSQL")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-ocr", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--streams", type=int, default=2, help="PostgreSQL COPY processes")
    parser.add_argument(
        "--reuse", action="store_true", help="search the PostgreSQL data of an earlier run again"
    )
    args = parser.parse_args()

    figures: dict = {"load_at_start": os.getloadavg(), "cores": os.cpu_count()}
    if not args.skip_ocr:
        figures["ocr"] = ocr_figures(args.pages, args.seed)
    if not args.skip_sqlite:
        figures["search_sqlite"] = search_sqlite(args.docs, args.seed, args.queries)
        print(f"  search SQLite: {figures['search_sqlite']}", file=sys.stderr)
    if not args.skip_postgres:
        figures["search_postgres"] = search_postgres(
            args.pg_docs, args.seed, args.queries, args.reuse, args.streams
        )
    figures["load_at_end"] = os.getloadavg()

    print(f"\nLoad average at start {figures['load_at_start']}, end {figures['load_at_end']}")
    if "ocr" in figures:
        header = ("OCR set", "char acc", "NIP exact", "false mism.", "pages/s/core")
        print("{:<20} {:>9} {:>10} {:>12} {:>13}".format(*header))
        for key, row in figures["ocr"].items():
            print(
                f"{key:<20} {row['char_accuracy']:>9.4f} {row['nip_exact']:>10.3f} "
                f"{row['false_mismatch_pages']:>12.3f} {row['pages_per_s_per_core']:>13.3f}"
            )
    print(f"{'search':<20} {'docs':>9} {'p50 ms':>10} {'p95 ms':>12} {'bytes/doc':>13}")
    for key in ("search_sqlite", "search_postgres"):
        if key in figures:
            row = figures[key]
            print(
                f"{key:<20} {row['docs']:>9} {row['p50_ms']:>10} {row['p95_ms']:>12} "
                f"{row['bytes_per_doc']:>13}"
            )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
