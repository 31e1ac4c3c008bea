"""The type checker on the code that decides (services, selectors, policies and the modules
that are services in all but name), against a baseline that only shrinks.

    .venv/bin/python tools/typecheck.py            # check (make typecheck; CI through make lint)
    .venv/bin/python tools/typecheck.py --update   # rewrite the baseline (only ever smaller)

mypy with django-stubs follows imports silently, so only the files below are judged. An error is
identified by file, code and message (not by line: unrelated edits move lines). The check fails
on an error that is not in ``mypy-baseline.txt`` and on a baseline entry that no longer occurs,
so that fixing an error means deleting its line.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "mypy-baseline.txt"
MODULES = [
    "asndigital/*/services.py",
    "asndigital/*/selectors.py",
    "asndigital/accounts/policies.py",
    "asndigital/accounts/grants.py",
    "asndigital/accounts/signin.py",
    "asndigital/accounts/mfa.py",
    "asndigital/accounts/challenges.py",
    "asndigital/accounts/tokens.py",
    "asndigital/audit/reads.py",
    "asndigital/documents/reading.py",
    "asndigital/personnel/importer.py",
    "asndigital/records/destruction.py",
    "asndigital/records/transfers.py",
    "asndigital/records/fixity.py",
    "asndigital/records/lifecycle.py",
]
LINE = re.compile(r"^(?P<path>[^:]+):\d+: error: (?P<message>.*)  \[(?P<code>[a-z-]+)\]$")


def files() -> list[str]:
    return sorted({str(p.relative_to(ROOT)) for pattern in MODULES for p in ROOT.glob(pattern)})


def errors() -> Counter[str]:
    env = {**os.environ, "ASN_ENV": os.environ.get("ASN_ENV", "development")}
    result = subprocess.run(  # noqa: S603 - our own interpreter and file list
        [sys.executable, "-m", "mypy", "--follow-imports=silent", *files()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode not in (0, 1) or "error:" in result.stderr:
        sys.exit(f"mypy did not run:\n{result.stdout}\n{result.stderr}")
    found: Counter[str] = Counter()
    for line in result.stdout.splitlines():
        match = LINE.match(line)
        if match:
            found[f"{match['path']}: [{match['code']}] {match['message']}"] += 1
    return found


def main() -> int:
    found = errors()
    known = Counter(
        line for line in BASELINE.read_text(encoding="utf-8").splitlines() if line.strip()
    )
    if "--update" in sys.argv:
        if found - known:
            print("refusing to grow the baseline; fix these instead:")
            print("\n".join(sorted((found - known).elements())))
            return 1
        BASELINE.write_text("".join(f"{e}\n" for e in sorted(found.elements())), encoding="utf-8")
        print(f"baseline: {sum(found.values())} known errors")
        return 0
    new, gone = found - known, known - found
    for entry in sorted(new.elements()):
        print(f"new type error: {entry}")
    for entry in sorted(gone.elements()):
        print(f"fixed, so delete it from mypy-baseline.txt: {entry}")
    print(f"type check: {len(files())} files, {sum(found.values())} known errors in the baseline")
    return 1 if new or gone else 0


if __name__ == "__main__":
    sys.exit(main())
