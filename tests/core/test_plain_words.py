"""People who use the archive never see a developer's command: no template, no translation and
no translatable message names `manage.py` or one of the project's management commands (a
dashboard without figures says when they will come, not what to run). Commands are for the
people who run the servers, and their docs (docs/deployment.md) say them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parents[2] / "asndigital"
PO = ROOT / "locale/id/LC_MESSAGES/django.po"
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "npgettext"}


def command_names() -> set[str]:
    """The management commands an operator runs: the project's, and its task worker's."""
    return {
        name
        for name, app in get_commands().items()
        if app.startswith("asndigital") or app == "django_tasks_db"
    }


def offending(text: str, names: set[str]) -> list[str]:
    """The command names (and `manage.py`) that ``text`` mentions."""
    found = ["manage.py"] if "manage.py" in text else []
    return found + sorted(n for n in names if re.search(rf"(?<![\w-]){re.escape(n)}\b", text))


def templates() -> list[Path]:
    return sorted(p for p in ROOT.glob("**/templates/**/*") if p.is_file())


def translations() -> list[str]:
    """Every msgid and msgstr in the Indonesian catalogue, continuation lines joined."""
    strings, current = [], None
    for line in PO.read_text(encoding="utf-8").splitlines():
        match = re.match(r'^(?:msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
        if match:
            current = len(strings)
            strings.append(match.group(1))
        elif line.startswith('"') and current is not None:
            strings[current] += line[1:-1]
        else:
            current = None
    return strings


def messages_in_code() -> list[tuple[str, str]]:
    """(file, text) of every string literal given to gettext in the project's code (commands
    and migrations aside: their output is for operators)."""
    found = []
    for path in sorted(ROOT.glob("**/*.py")):
        if "management" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in GETTEXT
            ):
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                        found.append((str(path.relative_to(ROOT)), arg.value))
    return found


def test_the_check_finds_a_command_in_a_message():
    names = {"refresh_dashboards", "check_fixity"}
    assert offending("Belum ada angka: jalankan manage.py refresh_dashboards.", names) == [
        "manage.py",
        "refresh_dashboards",
    ]
    assert offending("run check_fixity", names) == ["check_fixity"]
    assert offending("Angka diperbarui otomatis setiap 10 menit.", names) == []
    assert {"refresh_dashboards", "check_fixity", "run_schedule", "db_worker"} <= command_names()


@pytest.mark.parametrize("path", templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_shows_a_command(path):
    assert offending(path.read_text(encoding="utf-8"), command_names()) == []


def test_no_translation_shows_a_command():
    names = command_names()
    wrong = [(text, offending(text, names)) for text in translations() if offending(text, names)]
    assert wrong == []


def test_no_translatable_message_in_the_code_shows_a_command():
    names = command_names()
    wrong = [(where, text) for where, text in messages_in_code() if offending(text, names)]
    assert wrong == []
