"""API token scopes: chosen at creation, never more than the creator may do, and the one gate
every API operation passes (403 insufficient_scope before anything is read)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from asndigital.accounts import tokens
from asndigital.accounts.models import ApiToken, Role, RoleAssignment, User
from asndigital.api.core import api
from asndigital.audit.models import AuditEvent
from asndigital.core.errors import DomainError, NotFound
from asndigital.documents import services as documents
from tests.documents.files import pdf_bytes
from tests.factories import EmployeeFactory, grant
from tests.helpers import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(make_staff, agency):
    return make_staff(Role.AGENCY_ADMIN, agency)


def created_nothing(before_users: int, before_events: int) -> bool:
    return (
        not ApiToken.objects.exists()
        and User.objects.count() == before_users
        and AuditEvent.objects.count() == before_events
    )


@pytest.mark.parametrize(
    ("scopes", "national", "message"),
    [
        ([], False, "Pilih setidaknya satu"),
        (["employees:read", "everything"], False, "everything"),
        (["audit:read"], False, "jejak audit"),  # an agency admin is not an auditor
        (["documents:write"], True, "mengunggah dokumen"),  # writing is per agency
        (["decisions:write"], True, "menerima dan menolak"),
    ],
)
def test_a_scope_the_creator_may_not_give_is_refused_and_nothing_is_made(
    admin, make_staff, agency, scopes, national, message
):
    actor = make_staff(Role.BKN_ADMIN) if national else admin
    users, events = User.objects.count(), AuditEvent.objects.count()
    with pytest.raises(DomainError) as refused:
        tokens.create_token(
            actor=actor, name="SIMPEG", agency=None if national else agency, scopes=scopes
        )
    assert message in refused.value.message
    assert created_nothing(users, events)


def test_another_agencys_token_looks_missing(admin, other_agency):
    users, events = User.objects.count(), AuditEvent.objects.count()
    with pytest.raises(NotFound):
        tokens.create_token(
            actor=admin, name="SIMPEG", agency=other_agency, scopes=["employees:read"]
        )
    assert created_nothing(users, events)


def test_the_token_records_its_scopes_and_holds_the_service_role_only(admin, agency):
    token, _value = tokens.create_token(
        actor=admin, name="SIMPEG", agency=agency, scopes=["reports:read", "employees:read"]
    )
    assert token.scopes == "employees:read reports:read"  # the catalogue's order
    assert list(RoleAssignment.objects.filter(user=token.user).values_list("role", "agency")) == [
        (Role.SERVICE, agency.pk)
    ]
    event = AuditEvent.objects.get(action="api_token.created")
    assert event.data["scopes"] == ["employees:read", "reports:read"]


def test_an_auditor_who_manages_tokens_may_give_audit_read(admin, agency):
    grant(admin, Role.AUDITOR, agency)
    _token, value = tokens.create_token(
        actor=admin, name="SIEM", agency=agency, scopes=["audit:read"]
    )
    answer = Client(HTTP_AUTHORIZATION=f"Bearer {value}").get("/api/v1/audit/events")
    assert answer.status_code == 200
    assert Client(HTTP_AUTHORIZATION=f"Bearer {value}").get("/api/v1/employees").json() == {
        "code": "insufficient_scope",
        "message": "Token ini tidak boleh melakukan ini: perlu cakupan employees:read.",
    }


def test_without_documents_read_no_file_is_downloaded_and_nothing_is_recorded(
    admin, agency, make_staff, files_in_tmp
):
    documents.load_catalogue()
    employee = EmployeeFactory(agency=agency)
    version = upload(employee.user, employee, pdf_bytes(1))
    url = f"/api/v1/documents/{version.document_id}/versions/1/file"
    _t, reader = tokens.create_token(
        actor=admin, name="A", agency=agency, scopes=["employees:read", "reports:read"]
    )
    _t, documents_reader = tokens.create_token(
        actor=admin, name="B", agency=agency, scopes=["documents:read"]
    )
    refused = Client(HTTP_AUTHORIZATION=f"Bearer {reader}").get(url)
    assert refused.status_code == 403 and refused.json()["code"] == "insufficient_scope"
    assert not AuditEvent.objects.filter(action="document.downloaded").exists()
    allowed = Client(HTTP_AUTHORIZATION=f"Bearer {documents_reader}").get(url)
    assert allowed.status_code == 200
    assert b"".join(allowed.streaming_content) == pdf_bytes(1)
    assert AuditEvent.objects.filter(action="document.downloaded").count() == 1


def _operations():
    """(method and path, the view as registered) for every operation of the API."""
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                for method in operation.methods:
                    yield f"{method} {prefix.rstrip('/')}{path}", operation.view_func


def _declared_scope(view):
    while view is not None:
        if hasattr(view, "token_scope"):
            return view.token_scope
        view = getattr(view, "__wrapped__", None)
    raise AssertionError("no scope declared")


def test_every_api_operation_declares_the_scope_it_needs():
    found = {}
    for name, view in _operations():
        try:
            found[name] = _declared_scope(view)
        except AssertionError:
            found[name] = "MISSING"
    assert "MISSING" not in found.values(), found
    assert set(found.values()) - {None} == set(ApiToken.Scope.values)
    assert [name for name, scope in found.items() if scope is None] == ["GET /catalogue"]


@pytest.mark.django_db(transaction=True)
def test_existing_tokens_keep_their_roles_access_but_monitors_lose_documents(agency):
    """The migration: a read token (monitor) keeps records and the report, not documents; a
    write token (monitor + operator) keeps documents through its operator role."""
    executor = MigrationExecutor(connection)
    before, after = [("accounts", "0009_passkeys")], [("accounts", "0010_api_token_scopes")]
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    old_user = old.get_model("accounts", "User")
    old_token = old.get_model("accounts", "ApiToken")
    old_role = old.get_model("accounts", "RoleAssignment")
    creator = old_user.objects.create(username="admin-lama")
    made = {}
    for scope, roles in (("read", ["monitor"]), ("write", ["monitor", "operator"])):
        user = old_user.objects.create(username=f"svc-{scope}")
        for role in roles:
            old_role.objects.create(user=user, role=role, agency_id=agency.pk)
        made[scope] = old_token.objects.create(
            key_id=f"k{scope}",
            secret_hash="0" * 64,
            name=scope,
            user=user,
            agency_id=agency.pk,
            scope=scope,
            created_by=creator,
        ).pk
    executor.loader.build_graph()
    executor.migrate(after)
    try:
        read, write = (ApiToken.objects.get(pk=made[s]) for s in ("read", "write"))
        assert read.scope_set == {"employees:read", "reports:read"}
        assert write.scope_set == {
            "employees:read",
            "documents:read",
            "documents:write",
            "reports:read",
        }
        for token in (read, write):
            roles = RoleAssignment.objects.filter(user=token.user).values_list("role", flat=True)
            assert list(roles) == [Role.SERVICE]
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_a_refused_token_keeps_what_was_typed_and_says_why(client, admin, agency):
    client.force_login(admin)
    page = client.post(
        "/akun/token-api/",
        {"name": "SIEM Kota", "agency": agency.pk, "scopes": ["employees:read", "audit:read"]},
    ).content.decode()
    assert "tidak Anda miliki sendiri" in page and "mencari di jejak audit" in page
    assert 'value="SIEM Kota"' in page
    assert 'value="employees:read" checked' in page and 'value="audit:read" checked' in page
    assert f'value="{agency.pk}" selected' in page
    assert not ApiToken.objects.exists()
