"""The app's WSGI application with every request profiled (bench/loadtest.py --profile DIR).

Each request runs under cProfile, timed in CPU seconds of the worker (time.process_time: waiting
for PostgreSQL, Redis or a busy machine does not count; the CPU of the worker's own side of a
query, building and reading it, does); the statistics are added up per kind of request (method and
URL pattern, e.g. ``GET pegawai/<uuid:pk>/``) in each worker and written every 200 requests and
at exit to ``DIR/<pid>.pickle``: {kind: [requests, CPU seconds, pstats data]}.
bench/profile_report.py reads them. Profiling slows each request (about twice): the shares of
where the time goes are what to read, not the absolute times.
"""

from __future__ import annotations

import atexit
import cProfile
import os
import pickle
import pstats
import time
from pathlib import Path

from django.urls import Resolver404, resolve

from asndigital.wsgi import application as django_application

DIRECTORY = Path(os.environ["ASN_PROFILE_DIR"])
KINDS: dict[str, list] = {}  # kind -> [requests, CPU seconds, pstats.Stats]
SEEN = [0]


def kind_of(environ: dict) -> str:
    path = environ.get("PATH_INFO", "/")
    if path.startswith("/static/"):
        return f"{environ.get('REQUEST_METHOD')} static"
    try:
        route = resolve(path).route
    except Resolver404:
        route = "(unknown)"
    return f"{environ.get('REQUEST_METHOD')} {route}"


def dump() -> None:
    if not KINDS:
        return
    data = {k: [n, wall, stats.stats] for k, (n, wall, stats) in KINDS.items()}  # type: ignore[attr-defined]
    target = DIRECTORY / f"{os.getpid()}.pickle"
    partial = target.with_suffix(".partial")
    partial.write_bytes(pickle.dumps(data))
    partial.replace(target)


atexit.register(dump)


def application(environ, start_response):
    profile = cProfile.Profile(time.process_time)
    began = time.process_time()
    profile.enable()
    try:
        body = django_application(environ, start_response)
        # Streamed answers (downloads) do their work while the body is read.
        chunks = list(body)
        if hasattr(body, "close"):
            body.close()
    finally:
        profile.disable()
    wall = time.process_time() - began
    kind = kind_of(environ)
    entry = KINDS.get(kind)
    if entry is None:
        KINDS[kind] = [1, wall, pstats.Stats(profile)]
    else:
        entry[0] += 1
        entry[1] += wall
        entry[2].add(profile)
    SEEN[0] += 1
    if SEEN[0] % 200 == 0:
        dump()
    return chunks
