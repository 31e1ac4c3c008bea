"""One small archive with two agencies, every kind of actor signed in, and a request helper
that leaves no trace (tests/security/, issue 8).

The world is built once for the package inside a transaction that is rolled back at the end;
each request of the matrix runs inside its own savepoint, rolled back too, so a write by one
actor (an upload, a revoked token, a logout) never changes what the next actor sees.
"""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import date
from http.cookies import SimpleCookie
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import Client, override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from asndigital.accounts import tokens
from asndigital.accounts.models import Role
from asndigital.accounts.security_views import REAUTH
from asndigital.audit.models import AuditEvent
from asndigital.documents import matching, storage
from asndigital.documents import pending as pending_uploads
from asndigital.documents import services as documents
from asndigital.documents.models import DocumentType
from asndigital.documents.queue_services import add_reason_template
from asndigital.personnel import corrections
from asndigital.records import destruction
from asndigital.records import services as records
from asndigital.records.models import FixityRun, RetentionSchedule
from asndigital.schedule.models import ScheduledJob
from asndigital.sso import services as sso_services
from asndigital.sso.models import Consent
from tests.documents.files import pdf_bytes
from tests.factories import AgencyFactory, EmployeeFactory, UnitFactory, UserFactory, grant
from tests.helpers import add_passkey, enrol, upload

PASSWORD = "Kata-sandi-uji-123"  # every factory-made user's password
# The CSRF secret every matrix client carries as its cookie and sends back (32 characters).
CSRF_SECRET = "securitymatrixcsrfsecret12345678"
SPMT = {"nomor": "800/12/2015", "tanggal": "02-03-2015", "tmt": "01-03-2015"}
IJAZAH = {"jenjang": "S1", "institusi": "Universitas Padjadjaran", "tahun": "2005"}

# The people of the matrix: (code, who). Agency A holds the employee whose dossier is probed;
# agency B is the other agency. The codes are the matrix's column headers.
PEOPLE = [
    ("an", "anonymous"),
    ("em", "the employee (ASN of agency A)"),
    ("co", "a colleague: another ASN of agency A"),
    ("oA", "operator of A"),
    ("vA", "verifier (verifikator) of A"),
    ("rA", "records officer (arsiparis) of A"),
    ("aA", "agency admin (BKPSDM) of A"),
    ("mA", "monitor of A"),
    ("uA", "auditor (inspectorate) of A"),
    ("oB", "operator of B"),
    ("vB", "verifier of B"),
    ("rB", "records officer of B"),
    ("aB", "agency admin of B"),
    ("bk", "national admin (BKN)"),
    ("mN", "national monitor"),
    ("uN", "national auditor"),
]
# Service accounts, for the API only: API tokens of agency A (read, write) and a national one.
TOKENS = [
    ("tE", "token of A: employees:read"),
    ("tD", "token of A: documents:read"),
    ("tU", "token of A: documents:write"),
    ("tV", "token of A: decisions:write"),
    ("tP", "token of A: reports:read"),
    ("tA", "token of A: audit:read"),
    ("tN", "national token: employees:read documents:read reports:read"),
]
# The scope each one-scope token of A holds (the national token's are in build_world).
TOKEN_SCOPES = {
    "tE": "employees:read",
    "tD": "documents:read",
    "tU": "documents:write",
    "tV": "decisions:write",
    "tP": "reports:read",
    "tA": "audit:read",
}
STAFF = {
    "oA": (Role.OPERATOR, "A"),
    "vA": (Role.VERIFIER, "A"),
    "rA": (Role.RECORDS_OFFICER, "A"),
    "aA": (Role.AGENCY_ADMIN, "A"),
    "mA": (Role.MONITOR, "A"),
    "uA": (Role.AUDITOR, "A"),
    "oB": (Role.OPERATOR, "B"),
    "vB": (Role.VERIFIER, "B"),
    "rB": (Role.RECORDS_OFFICER, "B"),
    "aB": (Role.AGENCY_ADMIN, "B"),
    "bk": (Role.BKN_ADMIN, None),
    "mN": (Role.MONITOR, None),
    "uN": (Role.AUDITOR, None),
}
MISSING_INT = 987_654_321


