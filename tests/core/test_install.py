"""A production install carries no test or load tools: requirements.lock (what production and
`make run` install) holds the runtime and nothing of the dev extra; requirements-dev.lock adds the
tools on top of it; every direct dependency is pinned, once, at the version pyproject.toml says."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((REPOSITORY / "pyproject.toml").read_text(encoding="utf-8"))["project"]
# Tools that have no business on a production server, whatever pulls them in.
NEVER_IN_PRODUCTION = {
    "pytest",
    "pytest-django",
    "pytest-xdist",
    "playwright",
    "locust",
    "schemathesis",
    "flask",
    "gevent",
    "ruff",
    "mypy",
    "hypothesis",
    "factory-boy",
    "faker",
    "aiosmtpd",
    "fido2",
}


def name(requirement: str) -> str:
    return re.split(r"[=<>\[ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def pins(path: Path) -> dict[str, str]:
    found = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith(("#", "-r ")):
            package, _, version = line.partition("==")
            assert version, f"{path.name}: {line!r} is not pinned"
            assert name(package) not in found, f"{path.name}: {package} twice"
            found[name(package)] = version
    return found


def test_the_runtime_lock_has_no_development_tool_and_pins_every_direct_dependency():
    runtime = pins(REPOSITORY / "requirements.lock")
    dev_extra = {name(r) for r in PROJECT["optional-dependencies"]["dev"]}
    assert not (set(runtime) & (NEVER_IN_PRODUCTION | dev_extra))
    for requirement in PROJECT["dependencies"]:
        assert runtime.get(name(requirement)) == requirement.split("==")[1], requirement


def test_the_development_lock_adds_the_tools_on_top_of_the_runtime():
    text = (REPOSITORY / "requirements-dev.lock").read_text(encoding="utf-8")
    assert "-r requirements.lock" in text.splitlines()
    runtime, dev = (
        pins(REPOSITORY / "requirements.lock"),
        pins(REPOSITORY / "requirements-dev.lock"),
    )
    assert not set(runtime) & set(dev)
    for requirement in PROJECT["optional-dependencies"]["dev"]:
        assert dev.get(name(requirement)) == requirement.split("==")[1], requirement


def test_no_benchmark_script_shadows_a_standard_library_module():
    """The benchmarks run as scripts, so bench/ comes first on sys.path: a bench/queue.py made
    every ``import queue`` in the load test find it instead of the standard library's."""
    import sys

    scripts = {path.stem for path in (REPOSITORY / "bench").glob("*.py")}
    assert not scripts & set(sys.stdlib_module_names)
