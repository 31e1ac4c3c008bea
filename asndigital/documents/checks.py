"""Content checks for the verifier: what the document's text says beside what was entered.

From the version's text (``VersionText``): the NIPs printed on it (compared with the
employee's), the SK number and the dates of the metadata (are they on the document?), and the
type's key words (is it the kind of document it was uploaded as?). Each check gives a plain
sentence; nothing is decided from them: the verifier reads the document and decides. OCR makes
reading errors, so a mismatch is a reason to look, never a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from asndigital.documents import search, services, textract
from asndigital.documents.models import VersionText

MONTHS = [
    "januari",
    "februari",
    "maret",
    "april",
    "mei",
    "juni",
    "juli",
    "agustus",
    "september",
    "oktober",
    "november",
    "desember",
]
# Words a document of the type carries (normalised); a type not listed uses its name's words.
KEYWORDS = {
    "sk-cpns": ["keputusan", "calon pegawai negeri sipil", "cpns"],
    "sk-pns": ["keputusan", "pegawai negeri sipil", "pns"],
    "sk-pppk": ["keputusan", "pegawai pemerintah dengan perjanjian kerja", "pppk"],
    "perjanjian-kerja": ["perjanjian kerja"],
    "sk-kp": ["keputusan", "kenaikan pangkat"],
    "sk-jabatan": ["keputusan", "jabatan"],
    "sk-pindah-instansi": ["keputusan", "pindah", "mutasi"],
    "sk-hukuman-disiplin": ["keputusan", "hukuman disiplin"],
    "ijazah": ["ijazah"],
    "transkrip": ["transkrip", "nilai"],
    "spmt": ["surat pernyataan melaksanakan tugas", "melaksanakan tugas"],
    "drh": ["daftar riwayat hidup", "riwayat hidup"],
    "pak": ["angka kredit"],
    "sk-pak": ["angka kredit"],
}
_SHORT = {"sk", "dan", "di", "ke", "dari", "the", "of"}


@dataclass
class Finding:
    kind: str  # nip, sk_number, date, keywords
    ok: bool | None  # True matches, False differs / not found, None nothing to compare
    message: str


def nips_in(text: str) -> list[str]:
    """18-digit NIPs printed in the text (with or without spaces), in order, once each; only
    those whose first eight digits are a birth date."""
    found = []
    for match in search.NIP_PRINTED.finditer(text):
        nip = "".join(match.groups())
        try:
            date(int(nip[:4]), int(nip[4:6]), int(nip[6:8]))
        except ValueError:
            continue
        if nip not in found:
            found.append(nip)
    return found


def _spaced(nip: str) -> str:
    return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}" if len(nip) == 18 else nip


def contains(words: list[str], phrase: str) -> bool:
    wanted = search.words(phrase)
    if not wanted:
        return False
    n = len(wanted)
    return any(words[i : i + n] == wanted for i in range(len(words) - n + 1))


def keywords_for(doc_type) -> list[str]:
    """The words (normalised phrases) a document of the type carries."""
    return KEYWORDS.get(doc_type.code) or [
        w for w in search.words(doc_type.name) if len(w) > 3 and w not in _SHORT
    ]


def date_forms(day: date) -> list[str]:
    """The ways a date is printed on Indonesian documents, as word sequences."""
    month = MONTHS[day.month - 1]
    return [
        f"{day.day} {month} {day.year}",
        f"{day.day:02d} {month} {day.year}",
        f"{day.day:02d} {day.month:02d} {day.year}",
        f"{day.day} {day.month} {day.year}",
        f"{day.year} {day.month:02d} {day.day:02d}",
    ]


def _shown(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1].capitalize()} {day.year}"


def run(*, text: str, employee_nip: str, doc_type, metadata: dict) -> list[Finding]:
    """The findings for a version's text; none may stop anything."""
    words = search.words(text)
    findings = []

    nips = nips_in(text)
    if not nips:
        findings.append(Finding("nip", None, _("No NIP could be read on the document.")))
    elif employee_nip in nips:
        message = _("The employee's NIP %(nip)s is on the document.") % {"nip": employee_nip}
        findings.append(Finding("nip", True, message))
    for nip in nips:
        if nip != employee_nip and employee_nip not in nips:
            message = _(
                "NIP on the document %(found)s differs from the employee's NIP %(nip)s."
            ) % {"found": _spaced(nip), "nip": _spaced(employee_nip)}
            findings.append(Finding("nip", False, message))

    labels = {spec["name"]: spec for spec in doc_type.metadata_fields}
    number = str(metadata.get("nomor_sk") or metadata.get("nomor") or "")
    if number:
        if contains(words, number):
            message = _("The number %(number)s is on the document.") % {"number": number}
            findings.append(Finding("sk_number", True, message))
        else:
            message = _("The number entered (%(number)s) was not found on the document.") % {
                "number": number
            }
            findings.append(Finding("sk_number", False, message))

    for name, value in metadata.items():
        spec = labels.get(name) or {}
        if spec.get("type") != "date" or not value:
            continue
        try:
            day = date.fromisoformat(str(value))
        except ValueError:
            continue
        label = spec.get("label") or name
        values = {"label": label, "date": _shown(day)}
        if any(contains(words, form) for form in date_forms(day)):
            message = _("%(label)s %(date)s is on the document.") % values
            findings.append(Finding("date", True, message))
        else:
            message = _("%(label)s entered (%(date)s) was not found on the document.") % values
            findings.append(Finding("date", False, message))

    keys = keywords_for(doc_type)
    hit = next((k for k in keys if contains(words, k)), None)
    if hit:
        message = _("Words of a %(type)s were found (“%(word)s”).") % {
            "type": doc_type.name,
            "word": hit,
        }
        findings.append(Finding("keywords", True, message))
    elif keys:
        message = _("None of the words a %(type)s usually carries was found (%(words)s).") % {
            "type": doc_type.name,
            "words": ", ".join(keys),
        }
        findings.append(Finding("keywords", False, message))
    return findings


def reason_for(row, version) -> str:
    """Why a version has no text, in words. A version stored before encryption at rest was
    read (a method is recorded) but its text not kept: the service records "not_encrypted";
    rows made before it did say "failed", which would be untrue."""
    code = row.reason
    if code == "failed" and row.method and not version.is_encrypted:
        code = "not_encrypted"
    return str(textract.REASONS.get(code, textract.REASONS["failed"]))


def for_version(version) -> dict:
    """What the document page (and the verifier's queue) shows: the text's state, the reason
    when there is none, and the findings."""
    row = VersionText.objects.filter(version=version).first()
    if row is None or row.state == VersionText.State.PENDING:
        return {"state": "pending", "findings": []}
    if row.state == VersionText.State.NONE:
        return {"state": "none", "reason": reason_for(row, version), "findings": []}
    try:
        text = services.version_text(version)
    except Exception:
        text = None
    if not text:
        return {"state": "none", "reason": textract.REASONS["failed"], "findings": []}
    document = version.document
    findings = run(
        text=text,
        employee_nip=document.employee.nip,
        doc_type=document.doc_type,
        metadata=version.metadata or {},
    )
    return {
        "state": "ready",
        "method": row.method,
        "confidence": row.confidence,
        "findings": findings,
        "mismatches": sum(1 for f in findings if f.ok is False),
    }