@dataclass
class World:
    """Objects by target: "A" (agency A's), "B" (agency B's), "missing" (does not exist)."""

    agency: dict
    employee: dict
    document: dict
    hold: dict
    proposal: dict
    token: dict
    device: dict
    passkey: dict
    verification_code: dict
    correction: dict = field(default_factory=dict)  # correction requests of A's and B's employee
    reason_template: dict = field(default_factory=dict)
    bulk_file: dict = field(default_factory=dict)  # a bulk file proposed to its operator (oA, oB)
    sso_client: dict = field(default_factory=dict)  # a single sign-on application
    sso_consent: dict = field(default_factory=dict)  # the employee's consent to it
    users: dict = field(default_factory=dict)
    admin_objects: dict = field(default_factory=dict)  # {"app.model": a pk} for the admin
    sessions: dict = field(default_factory=dict)
    bearer: dict = field(default_factory=dict)
    clients: dict = field(default_factory=dict)
    # Answers asked once and reused by the matrix (see test_authorization_matrix).
    admin_door: dict = field(default_factory=dict)
    missing_answers: dict = field(default_factory=dict)


def _missing_employee():
    return SimpleNamespace(pk=uuid.uuid4(), nip="199001012015011999")


def _gone_employee(agency, officer):
    """An employee who left in 2010 with two documents, both past their retention."""
    gone = EmployeeFactory(agency=agency, status="berhenti", status_on=date(2010, 1, 1))
    upload(gone.user, gone, pdf_bytes(5))
    upload(gone.user, gone, pdf_bytes(6), code="ijazah", meta=IJAZAH)
    proposal = destruction.create_proposal(actor=officer, agency=agency, title="Usulan DAUM")
    # One record leaves the draft, so that a new proposal can still be made for it.
    destruction.remove_item(actor=officer, proposal=proposal, item_id=proposal.items.first().pk)
    # The destruction record (berita acara) exists once a destruction ran; the file is all the
    # download needs, so the fixture stores one instead of running the whole workflow.
    key = f"berita-acara/{uuid.uuid4()}.pdf"
    storage.write_bytes(key, pdf_bytes(7))
    proposal.record_key = key
    proposal.save(update_fields=["record_key"])
    return proposal


