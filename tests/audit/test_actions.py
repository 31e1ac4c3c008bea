"""Every action the code records is named in the registry (audit/actions.py), with words for
auditors and, for reads of personal data, for the employee. Reads the code, runs none of it."""

from __future__ import annotations

import ast
from pathlib import Path

from django.utils import translation

from asndigital.audit import actions
from asndigital.audit.selectors import ACCESS_ACTIONS

ROOT = Path(__file__).resolve().parents[2] / "asndigital"
RECORDERS = {"record", "one", "many", "open_checked", "_damaged"}
# ``document.{kind}``: the transitions of documents/services.py
DOCUMENT_KINDS = ("uploaded", "replaced", "accepted", "rejected")


def recorded_actions(source: str) -> set[str]:
    """Literal actions passed to the recorders (second argument, or ``action=``)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
        if name not in RECORDERS:
            continue
        candidates = [node.args[1]] if len(node.args) >= 2 else []
        candidates += [kw.value for kw in node.keywords if kw.arg == "action"]
        for value in candidates:
            if isinstance(value, ast.IfExp):
                candidates += [value.body, value.orelse]
            elif isinstance(value, ast.Constant) and isinstance(value.value, str):
                found.add(value.value)
    return found


def test_every_recorded_action_is_in_the_registry():
    found = set()
    for path in ROOT.rglob("*.py"):
        if "migrations" not in path.parts:
            found |= recorded_actions(path.read_text(encoding="utf-8"))
    found |= {f"document.{kind}" for kind in DOCUMENT_KINDS}
    assert len(found) > 60  # the scan finds the trail's actions
    assert sorted(found - set(actions.ACTIONS)) == []


def test_the_scan_finds_literal_actions_and_conditional_ones():
    source = (
        "record(user, 'a.b', target)\n"
        "reads.one(user, 'c.d' if x else 'e.f', target)\n"
        "reading.open_checked(actor=u, action='g.h')\n"
        "record(user, name, target)\n"
    )
    assert recorded_actions(source) == {"a.b", "c.d", "e.f", "g.h"}


def test_reads_in_the_access_history_have_words_for_the_employee_in_both_languages():
    for action in ACCESS_ACTIONS:
        assert actions.ACTIONS[action].to_employee
    with translation.override("id"):
        assert actions.to_employee("document.downloaded") == "mengunduh dokumen"
        assert actions.label("document.downloaded") == "Dokumen diunduh"
    with translation.override("en"):
        assert actions.label("document.downloaded") == "Document downloaded"
    assert actions.label("an.old_action") == "an.old_action"
