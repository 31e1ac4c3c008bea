"""Every URL the project serves, found the way Django and django-ninja find them, and how to
fill each one's path with a real object of agency A or B (or a missing one)."""

from __future__ import annotations

import re
from datetime import date
from functools import cache

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.documents.files import pdf_bytes

API_PREFIX = "/api/v1"


def web_routes() -> dict[str, str]:
    """{key: route} for every URL pattern, except the API's operations (see api_operations):
    the key is the namespaced URL name, or the route itself when the pattern has no name."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str, namespace: str) -> None:
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = ":".join(n for n in (namespace, entry.namespace or "") if n)
                walk(entry.url_patterns, route, inner)
            elif isinstance(entry, URLPattern):
                if "/" + route in _api_routes():
                    continue
                key = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
                found[key or route] = route

    walk(get_resolver().url_patterns, "", "")
    return found


def canonical(path: str) -> str:
    """``/employees/{nip}`` and ``api/v1/employees/<nip>`` both become ``/employees/{}``."""
    path = "/" + path.lstrip("/")
    path = path.removeprefix(API_PREFIX)
    return re.sub(r"\{[^}]*\}|<[^>]*>", "{}", path)


def api_operations() -> set[str]:
    """``"GET /employees/{}"`` for every operation the API's OpenAPI document describes."""
    return {
        f"{method.upper()} {canonical(path)}"
        for path, operations in _openapi_paths().items()
        for method in operations
    }


@cache
def _openapi_paths() -> dict:
    from asndigital.api.core import api

    return api.get_openapi_schema()["paths"]


def _api_routes() -> set[str]:
    return {
        API_PREFIX + re.sub(r"\{([^}]*)\}", r"<\1>", path.removeprefix(API_PREFIX))
        for path in _openapi_paths()
    }


# --- Filling paths ------------------------------------------------------------------------------
# Each function takes the world and a target ("A", "B" or "missing") and gives the URL kwargs.


def _employee(w, t):
    return {"pk": w.employee[t].pk}


def _document(w, t):
    return {"pk": w.document[t].pk}


def _version(w, t):
    return {"pk": w.document[t].pk, "version_id": w.document[t].current_version_id}


def _proposal(w, t):
    return {"pk": w.proposal[t].pk}


URL_KWARGS = {
    "accounts:revoke_api_token": lambda w, t: {"pk": w.token[t].pk},
    "accounts:rename_device": lambda w, t: {"device_id": w.device[t].pk},
    "accounts:remove_device": lambda w, t: {"device_id": w.device[t].pk},
    "accounts:rename_passkey": lambda w, t: {"passkey_id": w.passkey[t].pk},
    "accounts:remove_passkey": lambda w, t: {"passkey_id": w.passkey[t].pk},
    "personnel:employee_detail": _employee,
    "personnel:correct_email": _employee,
    "personnel:reset_mfa": _employee,
    "personnel:upload_document": _employee,
    "personnel:bulk_proposal": lambda w, t: {"pk": w.bulk_file[t].pk},
    "documents:detail": _document,
    "documents:accept": _document,
    "documents:reject": _document,
    "documents:view": _version,
    "documents:download": _version,
    "documents:thumbnail": _version,
    "records:place_hold": _employee,
    "records:transfer": _employee,
    "records:export": _employee,
    "records:lift_hold": lambda w, t: {"hold_id": w.hold[t].pk},
    "records:destruction_detail": _proposal,
    "records:destruction_record": _proposal,
    # The first step of the workflow; each step's own rules are in tests/records.
    "records:destruction_step": lambda w, t: {"pk": w.proposal[t].pk, "step": "ajukan"},
    "dashboards:agency": lambda w, t: {"agency_id": w.agency[t].pk},
    "queue:item": _document,
    "queue:renew": _document,
    "queue:accept": _document,
    "queue:reject": _document,
    "queue:remove_reason": lambda w, t: {"pk": w.reason_template[t].pk},
    "verification:check": lambda w, t: {"code": w.verification_code[t]},
    "corrections:detail": lambda w, t: {"pk": w.correction[t].pk},
    "corrections:answer": lambda w, t: {"pk": w.correction[t].pk},
    "corrections:attachment": lambda w, t: {"pk": w.correction[t].pk},
    "sso:rotate_secret": lambda w, t: {"pk": w.sso_client[t].pk},
    "sso:disable": lambda w, t: {"pk": w.sso_client[t].pk},
    "sso:change": lambda w, t: {"pk": w.sso_client[t].pk},
    "sso:revoke_consent": lambda w, t: {"pk": w.sso_consent[t].pk},
}

API_PATHS = {
    "/employees/{}": lambda w, t: f"/employees/{w.employee[t].nip}",
    "/employees/{}/documents": lambda w, t: f"/employees/{w.employee[t].nip}/documents",
    "/documents/{}/versions/{}/file": lambda w, t: f"/documents/{w.document[t].pk}/versions/1/file",
    "/documents/{}/versions/{}/signatures": lambda w, t: (
        f"/documents/{w.document[t].pk}/versions/1/signatures"
    ),
    "/documents/{}/accept": lambda w, t: f"/documents/{w.document[t].pk}/accept",
    "/documents/{}/reject": lambda w, t: f"/documents/{w.document[t].pk}/reject",
    "/corrections/{}/answer": lambda w, t: f"/corrections/{w.correction[t].pk}/answer",
    "/reports/missing": lambda w, t: f"/reports/missing?agency={getattr(w.agency[t], 'code', 'X')}",
    "/queue/figures": lambda w, t: f"/queue/figures?agency={getattr(w.agency[t], 'code', 'X')}",
}


