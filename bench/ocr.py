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
import resource
import sqlite3
import statistics
import sys
import time
from dataclasses import dataclass, field
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
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
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


def _nip(rng: random.Random) -> str:
    nip = f"{rng.randint(1965, 2000)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    nip += f"{rng.randint(1990, 2022)}{rng.randint(1, 12):02d}{rng.randint(1, 2)}"
    return nip + f"{rng.randint(1, 999):03d}"


def _spaced(nip: str) -> str:
    return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"


def _day(rng: random.Random) -> tuple[tuple[int, int, int], str]:
    day = (rng.randint(1, 28), rng.randint(1, 12), rng.randint(2000, 2024))
    return day, f"{day[0]} {checks.MONTHS[day[1] - 1].capitalize()} {day[2]}"


def _name(rng: random.Random) -> str:
    first = rng.choice(["Siti", "Budi", "Dewi", "Agus", "Rina", "Made", "Yohanes"])
    return f"{first} {rng.choice(['Rahayu', 'Santoso', 'Wijaya', 'Lestari', 'Nugroho'])}"


def _sentence(rng: random.Random, n: int = 8) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


@dataclass
class Page:
    """What is drawn (text runs and rules, in inches) and the text in reading order."""

    runs: list = field(default_factory=list)  # (x, y, text, points, bold, centred)
    rules: list = field(default_factory=list)  # (x0, y0, x1, y1)
    reference: list = field(default_factory=list)
    truth: dict = field(default_factory=dict)

    def line(self, x, y, text, pt=11, bold=False, centred=False, read=True):
        self.runs.append((x, y, text, pt, bold, centred))
        if read:
            self.reference.append(text)


def sk_text(rng: random.Random) -> tuple[str, dict]:
    """The decree of the first set (kept as it was, so figures stay comparable)."""
    nip = _nip(rng)
    day, shown = _day(rng)
    number = f"{rng.randint(800, 899)}/{rng.randint(1, 9999)}/BKD/{day[2]}"
    body = [
        "KEPUTUSAN KEPALA BADAN KEPEGAWAIAN DAERAH",
        f"NOMOR {number}",
        "TENTANG PENGANGKATAN CALON PEGAWAI NEGERI SIPIL",
    ]
    body += [_sentence(rng) for _ in range(14)]
    body += [
        f"Nama : {rng.choice(['Siti', 'Budi', 'Dewi'])} {rng.choice(['Rahayu', 'Santoso'])}",
        f"NIP : {_spaced(nip)}",
        f"Ditetapkan di Bandung pada tanggal {shown}",
    ]
    metadata = {"nomor_sk": number, "tanggal_sk": f"{day[2]}-{day[1]:02d}-{day[0]:02d}"}
    return "\n".join(body), {"nip": nip, "metadata": metadata, "type": "sk-cpns"}


def layout_sk(rng: random.Random) -> Page:
    text, truth = sk_text(rng)
    page = Page(truth=truth)
    for i, line in enumerate(text.splitlines()):
        page.line(0.9, 0.8 + i * 11 / 72 * 1.6, line)
    return page


def _decree(rng: random.Random, code: str, title: str, subject: str, series: str):
    """A page with a decree's centred heading; (the page, the NIP it will carry, its date)."""
    nip = _nip(rng)
    day, shown = _day(rng)
    number = f"{rng.randint(800, 899)}/{rng.randint(1, 9999)}/{series}/{day[2]}"
    page = Page(truth={"nip": nip, "type": code})
    page.truth["metadata"] = {
        "nomor_sk": number,
        "tanggal_sk": f"{day[2]}-{day[1]:02d}-{day[0]:02d}",
    }
    page.line(4.13, 0.8, title, 12, True, True)
    page.line(4.13, 1.05, f"NOMOR {number}", 11, False, True)
    page.line(4.13, 1.3, f"TENTANG {subject}", 11, False, True)
    return page, nip, shown


def layout_sk_table(rng: random.Random) -> Page:
    """A decree whose annex is a ruled table of five people (NIPs unspaced, 9 pt)."""
    page, nip, shown = _decree(
        rng, "sk-kp", "KEPUTUSAN BUPATI", "KENAIKAN PANGKAT PEGAWAI NEGERI SIPIL", "BKD"
    )
    y = 1.7
    for _ in range(5):
        page.line(0.9, y, _sentence(rng, 7))
        y += 0.25
    columns = [(0.8, "No"), (1.2, "Nama"), (2.9, "NIP"), (5.0, "Pangkat"), (6.5, "Gol")]
    top, height = y + 0.2, 0.32
    rows = [[c[1] for c in columns]]
    for i in range(5):
        person = nip if i == 0 else _nip(rng)
        rank = rng.choice(["Penata Muda", "Penata", "Pengatur"])
        rows.append([str(i + 1), _name(rng), person, rank, rng.choice(["III/a", "III/b", "II/c"])])
    for r, row in enumerate(rows):
        for (x, _title), cell in zip(columns, row, strict=True):
            page.line(x + 0.08, top + r * height + 0.07, cell, 9, r == 0)
        page.rules.append((0.8, top + r * height, 7.4, top + r * height))
    bottom = top + len(rows) * height
    page.rules.append((0.8, bottom, 7.4, bottom))
    for x, _title in [*columns, (7.4, "")]:
        page.rules.append((x, top, x, bottom))
    y = bottom + 0.3
    for _ in range(4):
        page.line(0.9, y, _sentence(rng, 7))
        y += 0.25
    page.line(3.9, y + 0.2, f"Ditetapkan di Sleman pada tanggal {shown}")
    return page


