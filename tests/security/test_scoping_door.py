"""One door for reads: a view or API module reads an agency-scoped model only through
``Model.objects.visible_to(user, action)`` (core/scoping.py), whose answer comes from the one
table ``policies.ACCESS``. This test reads the code (it runs none of it) and fails on any other
way in: ``Employee.objects.filter(...)`` in a view is a door that can forget the user's agency.

A read that is meant to reach past the user's scope says why on its line with a comment
``# scoping: <why>`` (the public verification page, found by an unguessable code).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.apps import apps

from asndigital.accounts import policies
from asndigital.accounts.models import Role
from asndigital.core.scoping import AgencyScopedQuerySet

ROOT = Path(__file__).resolve().parents[2] / "asndigital"
# Where reads a user triggers start: pages, exports and the API.
ENTRY_MODULES = sorted(
    {*ROOT.glob("*/views.py"), *ROOT.glob("*/*_views.py"), *ROOT.glob("*/*api.py")}
)


def scoped_models() -> dict[str, str]:
    """{class name: label} of every model whose queryset is agency-scoped."""
    return {
        model.__name__: model._meta.label_lower
        for model in apps.get_models()
        if isinstance(model._default_manager.all(), AgencyScopedQuerySet)
    }


def unscoped_reads(source: str, names) -> list[tuple[int, str]]:
    """(line, text) of every ``<Name>.objects.<method>`` with a scoped model's name where the
    method is not ``visible_to`` and the line does not say ``# scoping:``."""
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute):
            continue
        manager = node.value
        if (
            isinstance(manager, ast.Attribute)
            and manager.attr in ("objects", "_default_manager")
            and isinstance(manager.value, ast.Name)
            and manager.value.id in names
            and node.attr != "visible_to"
            and "# scoping:" not in lines[node.lineno - 1]
        ):
            found.append((node.lineno, lines[node.lineno - 1].strip()))
    return found


def test_the_agency_scoped_models_are_the_ones_the_table_names():
    labels = set(scoped_models().values())
    assert labels == {
        "personnel.employee",
        "personnel.agency",
        "documents.document",
        "documents.reasontemplate",
        "records.legalhold",
        "records.destructionproposal",
        "accounts.apitoken",
        "dashboards.agencyfigures",
        "audit.auditevent",
        "personnel.correctionrequest",
    }
    assert {label for label, _action in policies.ACCESS} == labels


@pytest.mark.parametrize("path", ENTRY_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_views_and_api_read_scoped_models_through_visible_to(path):
    wrong = unscoped_reads(path.read_text(encoding="utf-8"), set(scoped_models()))
    assert not wrong, "\n".join(f"{path.name}:{line}: {text}" for line, text in wrong)


def test_the_check_finds_a_read_that_skips_the_door():
    source = (
        "def view(request):\n"
        "    a = Employee.objects.visible_to(request.user).first()\n"
        "    b = Employee.objects.filter(pk=1).first()\n"
        "    c = Document.objects.get(pk=2)  # scoping: public by code\n"
    )
    assert unscoped_reads(source, {"Employee", "Document"}) == [
        (3, "b = Employee.objects.filter(pk=1).first()")
    ]


@pytest.mark.django_db
def test_a_disabled_or_anonymous_user_sees_no_row_of_any_scoped_model(make_staff):
    from django.contrib.auth.models import AnonymousUser

    admin = make_staff(Role.BKN_ADMIN)
    admin.is_active = False
    for model in apps.get_models():
        if isinstance(model._default_manager.all(), AgencyScopedQuerySet):
            actions = {a for label, a in policies.ACCESS if label == model._meta.label_lower}
            for action in actions:
                for user in (AnonymousUser(), admin, None):
                    assert model.objects.visible_to(user, action).query.is_empty(), (model, user)
