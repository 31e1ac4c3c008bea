"""Schemathesis over the API's own OpenAPI document (/api/v1/openapi.json), in process.

Every operation of the document gets the coverage phase (boundary and invalid values, other
methods), its examples and MAX_EXAMPLES generated requests, valid and invalid (positive and
negative modes), seeded and derandomized, so every run sends the same requests. Each request is
sent once by each caller (`build_world`: two tokens of an agency, a national token, two
sessions), inside a savepoint rolled back afterwards, so one caller's upload or decision never
changes what the next one sees. Responses must pass schemathesis' checks (no 5xx, documented
status codes, content types, headers and bodies, invalid data refused, valid data not refused
with 422, authentication enforced) and ``errors_are_json``.

The OpenAPI document is read from the application when this module is imported (no database:
the document is built from the code; schemathesis' lazy `from_fixture` loader fails on pytest
9.2, whose nodes no longer have `_nodeid`); the world to fuzz against is built once for the
module, inside a transaction rolled back at its end. How to run it, and what it found:
docs/api.md, "Fuzzing".
"""

from __future__ import annotations

import atexit
import base64
import shutil
import tempfile
import time
import zlib
from types import SimpleNamespace

import factory.random
import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client, override_settings
from hypothesis import configuration
from schemathesis.config import SchemathesisConfig
from schemathesis.core.parameters import ParameterLocation

from asndigital.accounts import tokens
from asndigital.accounts.models import Role
from asndigital.documents import services as documents
from asndigital.personnel.models import EmploymentType
from asndigital.wsgi import application
from tests.documents.files import pdf_bytes
from tests.factories import (
    READ_SCOPES,
    WRITE_SCOPES,
    AgencyFactory,
    EmployeeFactory,
    UnitFactory,
    UserFactory,
    grant,
)
from tests.helpers import enrol, upload

# Generated requests per operation, after the coverage phase's (which do not count here). With
# five callers, the whole file takes about a minute on 2 cores; more finds more, slowly.
MAX_EXAMPLES = 15
SEED = 20261127
CSRF_SECRET = "schemathesiscsrfsecret1234567890"  # 32 characters, as Django's secrets
IJAZAH = {"jenjang": "S1", "institusi": "Universitas Padjadjaran", "tahun": "2005"}
# Accepted whatever the data: the services' refusals (400: unknown type, metadata, not a PDF...)
# cannot be written in the schema; 422 is not among them, it means the schema let through what
# the API's validation refuses.
ACCEPTED = ["2xx", "400", "401", "403", "404", "429"]

# Hypothesis keeps caches (Unicode tables, the constants of the code) under .hypothesis/ in the
# working directory, some already while this module is collected: this module's go to a
# temporary folder, removed at exit, and the usual one is put back after its tests. Its example
# database is off ("database": "none").
HYPOTHESIS_HOME = configuration.storage_directory(intent_to_write=False).home_directory
_hypothesis_tmp = tempfile.mkdtemp(prefix="asn-hypothesis-")
atexit.register(shutil.rmtree, _hypothesis_tmp, ignore_errors=True)
configuration.set_hypothesis_home_dir(_hypothesis_tmp)

