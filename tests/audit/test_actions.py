"""Every action the code records is named in the registry (audit/actions.py), with words for
auditors and, for reads of personal data, for the employee. Reads the code, runs none of it."""

from __future__ import annotations

from django.utils import translation

from asndigital.audit import actions
from asndigital.audit.selectors import ACCESS_ACTIONS
from tests.helpers import ROOT, recorded_actions

# ``document.{kind}``: the transitions of documents/services/ (uploads, verification)
DOCUMENT_KINDS = ("uploaded", "replaced", "accepted", "rejected")


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
