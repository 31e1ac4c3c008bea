"""Electronic signatures (TTE, PAdES) in PDFs, checked with pyHanko: who signed, when, whether
the file changed afterwards, and whether the signer's certificate leads to a trusted root.

Checked offline: the trust roots are configuration (``ASN_SIGNATURE_TRUST_ROOTS``), and the
revocation data used is what the file itself carries (its DSS, the signature's own
revocation-info attribute). Fetching CRLs and OCSP responses from the network happens only when
an operator enables ``ASN_SIGNATURE_FETCH_REVOCATION``.

The check of an uploaded file runs in a child process with a memory and a time limit, like the
previews (``thumbnails``): a signed PDF is parsed deeply (every revision, the difference
analysis between them), and a hostile one must not take the worker with it. ``check_file`` is
the parent's door; the child prints the report as JSON.

A report is plain data (JSON), kept with the version (``SignatureReport``):
``{"state": ..., "signatures": [...], "checked_at": ..., "detail": ...}``. Each signature has a
``state`` from ``STATES``; the file's state is the worst of its signatures', ``unsigned`` when it
has none, ``unchecked`` when the check itself could not finish (too big, too slow).
"""

from __future__ import annotations

import asyncio
import json
import logging
import resource
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

logger = logging.getLogger(__name__)

# From best to worst: a file's state is the worst of its signatures'.
VALID = "valid"  # intact, unchanged, chain to a configured trust root
UNTRUSTED = "untrusted"  # intact and unchanged, but the chain ends at a root not configured
EXPIRED = "expired"  # the signer's certificate was not valid at the time that counts
REVOKED = "revoked"  # the signer's (or a CA's) certificate is revoked
MODIFIED = "modified"  # the signature is intact, but the file was changed after signing
BROKEN = "broken"  # the signature does not match, or cannot be read at all
STATES = (VALID, UNTRUSTED, EXPIRED, REVOKED, MODIFIED, BROKEN)
UNSIGNED = "unsigned"  # the file holds no signature
UNCHECKED = "unchecked"  # the check could not finish (time or memory limit, unreadable PDF)
FILE_STATES = (*STATES, UNSIGNED, UNCHECKED)

