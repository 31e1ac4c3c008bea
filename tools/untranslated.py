"""Find user-facing text that does not go through gettext (ADR 0015).

Templates: text between tags, and the alt/title/placeholder/aria-label attributes, outside
``{% translate %}``/``{% blocktranslate %}``. Python: a message given as a plain string literal
to ``DomainError``, ``ValidationError``, ``messages.<level>`` or a form field's ``label`` /
``help_text``. Prints ``path:line: text`` and exits 1 when anything is found.

    .venv/bin/python tools/untranslated.py [paths...]
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "asndigital"
BLOCKS = re.compile(
    r"{%\s*blocktranslate.*?{%\s*endblocktranslate\s*%}|{#.*?#}|{%\s*comment\s*%}.*?{%\s*endcomment\s*%}"
    r"|<script.*?</script>|<style.*?</style>",
    re.S,
)
TAGS = re.compile(r"{%.*?%}|{{.*?}}", re.S)
HTML = re.compile(r"<[^>]*>", re.S)
ATTRIBUTE = re.compile(r"\b(?:alt|title|placeholder|aria-label)=\"([^\"]*)\"")
WORD = re.compile(r"[A-Za-z]{2,}")
# Not words for people: symbols, codes and names that read the same in every language.
ALLOWED = re.compile(
    r"^(?:ASN( Digital)?|NIP|NIK|BKN|PDF|API|SIASN|ANRI|BagIt|OK|QR|S3|TOTP|CSV|XLSX|Esc|SHA-256"
    r"|[X-]+)$"
)
MESSAGE_CALLS = {"DomainError", "ValidationError", "debug", "info", "success", "warning", "error"}
FIELD_TEXT = {"label", "help_text", "verbose_name"}


def _strip_blank(text: str) -> str:
    return " ".join(text.split())


def template_findings(path: Path) -> list[tuple[int, str]]:
    source = path.read_text(encoding="utf-8")
    blanked = BLOCKS.sub(lambda m: "\n" * m.group(0).count("\n"), source)
    found = []
    for number, line in enumerate(blanked.splitlines(), 1):
        for value in ATTRIBUTE.findall(line):
            text = _strip_blank(TAGS.sub(" ", value))
            if WORD.search(text) and not ALLOWED.match(text):
                found.append((number, text))
    # Tags may span lines: blank them whole, keeping the line count.
    untagged = HTML.sub(lambda m: "\n" * m.group(0).count("\n"), TAGS.sub(" ", blanked))
    for number, line in enumerate(untagged.splitlines(), 1):
        text = _strip_blank(line)
        text = re.sub(r"&[a-z]+;|&#\d+;", " ", text).strip(" ·:|,.()/-–—")
        if WORD.search(text) and not ALLOWED.match(text):
            found.append((number, text))
    return found


def python_findings(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        candidates = []
        if name in MESSAGE_CALLS:
            owner = func.value if isinstance(func, ast.Attribute) else None
            is_messages = isinstance(owner, ast.Name) and owner.id == "messages"
            if name in ("DomainError", "ValidationError"):
                candidates = node.args[:1]
            elif is_messages:
                candidates = node.args[1:2]
        candidates += [k.value for k in node.keywords if k.arg in FIELD_TEXT]
        for value in candidates:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                if WORD.search(value.value):
                    found.append((value.lineno, value.value))
            elif isinstance(value, ast.JoinedStr):
                found.append((value.lineno, ast.unparse(value)))
    return found


def findings(root: Path = ROOT) -> list[tuple[str, int, str]]:
    found = []
    for path in sorted(root.rglob("*.html")):
        found += [(str(path), n, t) for n, t in sorted(template_findings(path))]
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        found += [(str(path), n, t) for n, t in sorted(python_findings(path))]
    return found


def main(argv: list[str]) -> int:
    roots = [Path(a) for a in argv] or [ROOT]
    found = [f for root in roots for f in findings(root)]
    for path, line, text in found:
        print(f"{path}:{line}: {text}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
