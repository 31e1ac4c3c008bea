"""Checking the PDFs the system makes with tools the project did not write: qpdf (structure),
poppler's pdffonts (every font embedded) and pdftotext (the text as a reader gets it back), and
the PDF/A identification read with pikepdf. veraPDF is not packaged by Debian, so it is not used.

Without qpdf or poppler-utils the tests that need them skip, unless ASN_REQUIRE_PDF_TOOLS=1 (CI);
`make test` installs them (`make pdf-tools`)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest

TOOLS = ("qpdf", "pdffonts", "pdftotext")

# Names the old Latin-1 writer printed wrongly ("Ma?ruf"), and an Arabic-script name.
NAMES = [
    "H. Ma’ruf",
    "Ni Luh Putu Ayu Dewi Saraswati",
    "Đặng Văn Lâm",
    "Ñoño Ibáñez",
    "Jürgen Müller",
    "محمد عبد الله",
]


def flat(text: str) -> str:
    """pdftotext's text as one line: line breaks (a wrapped name) become spaces, and the marks
    it puts around right-to-left runs go."""
    return " ".join(text.translate(dict.fromkeys(range(0x202A, 0x202F))).split())


def require_tools() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        message = f"{', '.join(missing)} not installed (apt-get install qpdf poppler-utils)"
        if os.environ.get("ASN_REQUIRE_PDF_TOOLS") == "1":
            pytest.fail(message)
        pytest.skip(f"{message}; `make pdf-tools` installs them")


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def fonts(path: Path) -> list[dict[str, str]]:
    """pdffonts' table: one dict per font, by column name (name, type, encoding, emb, ...)."""
    result = _run("pdffonts", str(path))
    assert result.returncode == 0, result.stderr
    header, rule, *rows = result.stdout.splitlines()
    # Columns are cut where the rule's dashes are; a name may contain spaces.
    spans, start = [], 0
    for dashes in rule.split(" "):
        spans.append((start, start + len(dashes)))
        start += len(dashes) + 1
    names = [header[a:b].strip() for a, b in spans]
    return [{n: row[a:b].strip() for n, (a, b) in zip(names, spans, strict=True)} for row in rows]


def check_pdf(data: bytes, tmp_path: Path) -> str:
    """Assert what every PDF the system makes must be, and return its text (pdftotext)."""
    require_tools()
    path = tmp_path / "checked.pdf"
    path.write_bytes(data)

    result = _run("qpdf", "--check", str(path))
    assert result.returncode == 0, result.stdout + result.stderr

    table = fonts(path)
    assert table, "no fonts at all"
    for font in table:
        assert font["emb"] == "yes", f"font not embedded: {font}"
        assert font["uni"] == "yes", f"font without a Unicode map: {font}"

    with pikepdf.open(io.BytesIO(data)) as pdf:
        meta = pdf.open_metadata()
        assert meta["pdfaid:part"] == "2" and meta["pdfaid:conformance"] == "B"
        assert meta["dc:title"] and meta["xmp:CreateDate"] and meta["xmp:ModifyDate"]
        [intent] = pdf.Root.OutputIntents
        assert intent.Type == "/OutputIntent" and intent.S == "/GTS_PDFA1"
        profile = intent.DestOutputProfile
        assert profile.N == 3 and profile.read_bytes()[16:20] == b"RGB "  # an RGB ICC profile
        assert "sRGB" in str(intent.OutputConditionIdentifier)
        assert pdf.pdf_version >= "1.4"

    result = _run("pdftotext", "-enc", "UTF-8", str(path), "-")
    assert result.returncode == 0, result.stderr
    return result.stdout