def layout_ijazah(rng: random.Random) -> Page:
    """An ijazah: centred lines in several sizes, a serial number, the signer's NIP."""
    nip = _nip(rng)
    day, shown = _day(rng)
    serial = f"{rng.randint(10, 99)}{rng.randint(100, 999)} {rng.randint(100000, 999999)}"
    page = Page(truth={"nip": nip, "type": "ijazah"})
    page.truth["metadata"] = {
        "nomor": serial,
        "tanggal_lulus": f"{day[2]}-{day[1]:02d}-{day[0]:02d}",
    }
    page.line(6.0, 0.7, f"Nomor Seri Ijazah: {serial}", 9)
    rows = [
        (1.4, "UNIVERSITAS NEGERI NUSANTARA", 16, True),
        (1.8, "IJAZAH", 26, True),
        (2.5, "diberikan kepada", 11, False),
        (2.9, _name(rng).upper(), 18, True),
        (3.4, f"lahir di Kota Bandung pada tanggal {_day(rng)[1]}", 11, False),
        (3.7, "yang telah menyelesaikan pendidikan dan memenuhi segala syarat", 11, False),
        (3.95, "pada Program Studi Administrasi Publik", 11, False),
        (4.2, "dengan sebutan Sarjana Administrasi Publik (S.AP)", 11, False),
        (4.45, f"lulus pada tanggal {shown}", 11, False),
    ]
    for y, text, pt, bold in rows:
        page.line(4.13, y, text, pt, bold, True)
    page.line(5.0, 5.6, f"Bandung, {shown}")
    page.line(5.0, 5.85, "Rektor,")
    page.line(5.0, 6.9, _name(rng), 11, True)
    page.line(5.0, 7.15, f"NIP {_spaced(nip)}")
    return page


def layout_two_columns(rng: random.Random) -> Page:
    """A circular in two columns, read left column first; the NIP at the foot of the right."""
    page, nip, shown = _decree(
        rng, "sk-jabatan", "KEPUTUSAN KEPALA DINAS PENDIDIKAN", "PENGANGKATAN DALAM JABATAN", "SE"
    )
    for column, x in enumerate((0.8, 4.35)):
        y = 1.8
        for _ in range(16):
            page.line(x, y, " ".join(rng.choice(WORDS) for _ in range(4)))
            y += 0.24
        if column == 1:
            page.line(x, y + 0.1, f"NIP : {_spaced(nip)}")
            page.line(x, y + 0.34, f"Tanggal {shown}")
    return page


LAYOUTS = {
    "sk": layout_sk,
    "sk_table": layout_sk_table,
    "ijazah": layout_ijazah,
    "two_columns": layout_two_columns,
}


def _font(pt: float, bold: bool, dpi: int):
    return ImageFont.truetype(BOLD if bold else FONT, int(pt / 72 * dpi))