MAX_SIGNATURES = 30  # a file with more is reported as such, not checked signature by signature
CHILD_MEMORY = 1024 * 1024 * 1024  # bytes of data the checking process may allocate
CHILD_SECONDS = 60
_PROJECT = Path(__file__).resolve().parents[2]
ENGINE = "pyHanko"


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def outside_event_loop(function, *args, **kwargs):
    """``function(*args, **kwargs)``, in another thread when this one runs an event loop:
    pyHanko's synchronous calls start their own loop, which asyncio refuses inside a running
    one (an ASGI server's thread, Playwright in the tests)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as other_thread:
        return other_thread.submit(function, *args, **kwargs).result()


def worst(states) -> str:
    """The worst of several signature states (VALID when there are none)."""
    return max(states, key=STATES.index, default=VALID)


# --- Trust roots -----------------------------------------------------------------------------


def load_roots(location: str) -> list[bytes]:
    """The DER certificates of the configured trust store: a PEM bundle, or a directory of
    PEM/DER files (``*.pem``, ``*.crt``, ``*.cer``). Empty when nothing is configured."""
    # imported here: pyhanko is heavy: loaded only when a signature is checked or made
    from asn1crypto import pem

    if not location:
        return []
    path = Path(location)
    if not path.exists():
        raise FileNotFoundError(
            f"the trust store {location} (ASN_SIGNATURE_TRUST_ROOTS) is missing"
        )
    files = (
        sorted(p for p in path.iterdir() if p.suffix.lower() in (".pem", ".crt", ".cer"))
        if path.is_dir()
        else [path]
    )
    found: list[bytes] = []
    for file in files:
        data = file.read_bytes()
        if pem.detect(data):
            found += [der for _kind, _headers, der in pem.unarmor(data, multiple=True)]
        else:
            found.append(data)
    return found


# --- One file, in this process ---------------------------------------------------------------


def _name(cert) -> str:
    """The signer's name as people read it: the certificate's common name, else the subject."""
    subject = cert.subject.native
    return str(subject.get("common_name") or cert.subject.human_friendly)


def _certificate(cert) -> dict:
    return {
        "subject": cert.subject.human_friendly,
        "issuer": cert.issuer.human_friendly,
        "serial": format(cert.serial_number, "X"),
        "not_before": _iso(cert.not_valid_before),
        "not_after": _iso(cert.not_valid_after),
        "sha256": cert.sha256.hex(),
    }


def _revocation_data(embedded) -> tuple[list, list]:
    """CRLs and OCSP responses the signature carries itself (Adobe's revocation attribute)."""
    # imported here: pyhanko is heavy: loaded only when a signature is checked or made
    from pyhanko.sign.general import find_unique_cms_attribute

    try:
        archival = find_unique_cms_attribute(
            embedded.signer_info["signed_attrs"], "adobe_revocation_info_archival"
        )
    except Exception:  # absent or malformed: no embedded revocation data
        return [], []
    crls = list(archival["crl"]) if archival["crl"] else []
    ocsps = list(archival["ocsp"]) if archival["ocsp"] else []
    return crls, ocsps


def _judge(status, cert, moment: datetime) -> tuple[str, str]:
    """(state, reason) of one validated signature."""
    # imported here: pyhanko is heavy: loaded only when a signature is checked or made
    from pyhanko.sign.ades.report import AdESIndeterminate
    from pyhanko.sign.diff_analysis import ModificationLevel, SuspiciousModification
    from pyhanko.sign.validation import SignatureCoverageLevel

    if not status.intact:
        return BROKEN, "the signed bytes do not match the signature's digest"
    if not status.valid:
        return BROKEN, "the signature value does not verify with the signer's key"
    if (
        status.coverage is None
        or status.coverage < SignatureCoverageLevel.ENTIRE_REVISION
        or isinstance(status.diff_result, SuspiciousModification)
        or status.modification_level is None
        or status.modification_level == ModificationLevel.OTHER
        or status.docmdp_ok is False
    ):
        return MODIFIED, "the file was changed after signing in a way a signature does not allow"
    if status.revoked:
        return REVOKED, "a certificate in the chain is revoked"
    indication = status.trust_problem_indic
    time_problems = (
        AdESIndeterminate.EXPIRED,
        AdESIndeterminate.NOT_YET_VALID,
        AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
        AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED,
    )
    signed_at = _trusted_time(status)
    when = signed_at or moment
    if indication in time_problems or not (cert.not_valid_before <= when <= cert.not_valid_after):
        return EXPIRED, "the signer's certificate was not valid at the time that counts"
    if status.trusted:
        return VALID, ""
    return UNTRUSTED, (indication.name if indication is not None else "no trusted path")


def _trusted_time(status) -> datetime | None:
    """The time a trusted timestamp proves the signature existed at, if any."""
    stamp = getattr(status, "timestamp_validity", None)
    if stamp is not None and stamp.intact and stamp.valid and stamp.trusted:
        return stamp.timestamp
    return None


def _timestamp(status) -> dict | None:
    stamp = getattr(status, "timestamp_validity", None)
    if stamp is None:
        return None
    return {
        "time": _iso(stamp.timestamp),
        "authority": _name(stamp.signing_cert),
        "intact": bool(stamp.intact and stamp.valid),
        "trusted": bool(stamp.trusted),
    }


def _check_signature(embedded, *, roots, fetch, dss, moment) -> dict:
    """The report of one embedded signature; never raises."""
    # imported here: pyhanko is heavy: loaded only when a signature is checked or made
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    result: dict = {"field": "", "state": BROKEN, "reason": ""}
    try:
        result["field"] = str(embedded.field_name or "")
        cert = embedded.signer_cert
    except Exception as exc:
        result["reason"] = f"the signature cannot be read ({type(exc).__name__})"
        return result
    result["signer"] = _name(cert)
    result["certificate"] = _certificate(cert)
    crls, ocsps = _revocation_data(embedded)
    dss_certs, dss_crls, dss_ocsps = dss
    result["validation_data"] = {
        "embedded": bool(crls or ocsps or dss_crls or dss_ocsps),
        "crls": len(crls) + len(dss_crls),
        "ocsps": len(ocsps) + len(dss_ocsps),
    }

    def validate(at: datetime):
        context = ValidationContext(
            trust_roots=list(roots),  # never None: that would mean the system's TLS roots
            other_certs=list(dss_certs),
            crls=[*crls, *dss_crls],
            ocsps=[*ocsps, *dss_ocsps],
            allow_fetching=fetch,
            revocation_mode="soft-fail",
            moment=at,
        )
        return validate_pdf_signature(embedded, context)

    try:
        status = validate(moment)
        proven = _trusted_time(status)
        if (
            proven is not None
            and not status.trusted
            and not status.revoked
            and cert.not_valid_before <= proven <= cert.not_valid_after
        ):
            # A trusted timestamp proves the signature existed while the certificate was
            # valid: the chain is judged at that time (a certificate that ended since, or a
            # CA that expired, does not undo a signature made in time).
            status = validate(proven)
    except Exception as exc:  # malformed CMS, an unsupported format, a broken byte range
        result["reason"] = f"the signature cannot be checked ({type(exc).__name__}: {exc})"[:300]
        return result
    result["signed_at"] = _iso(status.signer_reported_dt)
    result["timestamp"] = _timestamp(status)
    result["coverage"] = status.coverage.name if status.coverage is not None else None
    level = status.modification_level
    result["modification_level"] = level.name if level is not None else None
    result["intact"] = bool(status.intact)
    result["trusted"] = bool(status.trusted)
    result["revoked"] = bool(status.revoked)
    result["chain"] = (
        [_name(c) for c in status.validation_path.iter_certs(include_root=True)]
        if status.validation_path is not None
        else []
    )
    result["state"], result["reason"] = _judge(status, cert, moment)
    return result


def _read_dss(reader) -> tuple[list, list, list]:
    # imported here: pyhanko is heavy: loaded only when a signature is checked or made
    from asn1crypto import crl as asn1_crl
    from asn1crypto import ocsp as asn1_ocsp
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.sign.validation.dss import DocumentSecurityStore, NoDSSFoundError

    try:
        dss = DocumentSecurityStore.read_dss(reader)
    except (NoDSSFoundError, PdfReadError, ValueError, KeyError, TypeError):
        return [], [], []
    certs = list(dss.load_certs())
    crls = [asn1_crl.CertificateList.load(ref.get_object().data) for ref in dss.crls]
    ocsps = [asn1_ocsp.OCSPResponse.load(ref.get_object().data) for ref in dss.ocsps]
    return certs, crls, ocsps


def check_pdf(path: Path, *, roots: list[bytes], fetch: bool = False, moment=None) -> dict:
    """The signature report of the PDF at ``path`` (this process; ``check_file`` isolates)."""
    return outside_event_loop(_check_pdf, path, roots=roots, fetch=fetch, moment=moment)


def _check_pdf(path: Path, *, roots: list[bytes], fetch: bool, moment) -> dict:
    # imported here: pyhanko is heavy: loaded only when a signature is checked or made
    from asn1crypto import x509
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.fields import enumerate_sig_fields

    moment = moment or _now()
    report: dict = {"checked_at": _iso(moment), "engine": _engine(), "signatures": []}
    trust = [x509.Certificate.load(der) for der in roots]
    with path.open("rb") as stream:
        try:
            reader = PdfFileReader(stream, strict=False)
            fields = [
                (name, value, field)
                for name, value, field in enumerate_sig_fields(reader, filled_status=True)
            ]
        except Exception as exc:
            return {**report, "state": UNCHECKED, "detail": f"unreadable PDF ({exc})"[:300]}
        regular, stamps = [], 0
        for name, value, field in fields:
            try:
                kind = value.get_object().get("/Type")
            except Exception:
                kind = None
            if kind == "/DocTimeStamp":
                stamps += 1
            else:
                regular.append((name, field))
        report["document_timestamps"] = stamps
        if not regular:
            return {**report, "state": UNSIGNED}
        if len(regular) > MAX_SIGNATURES:
            return {
                **report,
                "state": UNCHECKED,
                "count": len(regular),
                "detail": f"{len(regular)} signatures; at most {MAX_SIGNATURES} are checked",
            }
        dss = _read_dss(reader)
        for name, field in regular:
            report["signatures"].append(_one(reader, name, field, trust, fetch, dss, moment))
    report["count"] = len(report["signatures"])
    report["state"] = worst(s["state"] for s in report["signatures"])
    return report


def _one(reader, name, field, trust, fetch, dss, moment) -> dict:
    # imported here: pyhanko is heavy: loaded only when a signature is checked or made
    from pyhanko.sign.validation import EmbeddedPdfSignature

    try:
        embedded = EmbeddedPdfSignature(reader, field, name)
    except Exception as exc:  # malformed CMS: the signature cannot even be parsed
        return {
            "field": str(name),
            "state": BROKEN,
            "reason": f"the signature cannot be read ({type(exc).__name__})",
        }
    return _check_signature(embedded, roots=trust, fetch=fetch, dss=dss, moment=moment)


def _engine() -> str:
    return f"{ENGINE} {version('pyHanko')}, certvalidator {version('pyhanko-certvalidator')}"


# --- One file, isolated ----------------------------------------------------------------------


def may_be_signed(path: Path) -> bool:
    """Whether the PDF has a filled signature field (its form's fields, walked a bounded
    number of steps with qpdf): most uploads are unsigned scans, and need no child process.
    When in doubt (an odd form, too many fields), True: the full check decides."""
    # imported here: pikepdf is heavy: loaded only when a PDF is opened
    import pikepdf

    try:
        with pikepdf.open(path) as pdf:
            form = pdf.Root.get("/AcroForm")
            if form is None:
                return False
            pending = list(form.get("/Fields") or [])
            for _step in range(10_000):
                if not pending:
                    return False
                field = pending.pop()
                if field.get("/FT") == "/Sig" and field.get("/V") is not None:
                    return True
                pending += list(field.get("/Kids") or [])
            return True
    except Exception:
        return True


def check_file(path: Path, *, roots_location: str, fetch: bool) -> dict:
    """The report of the PDF at ``path``, made in a child process under a memory and time
    limit; a check that cannot finish gives an ``unchecked`` report, never an exception."""
    if not may_be_signed(path):
        return {
            "state": UNSIGNED,
            "checked_at": _iso(_now()),
            "engine": ENGINE,
            "signatures": [],
            "document_timestamps": 0,
        }
    job = json.dumps({"path": str(path), "roots": roots_location, "fetch": fetch})
    try:
        result = subprocess.run(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", __name__, str(CHILD_MEMORY)],
            cwd=_PROJECT,
            input=job.encode(),
            capture_output=True,
            timeout=CHILD_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return unchecked(f"the check took more than {CHILD_SECONDS} s")
    if result.returncode != 0:
        logger.warning("signature check failed: %r", result.stderr[-500:])
        if b"ASN_SIGNATURE_TRUST_ROOTS" in result.stderr:
            return unchecked("the configured trust store cannot be read")
        return unchecked(f"the check stopped (exit {result.returncode})")
    try:
        return json.loads(result.stdout)
    except ValueError:
        return unchecked("the check gave no report")


def unchecked(detail: str) -> dict:
    """The report of a check that could not finish, saying why."""
    return {
        "state": UNCHECKED,
        "checked_at": _iso(_now()),
        "engine": ENGINE,
        "signatures": [],
        "detail": detail,
    }


def _child() -> None:
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))
    # pyHanko logs what it skips; the parent only reads stdout.
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    job = json.loads(sys.stdin.buffer.read())
    roots = load_roots(job["roots"])
    report = check_pdf(Path(job["path"]), roots=roots, fetch=bool(job["fetch"]))
    sys.stdout.write(json.dumps(report))


if __name__ == "__main__":  # the child: python -m asndigital.documents.signatures BYTES < job
    _child()
