"""The public verification page: anyone holding a copy checks it against the archive.

Nothing here needs an account. The code printed on a document (120 random bits) is the only key;
unknown codes are throttled per address so they cannot be enumerated. The page shows what the
document is and its SHA-256, never its content; a copy is compared by hashing it in the browser
or, without JavaScript, by uploading it to a handler that keeps only its hash.
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from asndigital.accounts import throttle
from asndigital.documents import selectors
from asndigital.documents.uploads import HashingUploadHandler
from asndigital.records.models import DestructionProposal


def _throttles(request) -> tuple[throttle.Throttle, throttle.Throttle]:
    ip = throttle.client_ip(request)
    return (
        throttle.Throttle("verify-code", ip, settings.ASN_VERIFY_FREE_MISSES),
        throttle.Throttle("verify-copy", ip, settings.ASN_VERIFY_FREE_COPIES),
    )


def _slow_down(request, wait: int):
    return render(request, "documents/verify_wait.html", {"wait": wait}, status=429)


def start_view(request):
    """Type in the code printed on a copy (or scan its QR code, which opens the page directly)."""
    error = ""
    code = request.GET.get("kode", "")
    if code:
        cleaned = selectors.normalise_code(code)
        if cleaned is not None:
            return redirect("verification:check", code=cleaned)
        error = _(
            "A verification code has 24 letters and digits, "
            "for example 7K3M-9QXA-4TZ2-HB8R-C6WD-F1NP."
        )
    return render(request, "documents/verify_start.html", {"code": code, "error": error})


def _destruction_record(code):
    """A destruction record (berita acara) verifies with its own code."""
    candidates = selectors.code_candidates(code)
    if not candidates:
        return None
    # scoping: public: the record is found by its unguessable code, shown to anyone who has it
    proposals = DestructionProposal.objects.select_related("agency")  # scoping: public by code
    return proposals.filter(verification_code__in=candidates).first()


@csrf_exempt  # CSRF is checked below, once the hashing upload handler is in place
def check_view(request, code):
    if request.method == "POST":
        request.upload_handlers = [HashingUploadHandler(request)]
    return _check(request, code)


@csrf_protect
def _check(request, code):
    misses, copies = _throttles(request)
    wait, _dirty = (
        throttle.check(misses, copies) if request.method == "POST" else throttle.check(misses)
    )
    if wait:
        return _slow_down(request, wait)
    version = selectors.public_verification(code)
    if version is None:
        record_ = _destruction_record(code)
        if record_ is not None:
            return render(request, "documents/verify_record.html", {"proposal": record_})
        misses.failure()
        return render(request, "documents/verify_unknown.html", {"code": code}, status=404)
    facts = selectors.public_facts(version)
    result = None
    if request.method == "POST":
        copies.failure()  # every uploaded comparison counts: bandwidth is not free either
        copy = request.FILES.get("copy")
        if copy is None:
            result = {"error": _("Choose the file you want to compare.")}
        else:
            result = {"match": copy.sha256 == version.sha256, "sha256": copy.sha256}
    return render(
        request,
        "documents/verify_check.html",
        {"facts": facts, "result": result},
        status=200,
    )