def build_world() -> World:
    documents.load_catalogue()
    agencies = {
        "A": AgencyFactory(code="KOTA-A", name="Pemerintah Kota A"),
        "B": AgencyFactory(code="KOTA-B", name="Pemerintah Kota B"),
    }
    employee_a = EmployeeFactory(agency=agencies["A"], email="pegawai@kota-a.go.id")
    employee_b = EmployeeFactory(agency=agencies["B"], email="pegawai@kota-b.go.id")
    users = {"em": employee_a.user, "co": EmployeeFactory(agency=agencies["A"]).user}
    for code, (role, where) in STAFF.items():
        users[code] = UserFactory(username=f"staf-{code.lower()}")
        grant(users[code], role, agencies[where] if where else None)
    for user in users.values():
        enrol(user)  # every person has passed MFA: a session exists only after the code
    second_device = enrol(employee_a.user, name="HP kedua")
    passkey, _key = add_passkey(employee_a.user)

    # Each dossier holds a document waiting for the verifier (uploaded by the employee: four
    # eyes let the verifier and the agency admin decide) and, in A, an accepted one whose
    # verification code the public page knows.
    doc_a = upload(employee_a.user, employee_a, pdf_bytes(1)).document
    doc_b = upload(employee_b.user, employee_b, pdf_bytes(1)).document
    for document in (doc_a, doc_b):
        documents.make_thumbnail(version_id=document.current_version_id)
    accepted = upload(users["oA"], employee_a, pdf_bytes(2), code="spmt", meta=SPMT).document
    documents.accept_document(actor=users["vA"], document=accepted)
    accepted.current_version.refresh_from_db()

    holds = {
        where: records.place_hold(
            actor=users[f"r{where}"],
            employee=EmployeeFactory(agency=agencies[where]),
            reason="Perkara 12/Pdt.G/2026",
        )
        for where in ("A", "B")
    }
    proposals = {where: _gone_employee(agencies[where], users[f"r{where}"]) for where in "AB"}
    api_tokens = {
        where: tokens.create_token(
            actor=users[f"a{where}"],
            name=f"SIMPEG {where}",
            agency=agencies[where],
            scopes=["employees:read"],
        )
        for where in "AB"
    }
    # Who creates the one-scope tokens of A: an agency admin of A who is also its auditor (a
    # token is never more than its creator, and only an auditor may give audit:read).
    creator = UserFactory(username="staf-token")
    grant(creator, Role.AGENCY_ADMIN, agencies["A"])
    grant(creator, Role.AUDITOR, agencies["A"])
    one_scope = {
        code: tokens.create_token(
            actor=creator, name=f"Sistem {code}", agency=agencies["A"], scopes=[scope]
        )[1]
        for code, scope in TOKEN_SCOPES.items()
    }
    # A bulk file named without NIP or code, read and proposed to the operator who sent it.
    bulk_files = {}
    for where, person in (("A", employee_a), ("B", employee_b)):
        held = matching.propose(
            actor=users[f"o{where}"],
            name="pindaian.pdf",
            chunks=iter([pdf_bytes(12)]),
            source="scan",
        )
        pending_uploads.settle_proposal(
            held, employee=person, doc_type=DocumentType.objects.get(code="ijazah")
        )
        bulk_files[where] = held
    reason_templates = {
        where: add_reason_template(
            actor=users[f"a{where}"], agency=agencies[where], text="Dokumen tidak terbaca"
        )
        for where in "AB"
    }
    national_token = tokens.create_token(
        actor=users["bk"],
        name="Dasbor nasional",
        agency=None,
        scopes=["employees:read", "documents:read", "reports:read"],
    )

    # Each employee asks their agency for a correction, with a supporting file.
    correction = {
        where: corrections.create_request(
            actor=person.user,
            employee=person,
            subject="tanggal_lahir",
            note="Tanggal lahir saya salah",
            chunks=iter([pdf_bytes(11)]),
            original_name="akta.pdf",
        )
        for where, person in (("A", employee_a), ("B", employee_b))
    }
    unit = UnitFactory(agency=agencies["A"], code="DISDIK", name="Dinas Pendidikan")
    admin_objects = {
        "accounts.user": employee_a.user.pk,
        "accounts.roleassignment": users["oA"].role_assignments.get().pk,
        "personnel.agency": agencies["A"].pk,
        "personnel.unit": unit.pk,
        "personnel.employee": employee_a.pk,
        "audit.auditevent": AuditEvent.objects.order_by("pk").first().pk,
        "documents.documenttype": doc_a.doc_type_id,
        "records.retentionschedule": RetentionSchedule.objects.order_by("pk").first().pk,
        "records.legalhold": holds["A"].pk,
        "records.fixityrun": FixityRun.objects.create(scope="all").pk,
        "schedule.scheduledjob": ScheduledJob.objects.create(
            name="refresh_dashboards", next_due_at=timezone.now()
        ).pk,
        "auth.group": Group.objects.create(name="Tim arsip").pk,
        "django_tasks_database.dbtaskresult": DBTaskResult.objects.create(
            args_kwargs={"args": [], "kwargs": {}},
            task_path="asndigital.core.mail.send",
            backend_name="default",
            run_after=timezone.now(),
            exception_class_path="",
            traceback="",
        ).pk,
    }
    missing = SimpleNamespace(pk=MISSING_INT)
    sso_client, _secret = sso_services.register_client(
        actor=users["bk"],
        name="Aplikasi Diklat",
        redirect_uris="https://diklat.example.go.id/callback",
        scopes=["openid", "profile"],
        confidential=True,
    )
    consent = Consent.objects.create(
        user=employee_a.user, application=sso_client, scopes="openid profile"
    )
    world = World(
        agency={**agencies, "missing": missing},
        employee={"A": employee_a, "B": employee_b, "missing": _missing_employee()},
        document={
            "A": doc_a,
            "B": doc_b,
            "missing": SimpleNamespace(pk=uuid.uuid4(), current_version_id=uuid.uuid4()),
        },
        hold={**holds, "missing": missing},
        proposal={**proposals, "missing": missing},
        token={"A": api_tokens["A"][0], "B": api_tokens["B"][0], "missing": missing},
        device={"A": second_device, "missing": SimpleNamespace(pk=uuid.uuid4())},
        passkey={"A": passkey, "missing": SimpleNamespace(pk=uuid.uuid4())},
        verification_code={
            "A": accepted.current_version.verification_code,
            "missing": "ABCD-EFGH-JKLM-NPQR-STUV-WXYZ",
        },
        correction={**correction, "missing": SimpleNamespace(pk=uuid.uuid4())},
        reason_template={**reason_templates, "missing": missing},
        bulk_file={**bulk_files, "missing": SimpleNamespace(pk=uuid.uuid4())},
        sso_client={"A": sso_client, "missing": missing},
        sso_consent={"A": consent, "missing": missing},
        users=users,
        admin_objects=admin_objects,
        bearer={
            **one_scope,
            "tN": national_token[1],
        },
    )
    for code, user in users.items():
        client = Client()
        client.force_login(user)
        session = client.session
        # Confirmed with password and code a moment ago: the account's own sensitive changes
        # (remove an authenticator, new recovery codes) are open, as they would be for them.
        session[REAUTH] = 4_102_444_800  # 2100-01-01
        # Signed in just now, as SessionPolicyMiddleware would note on the first request (it
        # would otherwise save the session on every request of the matrix).
        session["asn_started"] = session["asn_seen"] = int(time.time())
        session.save()
        world.sessions[code] = session.session_key
    return world


