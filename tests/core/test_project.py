"""Project-wide checks: migrations match the models, translations are complete."""

import re
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

PO = Path(__file__).resolve().parents[2] / "asndigital/locale/id/LC_MESSAGES/django.po"


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exc:  # makemigrations --check exits 1 when a migration is missing
        pytest.fail(f"missing migration (exit {exc.code}):\n{out.getvalue()}")


def _entries(text: str):
    for block in text.split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        flags = " ".join(line for line in lines if line.startswith("#,"))
        strings: dict[str, str] = {}
        key = None
        for line in lines:
            match = re.match(r'^(msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$', line)
            if match:
                key = match.group(1)
                strings[key] = match.group(2)
            elif line.startswith('"') and key:
                strings[key] += line[1:-1]
        if strings.get("msgid"):
            yield strings, flags


def test_every_interface_text_has_an_indonesian_translation():
    untranslated, fuzzy = [], []
    for strings, flags in _entries(PO.read_text(encoding="utf-8")):
        translations = [v for k, v in strings.items() if k.startswith("msgstr")]
        if not any(translations):
            untranslated.append(strings["msgid"])
        if "fuzzy" in flags:
            fuzzy.append(strings["msgid"])
    assert untranslated == []
    assert fuzzy == []


@pytest.mark.django_db
def test_any_lookup_matches_exactly_the_listed_values(agency):
    from asndigital.personnel.models import Agency
    from tests.factories import AgencyFactory

    AgencyFactory(code="KOTA-C")
    codes = set(
        Agency.objects.filter(code__any=["KOTA-A", "KOTA-C", "NOPE"]).values_list("code", flat=True)
    )
    assert codes == {"KOTA-A", "KOTA-C"}
    assert not Agency.objects.filter(code__any=[]).exists()


def test_uuid7_is_version_7_time_ordered_and_unique():
    import time

    from asndigital.core.ids import uuid7

    first = uuid7()
    time.sleep(0.002)
    later = [uuid7() for _ in range(1000)]
    assert first.version == 7 and first.variant == "specified in RFC 4122"
    assert all(first < u for u in later)  # a later millisecond sorts after
    assert len({*later, first}) == 1001