def _view_on_site(w, t):
    from django.contrib.contenttypes.models import ContentType

    from asndigital.personnel.models import Employee

    return {
        "content_type_id": ContentType.objects.get_for_model(Employee).pk,
        "object_id": w.employee[t].pk,
    }


URL_KWARGS |= {
    "admin:view_on_site": _view_on_site,
    "admin:app_list": lambda w, t: {"app_label": "personnel"},
}
RAW_URLS = {"admin/(?P<url>.*)$": "/admin/tidak-ada/"}  # the admin's catch-all


def web_url(world, key: str, target: str) -> str:
    if key in RAW_URLS:
        return RAW_URLS[key]
    kwargs = URL_KWARGS[key](world, target) if key in URL_KWARGS else None
    return reverse(key, kwargs=kwargs)


# The Django admin gives every registered model the same six URLs.
ADMIN_VIEWS = ("changelist", "add", "history", "delete", "change", "old")


def admin_model_key(label: str, view: str) -> str:
    app, model = label.split(".")
    if view == "old":  # Django's redirect from the pre-1.9 address to the change page
        return f"admin/{app}/{model}/<path:object_id>/"
    return f"admin:{app}_{model}_{view}"


def admin_model_url(world, label: str, view: str) -> str:
    app, model = label.split(".")
    pk = world.admin_objects[label]
    if view == "old":
        return f"/admin/{app}/{model}/{pk}/"
    kwargs = {"object_id": pk} if view in ("history", "delete", "change") else None
    return reverse(admin_model_key(label, view), kwargs=kwargs)


def api_url(world, path: str, target: str) -> str:
    fill = API_PATHS.get(path)
    return API_PREFIX + (fill(world, target) if fill else path)


# --- What a POST sends -------------------------------------------------------------------------
# Valid data, so that an allowed actor's request really succeeds; a fresh file each time.


def _upload(w, t):
    return {
        "type": "realisasi-skp",
        "meta_tahun": "2025",
        "source": "digital",
        "file": SimpleUploadedFile("skp.pdf", pdf_bytes(3), content_type="application/pdf"),
    }


def _transfer(w, t):
    other = w.agency["B" if t == "A" else "A"]
    today = date.today().isoformat()
    return {
        "to_agency": other.pk,
        "effective_on": today,
        "nomor_sk": "800/77/BKD/2026",
        "tanggal_sk": today,
        "sk": SimpleUploadedFile("sk.pdf", pdf_bytes(8), content_type="application/pdf"),
    }


def _bulk(w, t):
    name = f"{w.employee[t].nip}_realisasi-skp.pdf"
    return {"files": SimpleUploadedFile(name, pdf_bytes(9), content_type="application/pdf")}


POST_DATA = {
    "accounts:api_tokens": lambda w, t: {
        "agency": w.agency[t].pk,
        "name": "SIMPEG",
        "scopes": ["employees:read", "documents:read"],
    },
    "accounts:rename_device": lambda w, t: {"name": "HP kantor"},
    "accounts:rename_passkey": lambda w, t: {"name": "Laptop kantor"},
    "personnel:correct_email": lambda w, t: {
        "email": "baru@example.go.id",
        "reason": "Salah ketik",
    },
    "personnel:reset_mfa": lambda w, t: {"reason": "HP hilang"},
    "personnel:upload_document": _upload,
    "personnel:bulk_upload": _bulk,
    "personnel:bulk_proposal": lambda w, t: {"action": "confirm"},
    "documents:reject": lambda w, t: {"reason": "Tidak terbaca"},
    "queue:reject": lambda w, t: {"reason": "Tidak terbaca"},
    "queue:reasons": lambda w, t: {"agency": w.agency[t].pk, "text": "Pindaian buram"},
    "records:place_hold": lambda w, t: {"reason": "Perkara 13/Pdt.G/2026"},
    "records:lift_hold": lambda w, t: {"reason": "Perkara selesai"},
    "records:transfer": _transfer,
    "records:destruction_create": lambda w, t: {"agency": w.agency[t].pk, "title": "Usulan baru"},
    "set_language": lambda w, t: {"language": "en", "next": "/"},
    "corrections:create": lambda w, t: {"subject": "nama", "note": "Nama saya salah ketik"},
    "corrections:answer": lambda w, t: {"outcome": "corrected", "answer": "Sudah diperbaiki"},
    # Nothing filled in: "fill in at least one file" (the world has no bulk upload to complete).
    "worklists:metadata": lambda w, t: {"row": []},
}

API_POST = {
    "/employees/{}/documents": lambda w, t: (
        {
            "type": "realisasi-skp",
            "metadata": '{"tahun": "2025"}',
            "file": SimpleUploadedFile("skp.pdf", pdf_bytes(3), content_type="application/pdf"),
        },
        {},
    ),
    "/documents/{}/reject": lambda w, t: (
        {"reason": "Tidak terbaca"},
        {"content_type": "application/json"},
    ),
    "/corrections/{}/answer": lambda w, t: (
        {"outcome": "refused", "answer": "Data sudah sesuai SK"},
        {"content_type": "application/json"},
    ),
    "/me/corrections": lambda w, t: ({"subject": "jabatan", "note": "Jabatan saya salah"}, {}),
}
