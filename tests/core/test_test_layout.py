"""Tests as a toolkit: shared helpers live in tests/helpers.py (and each area's helpers module),
factories in tests/factories.py; a test module never imports from another test module, so
moving or renaming a test never breaks an unrelated one."""

from __future__ import annotations

import ast
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
KNOWN: set[tuple[str, str]] = set()


def imports_of_test_modules(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.rsplit(".", 1)[-1].startswith("test_"):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.rsplit(".", 1)[-1].startswith("test_")}
    return found


def test_no_test_module_imports_another():
    wrong = sorted(
        (str(path.relative_to(REPOSITORY)), module)
        for folder in ("tests", "e2e", "faults")
        for path in (REPOSITORY / folder).rglob("*.py")
        for module in imports_of_test_modules(path)
    )
    assert set(wrong) <= KNOWN, [w for w in wrong if w not in KNOWN]


def test_the_check_sees_both_import_forms(tmp_path):
    module = tmp_path / "test_x.py"
    module.write_text(
        "from tests.a.test_b import c\nimport tests.d.test_e\nfrom tests import helpers\n"
    )
    assert imports_of_test_modules(module) == {"tests.a.test_b", "tests.d.test_e"}