def draw_page(page: Page, dpi: int, rng: random.Random, degrade: bool) -> Image.Image:
    """An A4 page at ``dpi``; degraded as a cheap scanner does."""
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    image = Image.new("L", (width, height), 255)
    pen = ImageDraw.Draw(image)
    for x, y, text, pt, bold, centred in page.runs:
        font = _font(pt, bold, dpi)
        left = int(x * dpi)
        if centred:
            left -= int(pen.textlength(text, font=font) / 2)
        pen.text((left, int(y * dpi)), text, font=font, fill=0)
    for x0, y0, x1, y1 in page.rules:
        pen.line([(x0 * dpi, y0 * dpi), (x1 * dpi, y1 * dpi)], fill=0, width=max(1, dpi // 100))
    if not degrade:
        return image
    image = image.rotate(rng.uniform(-2.5, 2.5), expand=False, fillcolor=255, resample=3)
    noise = Image.effect_noise((width, height), 28).point(lambda v: v - 128)
    image = Image.eval(Image.blend(image, noise.convert("L"), 0.25), lambda v: v)
    image = image.filter(ImageFilter.GaussianBlur(0.9))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=25)
    return Image.open(io.BytesIO(out.getvalue()))


def edit_distance(a: str, b: str, band: int = 120) -> int:
    """Levenshtein distance, computed within ``band`` of the diagonal (OCR text stays close to
    the original, and the full table costs seconds a page in Python); when the result reaches
    the band the whole table is computed, so the figure is exact either way."""
    width = max(band, abs(len(a) - len(b)) + 1)
    big = len(a) + len(b)
    previous = {j: j for j in range(min(len(b), width) + 1)}
    for i, ca in enumerate(a, 1):
        low, high = max(0, i - width), min(len(b), i + width)
        current = {low: i if low == 0 else big}
        for j in range(max(1, low), high + 1):
            current[j] = min(
                previous.get(j, big) + 1,
                current.get(j - 1, big) + 1,
                previous.get(j - 1, big) + (ca != b[j - 1]),
            )
        previous = current
    distance = previous.get(len(b), big)
    if distance < width or width >= max(len(a), len(b)):
        return distance
    return edit_distance(a, b, band=max(len(a), len(b)))


def _doc_type(code: str) -> DocumentType:
    if code == "ijazah":
        fields = [
            {"name": "nomor", "type": "text", "label": "Nomor ijazah"},
            {"name": "tanggal_lulus", "type": "date", "label": "Tanggal lulus"},
        ]
    else:
        fields = [
            {"name": "nomor_sk", "type": "text", "label": "Nomor SK"},
            {"name": "tanggal_sk", "type": "date", "label": "Tanggal SK"},
        ]
    return DocumentType(code=code, name=code.upper(), metadata_fields=fields)


def _child_cpu() -> float:
    """CPU seconds used by finished children (Tesseract): the cost of a page whatever the load."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def ocr_figures(pages: int, seed: int, layouts: list[str], dpis: list[int]) -> dict:
    rng = random.Random(seed)
    result = {}
    for layout in layouts:
        for dpi in dpis:
            for degrade in (False, True):
                chars = errors = nips = false_pages = false_checks = checks_done = 0
                seconds = cpu = 0.0
                for _ in range(pages):
                    page = LAYOUTS[layout](rng)
                    image = draw_page(page, dpi, rng, degrade)
                    t0, c0 = time.perf_counter(), _child_cpu()
                    got, _confidence = textract.ocr_image(image, dpi=dpi)
                    seconds += time.perf_counter() - t0
                    cpu += _child_cpu() - c0
                    ref = " ".join(" ".join(page.reference).split())
                    hyp = " ".join(got.split())
                    chars += len(ref)
                    errors += edit_distance(ref, hyp)
                    truth = page.truth
                    nips += truth["nip"] in checks.nips_in(got)
                    found = checks.run(
                        text=got,
                        employee_nip=truth["nip"],
                        doc_type=_doc_type(truth["type"]),
                        metadata=truth["metadata"],
                    )
                    wrong = [f for f in found if f.ok is False]
                    false_pages += bool(wrong)
                    false_checks += len(wrong)
                    checks_done += len([f for f in found if f.ok is not None or f.kind == "nip"])
                key = f"{layout}_{dpi}dpi_{'degraded' if degrade else 'clean'}"
                result[key] = {
                    "pages": pages,
                    "char_accuracy": round(1 - errors / chars, 4),
                    "nip_exact": round(nips / pages, 3),
                    "false_mismatch_pages": round(false_pages / pages, 3),
                    "false_mismatch_checks": round(false_checks / max(checks_done, 1), 3),
                    "pages_per_s_per_core": round(pages / seconds, 3),
                    "pages_per_cpu_s": round(pages / cpu, 3),
                }
                print(f"  OCR {key}: {result[key]}", file=sys.stderr, flush=True)
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


MIGRATION_0013 = "asndigital.documents.migrations.0013_search_stored_tsvector"


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
    for sql in migration.SQLITE + import_module(MIGRATION_0013).SQLITE:
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

    migration = import_module(MIGRATION_0013)
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
    parser.add_argument("--pages", type=int, default=8, help="generated pages per set")
    parser.add_argument(
        "--layouts", default=",".join(LAYOUTS), help=f"OCR page layouts, of {', '.join(LAYOUTS)}"
    )
    parser.add_argument("--dpis", default="200,300", help="OCR resolutions")
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
        layouts = [name for name in args.layouts.split(",") if name]
        dpis = [int(d) for d in args.dpis.split(",") if d]
        figures["ocr"] = ocr_figures(args.pages, args.seed, layouts, dpis)
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
        header = ("OCR set", "char acc", "NIP exact", "false mism.", "pages/s/core", "pages/cpu-s")
        print("{:<28} {:>9} {:>10} {:>12} {:>13} {:>12}".format(*header))
        for key, row in figures["ocr"].items():
            print(
                f"{key:<28} {row['char_accuracy']:>9.4f} {row['nip_exact']:>10.3f} "
                f"{row['false_mismatch_pages']:>12.3f} {row['pages_per_s_per_core']:>13.3f} "
                f"{row['pages_per_cpu_s']:>12.3f}"
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
