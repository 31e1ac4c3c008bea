"""User-facing text goes through gettext (ADR 0015): ``tools/untranslated.py`` finds template
text outside ``{% translate %}`` and messages given as plain literals, and finds none."""

from __future__ import annotations

import importlib.util
from pathlib import Path

TOOL = Path(__file__).resolve().parents[2] / "tools" / "untranslated.py"


def checker():
    spec = importlib.util.spec_from_file_location("untranslated", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_user_facing_text_is_translatable():
    assert checker().findings() == []


def test_the_checker_finds_untranslated_text(tmp_path):
    (tmp_path / "page.html").write_text(
        '{% load i18n %}<p>{% translate "Saved." %}</p>\n<p>Tersimpan.</p>\n'
        '<input placeholder="Cari pegawai">\n<p>{{ name }} · NIP</p>\n'
        "{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}\n"
    )
    (tmp_path / "forms.py").write_text(
        "from django import forms\n"
        'def clean(x):\n    raise forms.ValidationError("Tidak sah.")\n'
        'def ok(x):\n    raise forms.ValidationError(_("Not valid."))\n'
        'field = forms.CharField(label="Nama")\n'
    )
    found = [(Path(path).name, line, text) for path, line, text in checker().findings(tmp_path)]
    assert found == [
        ("page.html", 2, "Tersimpan"),
        ("page.html", 3, "Cari pegawai"),
        ("forms.py", 3, "Tidak sah."),
        ("forms.py", 6, "Nama"),
    ]