@pytest.fixture(scope="package")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for tests/security; the tests that use it run in savepoints inside it (a
    transactional test, ``django_db(transaction=True)``, cannot share a package with it)."""
    files = tmp_path_factory.mktemp("files")
    stores = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": files},
        },
    }
    with django_db_blocker.unblock(), override_settings(STORAGES=stores), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


def client_for(world: World, actor: str) -> Client:
    """A browser (or API client) of that actor: its session after MFA, or its bearer token.

    Clients are kept (building one loads every middleware again, which costs more than most
    requests); each call puts back the cookies the actor started with.
    """
    client = world.clients.get(actor)
    if client is None:
        if actor in world.bearer:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {world.bearer[actor]}")
        else:
            client = Client(enforce_csrf_checks=True)
        # One request handler (the middleware chain) for all, loaded once.
        handler = world.clients.setdefault(
            f"handler:{client.handler.enforce_csrf_checks}", client.handler
        )
        client.handler = handler
        world.clients[actor] = client
    client.cookies = SimpleCookie()
    if actor not in world.bearer:
        client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
        if actor != "an":
            client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[actor]
    return client


@dataclass
class Answer:
    status: int
    location: str
    body: bytes
    audited: int  # audit events the request wrote
    headers: dict


def _audit_events() -> int:
    # Plain SQL: asked twice per request of the matrix, the ORM's overhead would show.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {AuditEvent._meta.db_table}")  # noqa: S608
        return cursor.fetchone()[0]


def perform(client: Client, method: str, url: str, data=None, *, csrf=True, **extra) -> Answer:
    """Send one request and undo whatever it changed (its own savepoint, rolled back)."""
    data = dict(data or {})
    if method == "POST" and csrf:
        extra.setdefault("HTTP_X_CSRFTOKEN", CSRF_SECRET)
        if extra.get("content_type") is None:
            data.setdefault("csrfmiddlewaretoken", CSRF_SECRET)
    with transaction.atomic():
        before = _audit_events()
        send = client.get if method == "GET" else client.post
        response = send(url, data, **extra)
        # Reading a streamed body to its end closes the response (the test client's wrapper);
        # closing it again would fire request_finished, which closes PostgreSQL's connection.
        body = b"".join(response.streaming_content) if response.streaming else response.content
        audited = _audit_events() - before
        transaction.set_rollback(True)
    return Answer(
        status=response.status_code,
        location=response.get("Location", ""),
        body=body,
        audited=audited,
        headers=dict(response.headers),
    )


# Random per response, and not part of what an answer says.
_VOLATILE = re.compile(
    rb'name="csrfmiddlewaretoken" value="[^"]+"'
    rb'|"X-CSRFToken": "[^"]+"'
    rb'|challengejson="[^"]+"'
)


def masked(body: bytes) -> bytes:
    return _VOLATILE.sub(b"", body)
