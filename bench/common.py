"""Shared set-up for the benchmarks: a large-demo database built once and reused."""

from __future__ import annotations

import hashlib
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench", "out")
sys.path.insert(0, ROOT)


def large_instance(database_url: str | None = None) -> dict:
    """Environment for a large-demo instance; the demo is loaded the first time only."""
    instance = os.path.join(OUT, "large-instance")
    env = {**os.environ, "TRACKER_INSTANCE_PATH": instance}
    if database_url:
        env["DATABASE_URL"] = database_url
    # One marker per database: a second PostgreSQL database gets its own load.
    suffix = "-" + hashlib.sha256(database_url.encode()).hexdigest()[:12] if database_url else ""
    marker = os.path.join(instance, ".demo-loaded" + suffix)
    if not os.path.exists(marker):
        os.makedirs(instance, exist_ok=True)
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        subprocess.run(flask + ["db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
        started = time.perf_counter()
        subprocess.run(flask + ["demo", "--scale", "large"], env=env, cwd=ROOT, check=True, capture_output=True)
        print(f"large demo loaded in {time.perf_counter() - started:.1f} s")
        open(marker, "w").close()
    return env


def percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(values: list[float]) -> dict:
    return {"n": len(values), "p50": statistics.median(values), "p95": percentile(values, 95), "max": max(values)}


def table(rows: list[dict], columns: list[str]) -> str:
    widths = {c: max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns}
    line = "  ".join(c.ljust(widths[c]) for c in columns)
    out = [line, "  ".join("-" * widths[c] for c in columns)]
    for r in rows:
        out.append("  ".join(str(r.get(c, "")).ljust(widths[c]) for c in columns))
    return "\n".join(out)