CONFIG = SchemathesisConfig.from_dict(
    {
        "seed": SEED,
        "generation": {
            "deterministic": True,
            "database": "none",
            "max-examples": MAX_EXAMPLES,
            # The callers' credentials are sent with every request; generated ones would only
            # make ninja fall back from a bad token to the session.
            "with-security-parameters": False,
        },
        "checks": {"positive_data_acceptance": {"expected-statuses": ACCEPTED}},
        "operations": [
            {
                # The cursor is opaque: one the API did not make is refused with 422.
                "include-path": "/api/v1/employees",
                "include-method": "GET",
                "checks": {"positive_data_acceptance": {"expected-statuses": [*ACCEPTED, "422"]}},
            }
        ],
    }
)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application, config=CONFIG)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Two agencies, their employees and documents, and the callers: built once for the
    module in a transaction rolled back at its end; stored files go to a temporary folder."""
    files = tmp_path_factory.mktemp("files")
    stores = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": files},
        },
    }
    # Django's test client stops requests from closing the database connection (the test's
    # transaction); schemathesis calls the WSGI application itself, so this module does.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with (
            django_db_blocker.unblock(),
            # The rate limit is not what is fuzzed here (a few thousand requests a minute).
            override_settings(STORAGES=stores, ASN_API_RATE=1_000_000),
            transaction.atomic(),
        ):
            yield build_world()
            transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(scope="module", autouse=True)
def _hypothesis_home_back():
    yield
    configuration.set_hypothesis_home_dir(HYPOTHESIS_HOME)


def build_world() -> SimpleNamespace:
    factory.random.reseed_random(SEED)  # the same names in every run
    documents.load_catalogue()
    agency = AgencyFactory(code="KOTA-A", name="Pemerintah Kota A")
    other = AgencyFactory(code="KOTA-B", name="Pemerintah Kota B")
    admin, operator, verifier, auditor, bkn = (UserFactory() for _ in range(5))
    grant(admin, Role.AGENCY_ADMIN, agency)
    grant(operator, Role.OPERATOR, agency)
    grant(verifier, Role.VERIFIER, agency)
    grant(auditor, Role.AUDITOR)
    grant(bkn, Role.BKN_ADMIN)
    mine = EmployeeFactory(
        agency=agency, unit=UnitFactory(agency=agency, code="DINKES"), nip="199001012015031001"
    )
    contract = EmployeeFactory(agency=agency, employment_type=EmploymentType.PPPK)
    theirs = EmployeeFactory(agency=other, nip="199202022016042002")
    waiting = upload(operator, mine).document
    accepted = upload(operator, mine, pdf_bytes(2), code="ijazah", meta=IJAZAH).document
    documents.accept_document(actor=verifier, document=accepted)
    elsewhere = upload(theirs.user, theirs).document

    _token, read = tokens.create_token(actor=admin, name="read", agency=agency, scopes=READ_SCOPES)
    _token, write = tokens.create_token(
        actor=admin, name="write", agency=agency, scopes=WRITE_SCOPES
    )
    _token, national = tokens.create_token(
        actor=bkn, name="national", agency=None, scopes=READ_SCOPES
    )
    # caller: (headers, cookies)
    callers = {
        "write token of KOTA-A": ({"Authorization": f"Bearer {write}"}, {}),
        "read token of KOTA-A": ({"Authorization": f"Bearer {read}"}, {}),
        "national read token": ({"Authorization": f"Bearer {national}"}, {}),
    }
    # People use the session (after the second factor), with the CSRF token on writes.
    for name, user in {"national auditor": auditor, "verifier of KOTA-A": verifier}.items():
        enrol(user)
        client = Client()
        client.force_login(user)
        session = client.session
        session["asn_started"] = session["asn_seen"] = int(time.time())
        session.save()
        cookies = {
            settings.SESSION_COOKIE_NAME: session.session_key,
            settings.CSRF_COOKIE_NAME: CSRF_SECRET,
        }
        # Werkzeug sends the cookies; schemathesis' ignored_auth check sees credentials it was
        # given (and so probes without them) only in a Cookie header, which Werkzeug replaces.
        cookie_header = "; ".join(f"{key}={value}" for key, value in cookies.items())
        callers[f"session of the {name}"] = (
            {"Cookie": cookie_header, "X-CSRFToken": CSRF_SECRET},
            cookies,
        )

    nips = [mine.nip, contract.nip, theirs.nip]
    return SimpleNamespace(
        callers=callers,
        # Values a generated one is replaced with, by parameter name (see `steer`).
        values={
            "nip": nips,
            "after": nips,
            "q": [mine.nip[:8], mine.name.split()[0]],
            "status": ["aktif", "pensiun"],
            "document_id": [str(d.pk) for d in (waiting, accepted, elsewhere)],
            "number": [1],
            "agency": [agency.code, other.code],
            "unit": ["DINKES"],
            "actor": [operator.username, verifier.username],
            "action": ["document.", "api_token.created"],
            # The ends of the calendar, which hypothesis seldom draws.
            "since": ["0001-01-01", "9999-12-31"],
            "until": ["0001-01-01", "9999-12-31"],
        },
    )


def pick(value, choices: list):
    """One of ``choices`` instead of ``value`` three times out of four, decided by ``value``
    itself (a hash that is the same in every process): generation stays deterministic."""
    digest = zlib.crc32(repr(value).encode())
    return value if digest % 4 == 0 else choices[digest // 4 % len(choices)]


def is_negative(case, location: ParameterLocation) -> bool:
    meta = case.meta
    return meta is not None and (meta.generation.mode.is_negative or meta.is_negative_at(location))


def steer(case, world) -> None:
    """Point most valid requests at things that exist: without it nearly every request is a
    404 and the code behind it is never reached. Invalid parts stay as made."""
    for location, values in (
        (ParameterLocation.PATH, case.path_parameters),
        (ParameterLocation.QUERY, case.query),
    ):
        if values and not is_negative(case, location):
            for name, value in values.items():
                if name in world.values:
                    values[name] = pick(value, world.values[name])
    cursor = (case.query or {}).get("cursor")
    if isinstance(cursor, str) and not is_negative(case, ParameterLocation.QUERY):
        # A cursor is base64 of a query string (position, direction, offset): fuzz inside it.
        field = pick(cursor, ["p", "r", "o"])
        if field != cursor:
            case.query["cursor"] = base64.b64encode(f"{field}={cursor}".encode()).decode()
    body = case.body
    if isinstance(body, dict) and ("file" in body or case.media_type == "multipart/form-data"):
        for name, value in body.items():
            # Werkzeug's test client (schemathesis' WSGI transport) writes an empty form field
            # without the line break before the next boundary, so Django never sees it; real
            # clients send it. A space reaches the same checks (unknown type, no JSON, ...).
            if value == "":
                body[name] = " "


def errors_are_json(ctx, response, case):
    """Every error answer under /api/ is JSON with a stable code and a message."""
    if response.status_code < 400:
        return
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), (
        f"{response.status_code} answered as {content_type!r}, not JSON"
    )
    body = response.json()
    assert isinstance(body, dict), body
    assert isinstance(body.get("code"), str) and isinstance(body.get("message"), str), body


@schema.parametrize()
@pytest.mark.django_db
def test_api(case, world):
    steer(case, world)
    for caller, (headers, cookies) in world.callers.items():
        with transaction.atomic():
            try:
                case.call_and_validate(
                    headers=headers, cookies=cookies, additional_checks=[errors_are_json]
                )
            except BaseException as failure:
                failure.add_note(f"sent by the {caller}")
                raise
            transaction.set_rollback(True)
