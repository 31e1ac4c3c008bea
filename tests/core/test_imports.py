"""Imports without cycles: the modules of ``asndigital`` (migrations aside) import each other at
the top, and the graph of those imports has no cycle, so a newcomer can read the dependencies of a
module from its first lines and any module imports on its own. An import inside a function is
kept only where it must be (a heavy library loaded for one action, an optional one, an app's
``ready()``, or a cycle still to break) and says why on the line above it:
``# imported here: <why>`` (the first of several imports in a row carries it for all). This test
reads the code (it runs none of it).
"""

from __future__ import annotations

import ast
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
MARK = "# imported here:"
# The one known cycle: the documents services enqueue background tasks, and the tasks run the
# services (documents/tasks.py imports them when a task runs); the modules the services import at
# the top that call a service back (pending, queue claims, selectors) import the services
# inside a function, each saying so; bulk matching and the content checks it uses are run by a
# task and call the services.
AROUND_SERVICES = {
    "asndigital.documents.checks",
    "asndigital.documents.matching",
    "asndigital.documents.pending",
    "asndigital.documents.queue_services",
    "asndigital.documents.selectors",
    "asndigital.documents.tasks",
}


def known(cycle: set[str]) -> bool:
    services = {m for m in cycle if m.startswith("asndigital.documents.services")}
    return bool(services) and cycle - services <= AROUND_SERVICES


def module_name(path: str) -> str:
    parts = path.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> dict[str, str]:
    """{path relative to the repository: source} of every application module."""
    return {
        str(path.relative_to(REPOSITORY)): path.read_text(encoding="utf-8")
        for path in sorted((REPOSITORY / "asndigital").rglob("*.py"))
        if "migrations" not in path.parts
    }


def _is_type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _targets(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> list[str]:
    """The names an import asks for, absolute (``from a import b`` may be module ``a.b``)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        package = module.split(".") if is_package else module.split(".")[:-1]
        package = package[: len(package) - (node.level - 1)]
        base = ".".join(package + ([base] if base else []))
    return [f"{base}.{alias.name}" for alias in node.names] + [base]


def _explained(lines: list[str], line: int) -> bool:
    """Whether the import on ``line`` (1-based) carries the mark, or the comment above it does."""
    if MARK in lines[line - 1]:
        return True
    above = line - 2
    while above >= 0 and lines[above].strip().startswith("#"):
        if lines[above].strip().startswith(MARK):
            return True
        above -= 1
    return False


def scan(files: dict[str, str]):
    """(edges made at the top, edges made inside functions, function-local imports without a
    reason) over ``files``: edges are {module: {module it imports}} among those files; the
    imports without a reason are (path, line, module)."""
    modules = {module_name(path) for path in files}
    top: dict[str, set[str]] = {m: set() for m in modules}
    inside: dict[str, set[str]] = {m: set() for m in modules}
    unexplained: list[tuple[str, int, str]] = []

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    def visit(path: str, lines: list[str], node: ast.AST, in_function: bool) -> None:
        module = module_name(path)
        previous = None
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                names = _targets(child, module, path.endswith("__init__.py"))
                found = {resolve(name) for name in names} - {None, module}
                (inside if in_function else top)[module].update(found)
                named = child.module if isinstance(child, ast.ImportFrom) else None
                name = named or child.names[0].name
                if (
                    in_function
                    and not isinstance(previous, ast.Import | ast.ImportFrom)
                    and not _explained(lines, child.lineno)
                ):
                    unexplained.append((path, child.lineno, name))
            elif not _is_type_checking(child):
                function = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
                visit(path, lines, child, in_function or function)
            previous = child

    for path, source in files.items():
        visit(path, source.splitlines(), ast.parse(source), False)
    return top, inside, unexplained


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.add(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(component)

    for v in sorted(graph):
        if v not in index:
            connect(v)
    return found


def test_the_modules_imported_at_the_top_form_no_cycle():
    top, _inside, _unexplained = scan(sources())
    assert cycles(top) == []


def test_no_new_cycle_hides_in_an_import_inside_a_function():
    top, inside, _unexplained = scan(sources())
    every = {m: top[m] | inside[m] for m in top}
    assert [c for c in cycles(every) if not known(c)] == []


def test_each_import_inside_a_function_says_why():
    _top, _inside, unexplained = scan(sources())
    assert unexplained == [], f"add '{MARK} <why>' above, or move it to the top: {unexplained}"


def test_the_check_sees_cycles_and_unexplained_imports():
    files = {
        "asndigital/a.py": "from asndigital import b\n",
        "asndigital/b.py": "def f():\n    from asndigital.a import x\n",
        "asndigital/c.py": "import asndigital.d\n",
        "asndigital/d.py": "from . import c\n",
        "asndigital/e.py": (
            "def g():\n    # imported here: heavy\n    import json\n    import os\n\n"
            "def h():\n    if True:\n        import csv\n"
        ),
    }
    top, inside, unexplained = scan(files)
    assert cycles(top) == [{"asndigital.c", "asndigital.d"}]
    assert sorted(map(sorted, cycles({m: top[m] | inside[m] for m in top}))) == [
        ["asndigital.a", "asndigital.b"],
        ["asndigital.c", "asndigital.d"],
    ]
    assert unexplained == [("asndigital/b.py", 2, "asndigital.a"), ("asndigital/e.py", 8, "csv")]
    assert not known({"asndigital.documents.pending", "asndigital.documents.views"})
    assert known({"asndigital.documents.pending", "asndigital.documents.services.uploads"})


# Django writes a reference to a custom manager (``use_in_migrations``) into the migration that
# creates its model: state that RunPython code receives, not code the migration runs.
MIGRATION_STATE = {("asndigital/accounts/migrations/0001_initial.py", "asndigital.accounts.models")}


def application_imports_of_migrations(files: dict[str, str]) -> list[tuple[str, str]]:
    """(migration, application module it imports): migrations carry the code they need
    (copied into them, or into a frozen ``_name.py`` of their migrations package), so a later
    change to the application cannot change what they did."""
    found = []
    for path, source in files.items():
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                if (
                    name.startswith("asndigital.")
                    and ".migrations" not in name
                    and (path, name) not in MIGRATION_STATE
                ):
                    found.append((path, name))
    return found


def test_no_migration_imports_the_application():
    files = {
        str(path.relative_to(REPOSITORY)): path.read_text(encoding="utf-8")
        for path in sorted((REPOSITORY / "asndigital").glob("*/migrations/*.py"))
    }
    assert application_imports_of_migrations(files) == []


def test_the_migration_check_sees_application_imports():
    files = {
        "asndigital/x/migrations/0002_a.py": (
            "from asndigital.x.migrations import _frozen\n"
            "def f(apps, schema_editor):\n    from asndigital.x import guard\n"
        ),
        "asndigital/x/migrations/0003_b.py": "import asndigital.x.models\n",
    }
    assert application_imports_of_migrations(files) == [
        ("asndigital/x/migrations/0002_a.py", "asndigital.x"),
        ("asndigital/x/migrations/0003_b.py", "asndigital.x.models"),
    ]
