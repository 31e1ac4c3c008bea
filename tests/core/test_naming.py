"""A stored value with a fixed set is a ``TextChoices`` member in code (docs/adr/0014): code and
templates compare with ``Document.Status.ACCEPTED``, never with ``"diterima"``, so renaming a
member or finding its uses is one search. This test reads the code (it runs none of it): it
fails on a status, state or kind compared with (or filtered by) a literal that is one of the
stored values of such a field."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[2] / "asndigital"
FIELDS = ("status", "state", "kind")
# Where the same words are not a stored value: the demo generator writes SIASN's rows (the
# import's own words), and a few pages read dictionaries whose states include markers that are
# never stored ("pending": not checked yet).
NOT_STORED = ("demo/", "documents/templatetags/signature_tags.py")
NOT_STORED_TEMPLATES = {"checks.state", "sig.state", "facts.state"}
TEMPLATE = re.compile(r"(\w+\.(?:\w*_)?(?:status|state|kind))\s*[!=]=\s*[\"']([a-z_]+)[\"']")


def stored_values() -> set[str]:
    """The values of every choice field named like a status, state or kind."""
    return {
        str(value)
        for model in apps.get_models()
        if model.__module__.startswith("asndigital.")
        for field in model._meta.get_fields()
        if getattr(field, "choices", None) and field.name.endswith(FIELDS)
        for value, _label in field.flatchoices
        if value
    }


def _literals(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return [
            e.value for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)
        ]
    return []


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Subscript):
        return _literals(node.slice)[0] if _literals(node.slice) else ""
    return ""


def literal_uses(source: str, values: set[str]) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare) and _name(node.left).endswith(FIELDS):
            for right in node.comparators:
                found += [(node.lineno, v) for v in _literals(right) if v in values]
        elif isinstance(node, ast.keyword) and (node.arg or "").removesuffix("__in").endswith(
            FIELDS
        ):
            found += [(node.value.lineno, v) for v in _literals(node.value) if v in values]
    return found


def test_code_compares_stored_values_with_their_members():
    values = stored_values()
    found = [
        (str(path.relative_to(ROOT)), line, value)
        for path in sorted(ROOT.rglob("*.py"))
        if "migrations" not in path.parts and not str(path.relative_to(ROOT)).startswith(NOT_STORED)
        for line, value in literal_uses(path.read_text(encoding="utf-8"), values)
    ]
    assert found == []


def test_templates_compare_stored_values_with_their_members():
    values = stored_values()
    found = [
        (str(path.relative_to(ROOT)), name, value)
        for path in sorted(ROOT.rglob("*.html"))
        for name, value in TEMPLATE.findall(path.read_text(encoding="utf-8"))
        if value in values and name not in NOT_STORED_TEMPLATES
    ]
    assert found == []


def test_the_check_sees_literals():
    values = stored_values()
    assert {"diterima", "terbuka", "accepted", "valid"} <= values
    source = (
        'if document.status == "diterima":\n    pass\n'
        'Document.objects.filter(status__in=("menunggu", "ditolak"))\n'
        'if row["state"] == "missing":\n    pass\n'
        "if document.status == Document.Status.ACCEPTED:\n    pass\n"
    )
    assert literal_uses(source, values) == [(1, "diterima"), (3, "menunggu"), (3, "ditolak")]
    assert TEMPLATE.findall('{% if d.status == "ditolak" %}{% if x.kind != "rejected" %}') == [
        ("d.status", "ditolak"),
        ("x.kind", "rejected"),
    ]
