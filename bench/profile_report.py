#!/usr/bin/env python
"""Where the server's time goes, per kind of request: reads the profiles that
`bench/loadtest.py --profile DIR` wrote (bench/profiled_wsgi.py) and prints, for all requests
and for each kind, the time per request under the profiler, and the functions of the app and of
Django that took the most of it (cumulative), plus a few buckets (SQL, templates, sessions,
middleware, audit). Then one JSON line.

Run: `.venv/bin/python bench/profile_report.py DIR [--top 25] [--kind 'GET pegawai/']`.
"""

from __future__ import annotations

import argparse
import json
import pickle
import pstats
from pathlib import Path

# Buckets: the cumulative time of the outermost call of each (a function's own children count
# in its bucket). Overlaps are possible (a template that runs SQL counts in both).
BUCKETS = {
    "SQL (cursor.execute)": ("django/db/backends/utils.py", "_execute"),
    "templates (Template.render)": ("django/template/base.py", "render"),
    "session load": ("django/contrib/sessions/backends/base.py", "_get_session"),
    "session save": ("django/contrib/sessions/middleware.py", "process_response"),
    "user load (get_user)": ("django/contrib/auth/__init__.py", "get_user"),
    "audit reads recorded": ("asndigital/audit/reads.py", None),
    "static (WhiteNoise)": ("whitenoise/middleware.py", "serve"),
    "the view": ("django/core/handlers/base.py", "_get_response"),
    "request in all": ("django/core/handlers/wsgi.py", "__call__"),
}


def load(directory: Path) -> dict[str, list]:
    merged: dict[str, list] = {}
    for path in sorted(directory.glob("*.pickle")):
        for kind, (count, wall, raw) in pickle.loads(path.read_bytes()).items():  # noqa: S301
            stats = pstats.Stats()
            stats.stats = raw  # type: ignore[attr-defined]
            stats.get_top_level_stats()
            entry = merged.get(kind)
            if entry is None:
                merged[kind] = [count, wall, stats]
            else:
                entry[0] += count
                entry[1] += wall
                entry[2].add(stats)
    return merged


def bucket_ms(stats: pstats.Stats, count: int) -> dict[str, float]:
    out = {}
    for name, (suffix, function) in BUCKETS.items():
        best = 0.0
        for (filename, _line, func), (_cc, _nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            if filename.endswith(suffix) and (function is None or func == function):
                best = max(best, ct) if function is not None else best + _tt
        out[name] = round(best * 1000 / count, 2)
    return out


def top(stats: pstats.Stats, count: int, limit: int, whole: float) -> list[tuple[float, int, str]]:
    """The functions that took most (cumulative), leaving out the middleware chain around the
    whole request (anything over 90% of it)."""
    rows = []
    for (filename, line, func), (_cc, nc, _tt, ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        if "asndigital/" not in filename and "django/" not in filename:
            continue
        if ct > 0.9 * whole:
            continue
        short = filename.split("site-packages/")[-1].split("/work/")[-1]
        rows.append((ct * 1000 / count, nc / count, f"{short}:{line} {func}"))
    rows.sort(reverse=True)
    return rows[:limit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--kind", default="", help="only kinds that contain this text")
    args = parser.parse_args()
    kinds = load(args.directory)
    total = sum(c for c, _w, _s in kinds.values())
    result: dict = {"benchmark": "profile_report", "requests": total, "kinds": {}}
    print(f"{'requests':>8}  {'share':>6}  {'CPU ms/req':>7}  kind")
    for kind, (count, wall, _stats) in sorted(kinds.items(), key=lambda kv: -kv[1][1]):
        print(f"{count:>8}  {count / total:>6.1%}  {wall * 1000 / count:>7.1f}  {kind}")
    for kind, (count, wall, stats) in sorted(kinds.items(), key=lambda kv: -kv[1][1]):
        if args.kind not in kind:
            continue
        buckets = bucket_ms(stats, count)
        print(f"\n== {kind}: {count} requests, {wall * 1000 / count:.1f} ms of CPU each (profiled)")
        print("   " + "; ".join(f"{k} {v}" for k, v in buckets.items()))
        for ms, calls, name in top(stats, count, args.top, wall):
            print(f"   {ms:8.2f} ms {calls:8.1f} calls  {name}")
        result["kinds"][kind] = {
            "requests": count,
            "ms_per_request": round(wall * 1000 / count, 2),
            "buckets_ms": buckets,
        }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
