"""One owner per model: a model's rows are written only by its own app's services, and pages
and the API never write audit events themselves (they call a service, or record a read through
``audit.reads`` / ``documents.reading``). This test reads the code (it runs none of it).

What counts as a write: a manager call that changes rows (``Model.objects...create/update/
delete/bulk_create/bulk_update/get_or_create/update_or_create``), ``insert_rows(Model, ...)``,
and ``<name>.save()`` / ``<name>.delete()`` on a variable named after a model (``employee``,
``version``, ``proposal``...). A write that must stay where it is says why on its line with
``# owner: <why>``.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parents[2] / "asndigital"

# Each app's services: ``services.py`` (or a ``services/`` package) and the modules that are
# services in all but name (a capability with its own module). Only these write the app's models.
WRITERS = {
    "accounts": {"services", "challenges", "mfa", "passkeys", "tokens", "models"},
    "audit": {"services", "chain", "reads", "outside"},
    "dashboards": {"figures"},
    "documents": {"services", "pending", "signature_checks", "queue_services"},
    "personnel": {"services", "importer", "corrections"},
    "records": {"services", "destruction", "fixity", "transfers"},
    "schedule": {"services"},
    "sso": {"services", "consent"},
}
WRITES = {
    "create",
    "bulk_create",
    "bulk_update",
    "update",
    "delete",
    "get_or_create",
    "update_or_create",
}
ENTRY = re.compile(r"(^|_)views$|^api$")  # pages and the API


def owners() -> dict[str, set[str]]:
    """{name a model goes by in code: the apps owning a model of that name}. A model goes by
    its class name and, for variables, its snake_case name and its last word (``version`` for
    DocumentVersion)."""
    names: dict[str, set[str]] = {}
    for model in apps.get_models():
        if not model.__module__.startswith("asndigital."):
            continue
        app = model._meta.app_label
        words = re.findall(r"[A-Z][a-z0-9]*", model.__name__)
        for name in {model.__name__, "_".join(w.lower() for w in words), words[-1].lower()}:
            names.setdefault(name, set()).add(app)
    return names


def _root(node) -> str | None:
    """The model name a ``Model.objects.filter(...).update()`` chain starts from."""
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            if node.attr in ("objects", "_default_manager", "_base_manager") and isinstance(
                node.value, ast.Name
            ):
                return node.value.id
            node = node.value
        else:
            return None


def writes(source: str, names: dict[str, set[str]]) -> list[tuple[int, str, set[str]]]:
    """(line, text, owning apps) of every write in ``source``."""
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, (ast.Attribute, ast.Name))):
            continue
        apps_ = None
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in WRITES:
            model = _root(func.value)
            if model in names and model[0].isupper():
                apps_ = names[model]
        if (
            isinstance(func, ast.Attribute)
            and func.attr in ("save", "delete")
            and isinstance(func.value, ast.Name)
            and func.value.id in names
        ):
            apps_ = names[func.value.id]
        if isinstance(func, ast.Name) and func.id == "insert_rows" and node.args:
            first = node.args[0]
            if isinstance(first, ast.Name) and first.id in names:
                apps_ = names[first.id]
        if apps_ and "# owner:" not in lines[node.lineno - 1]:
            found.append((node.lineno, lines[node.lineno - 1].strip(), apps_))
    return found


def modules():
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if "migrations" in parts or "tests" in parts or len(parts) < 2:
            continue
        # A services package (``documents/services/uploads.py``) is the app's services.
        yield path, parts[0], "services" if parts[1] == "services" else path.stem


MODULES = list(modules())


@pytest.mark.parametrize(
    ("path", "app", "stem"),
    MODULES,
    ids=lambda v: str(v.relative_to(ROOT)) if isinstance(v, Path) else "",
)
def test_models_are_written_only_by_their_own_apps_services(path, app, stem):
    names = owners()
    wrong = []
    for line, text, owning in writes(path.read_text(encoding="utf-8"), names):
        if app not in owning or stem not in WRITERS.get(app, set()):
            wrong.append(f"{path.relative_to(ROOT)}:{line}: {text} (owner: {', '.join(owning)})")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(
    "path",
    [p for p, _app, stem in MODULES if ENTRY.search(stem)],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_pages_and_the_api_record_no_audit_event_themselves(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    calls = [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "record")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "record")
        )
    ]
    assert not calls, f"{path.name} records audit events itself on lines {calls}"


def test_the_check_finds_writes_outside_the_owner():
    names = owners()
    source = (
        "def transfer(employee, version):\n"
        "    employee.save(update_fields=['agency'])\n"
        "    Document.objects.filter(pk=1).update(status='x')\n"
        "    insert_rows(EmployeeChange, (), [])\n"
        "    version.delete()  # owner: a reason\n"
        "    Document.objects.filter(pk=1).first()\n"
    )
    found = writes(source, names)
    assert [(line, owning) for line, _text, owning in found] == [
        (2, {"personnel"}),
        (3, {"documents"}),
        (4, {"personnel"}),
    ]
