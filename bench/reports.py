"""Report speed on the large demo (quality.md targets 4-6), printed as one table.

    .venv/bin/python bench/reports.py [--database-url postgresql://...] [--quick] [--clients 2]

1. The Rakor report without annex (evaluation, pdf, kabupaten, the latest year with data, its latest
   quarter with verified reports): time (target <= 10 s).
2. The full report with the annex of every activity, rendered in one process and in parallel chunks
   (a process pool, one process per core, merged with pypdf): both times and the ratio (<= 0.6).
   "One process" renders the same documents one after the other (``mode="sequential"``, what the
   registered renderer does on a one-core machine); one HTML document of the whole large annex is
   never made (it took 1.4 GB).
3. Peak memory of every process involved (ru_maxrss of the rendering process and of its pool
   workers; VmHWM of the report worker and gunicorn in step 5): <= 800 MB per process.
4. The cached re-download of an unchanged report through the API: the first full report of step 5
   asked again, 20 times, after it was done (<= 100 ms).
5. Dashboard latency (the home page as the Bappeda user, signed in) under gunicorn (2 sync workers)
   while the report worker (``flask --app wsgi reports worker``) renders two full reports asked for
   at once through the API (with a token, then polling the job): p50/p95/p99 (p99 <= 500 ms); and
   the same dashboard alone just before, for comparison.
6. The Excel workbook of the same year and quarter with every activity (evaluation, xlsx, annex):
   time (<= 5 s).

Steps 1, 2 and 6 call ``registry.get(kind, fmt).render(params, progress)`` in an app context, each in
its own fresh process (``--step``) so that its peak memory is its own; WeasyPrint, the stylesheet
and the pool are warmed up first, as in a report worker that has rendered before.  ``--quick`` skips
the single-process full rendering (no ratio).  The report queue, the worker's heartbeat and the
rendered files live in ``bench/out/reports-instance`` (the database is the large demo's; report
jobs an interrupted earlier run left queued or running in it are marked failed first).  Wall-clock
times follow the machine's load: each rendering also shows its CPU time.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import urllib.parse

from common import OUT, ROOT, large_instance, percentile, table

PORT = 5189
BAPPEDA = {"username": "bappeda", "password": "Bappeda-Mentaya-2025"}
INSTANCE = os.path.join(OUT, "reports-instance")
MB = 1024  # ru_maxrss is in KiB on Linux


# ---- the steps run in their own process ------------------------------------------------------------------

def _app():
    from tracker import create_app

    return create_app()


def _pages(data: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def run_step(step: str, year: int, quarter: int) -> dict:
    """One rendering, timed, in this (fresh) process; returns figures as a dict."""
    from tracker.reports import pdf, registry
    from tracker.reports.registry import ReportParams

    app = _app()
    out: dict = {"step": step}
    with app.app_context():
        calls = []
        if step == "probe":
            return {"step": step, **probe()}
        fmt = "xlsx" if step == "xlsx" else "pdf"
        params = ReportParams(kind="evaluation", fmt=fmt, year=year, quarter=quarter,
                              annex=step in ("single", "chunked", "xlsx"))
        kind = registry.get("evaluation", fmt)
        if kind is None:
            return {**out, "error": f"evaluation.{fmt} is not registered (tracker/reports/kinds.py)"}
        started = time.perf_counter()
        if fmt == "pdf":  # what a worker has done already before its first report: import, CSS, fonts
            pdf.render_pdf("<p>warm</p>")
            if step == "chunked":
                pdf.render_parallel(["<p>warm</p>"] * pdf.worker_count())
        out["warm_s"] = time.perf_counter() - started
        if fmt == "pdf":  # the content alone (the database part), which also warms the caches for both modes
            from tracker.reports import rakor_content

            started = time.perf_counter()
            rows = rakor_content.build(params)["annex"] or []
            out["content_s"] = time.perf_counter() - started
            out["annex_rows"] = len(rows)
            if step == "chunked":
                from tracker.reports import rakor_pdf

                out["parts"] = 1 + len(rakor_pdf.chunk(rows, pdf.worker_count()))
        # The registered renderer ("auto": chunked for a long annex on more than one core); the
        # one-process path is the same function with mode="sequential" (rakor_pdf.render_content).
        render = kind.render
        if step == "single":
            from functools import partial

            from tracker.reports import rakor_pdf

            render = partial(rakor_pdf.render, mode="sequential")
        started, cpu = time.perf_counter(), _cpu(resource.RUSAGE_SELF)
        data = render(params, calls.append)
        out["seconds"] = time.perf_counter() - started
        out["cpu_s"] = _cpu(resource.RUSAGE_SELF) - cpu
        out["bytes"] = len(data)
        out["progress_calls"] = len(calls)
        out["pages"] = _pages(data) if fmt == "pdf" else None
        if fmt == "xlsx":
            out["sheets"] = _sheets(data)
    pdf.shutdown_pool()  # joins the pool's processes: their peak shows in RUSAGE_CHILDREN
    out["pool_cpu_s"] = _cpu(resource.RUSAGE_CHILDREN)  # the pool's processes, warm-up included
    out["rss_self_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / MB
    out["rss_children_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / MB
    out["pool_processes"] = pdf.worker_count() if step == "chunked" else 0
    return out


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def _sheets(data: bytes) -> str:
    import io

    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data), read_only=True)  # a write-only workbook has no dimensions: count
    rows = sum(sum(1 for _row in ws.iter_rows(values_only=True)) for ws in wb.worksheets)
    return f"{len(wb.worksheets)} sheets, {rows} rows"


def probe() -> dict:
    """The latest year with activities, its latest quarter with verified reports, the counts; and
    the report jobs a killed earlier run left queued or running, marked failed (cache.expire)."""
    from sqlalchemy import func, select

    from tracker.extensions import db
    from tracker.plans.models import Activity
    from tracker.progress.models import ProgressReport
    from tracker.reports import cache
    from tracker.reports.models import PENDING, ReportJob

    year = db.session.scalar(select(func.max(Activity.year)))
    quarter = db.session.scalar(select(func.max(ProgressReport.quarter)).where(
        ProgressReport.year == year, ProgressReport.status == "verified"))
    activities = db.session.scalar(select(func.count()).select_from(Activity).where(Activity.year == year))
    stale = list(db.session.scalars(select(ReportJob.id).where(ReportJob.status.in_(PENDING))))
    cache.expire(stale)
    db.session.commit()
    return {"year": year, "quarter": quarter, "activities": activities, "expired_jobs": len(stale)}


def step_process(step: str, env: dict, year: int = 0, quarter: int = 0, timeout: float = 3600) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--step", step, "--year", str(year), "--quarter", str(quarter)]
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the step and its pool processes
        proc.communicate()
        return {"step": step, "error": f"gave up after {timeout:.0f} s"}
    done = subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode or not lines:
        tail = (done.stderr or done.stdout).strip().splitlines()[-12:]
        return {"step": step, "error": f"exit {done.returncode}: " + " | ".join(tail)}
    return json.loads(lines[-1])


# ---- the server phase --------------------------------------------------------------------------------------

class Client:
    def __init__(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)

    def request(self, method: str, path: str, body=None, headers=None):
        self.conn.request(method, path, body=body, headers=headers or {})
        response = self.conn.getresponse()
        return response, response.read()


def login_cookie() -> str:
    client = Client()
    response, page = client.request("GET", "/login")
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.decode())
    body = urllib.parse.urlencode({**BAPPEDA, "csrf_token": token.group(1)})
    response, _ = client.request("POST", "/login", body=body, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})
    if response.status not in (302, 303):
        raise RuntimeError(f"login failed: {response.status}")
    return response.getheader("Set-Cookie").split(";")[0]


def api_token() -> dict:
    response, body = Client().request("POST", "/api/v1/tokens", body=json.dumps(BAPPEDA),
                                      headers={"Content-Type": "application/json"})
    return {"Authorization": f"Bearer {json.loads(body)['token']}"}


def fetch_report(auth: dict, path: str, deadline_s: float = 3600) -> dict:
    """Ask for a report and follow its job until the file is there: the time to the file, the
    first answer (200, or 202 after the API's short wait) and the file's size."""
    client = Client()
    started = time.perf_counter()
    response, body = client.request("GET", path, headers=auth)
    first = {"status": response.status, "seconds": time.perf_counter() - started}
    if response.status == 202:
        status_url = json.loads(body)["status_url"]
        while time.perf_counter() - started < deadline_s:
            time.sleep(0.5)
            response, body = client.request("GET", status_url, headers=auth)
            job = json.loads(body)
            if job["status"] == "failed":
                return {"path": path, "first": first, "error": job.get("error")}
            if job["status"] == "done":
                response, body = client.request("GET", job["download_url"], headers=auth)
                break
    if response.status != 200 or body[:4] not in (b"%PDF", b"PK\x03\x04"):
        return {"path": path, "first": first, "error": f"{response.status} {body[:120]!r}"}
    return {"path": path, "first": first, "status": response.status, "bytes": len(body),
            "seconds": time.perf_counter() - started}


def hammer(cookie: str, clients: int, stop: threading.Event, latencies: list, errors: list) -> list[threading.Thread]:
    def loop():
        client = Client()
        while not stop.is_set():
            started = time.perf_counter()
            response, _ = client.request("GET", "/", headers={"Cookie": cookie})
            latencies.append((time.perf_counter() - started) * 1000)
            if response.status != 200:
                errors.append(response.status)

    threads = [threading.Thread(target=loop, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    return threads


def vm_hwm_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children of any of its threads: the pool is started by a worker thread)."""
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        kids: list[int] = []
        try:
            for task in os.listdir(f"/proc/{parent}/task"):
                with open(f"/proc/{parent}/task/{task}/children") as fh:
                    kids += [int(p) for p in fh.read().split()]
        except OSError:
            pass
        found += kids
        todo += kids
    return found


def report_paths(year: int, quarter: int) -> list[str]:
    """The two full reports of step 5: different parameters, so two renderings (no cache hit)."""
    base = f"/api/v1/reports/evaluation/{year}/{quarter}.pdf?annex=1"
    return [base, base + "&include_unverified=1"]


def server_phase(env: dict, year: int, quarter: int, clients: int, baseline_s: float, deadline_s: float) -> dict:
    bin_dir = os.path.dirname(sys.executable)
    worker = subprocess.Popen([os.path.join(bin_dir, "flask"), "--app", "wsgi", "reports", "worker"], cwd=ROOT, env=env,
                              stdout=subprocess.DEVNULL, stderr=open(os.path.join(INSTANCE, "worker.log"), "w"))
    server = subprocess.Popen([os.path.join(bin_dir, "gunicorn"), "--workers", "2", "--bind", f"127.0.0.1:{PORT}",
                               "--log-level", "warning", "wsgi:app"], cwd=ROOT, env=env)
    out: dict = {}
    try:
        for _ in range(200):
            try:
                http.client.HTTPConnection("127.0.0.1", PORT, timeout=1).request("GET", "/health")
                break
            except OSError:
                time.sleep(0.1)
        auth, cookie = api_token(), login_cookie()
        # 5. the dashboard alone, then while two full reports render
        paths: list[str] = []
        results: list = [None, None]
        for phase, seconds in (("baseline", baseline_s), ("loaded", None)):
            latencies, errors, stop = [], [], threading.Event()
            threads = hammer(cookie, clients, stop, latencies, errors)
            started = time.perf_counter()
            if seconds:
                time.sleep(seconds)
            else:
                paths = report_paths(year, quarter)

                def ask(i: int, path: str) -> None:
                    results[i] = fetch_report(auth, path, deadline_s)

                asks = [threading.Thread(target=ask, args=(i, p)) for i, p in enumerate(paths)]
                for t in asks:
                    t.start()
                for t in asks:
                    t.join()
                out["reports"] = results
            stop.set()
            for t in threads:
                t.join(timeout=30)
            out[phase] = {"wall": time.perf_counter() - started, "ms": latencies, "errors": len(errors)}
        # 4. the cached re-download: the first full report again, its data unchanged (20 times)
        if results[0] and "error" not in results[0]:
            out["first"], out["cached_ms"] = results[0], []
            client = Client()
            for _ in range(20):
                started = time.perf_counter()
                response, body = client.request("GET", paths[0], headers=auth)
                out["cached_ms"].append((time.perf_counter() - started) * 1000)
                if response.status != 200 or body[:4] != b"%PDF":
                    out["cached_error"] = f"{response.status} {body[:80]!r}"
        pids = {"report worker": [worker.pid], "report pool": descendants(worker.pid),
                "gunicorn": descendants(server.pid)}
        out["hwm"] = {name: [vm_hwm_mb(p) or 0.0 for p in ps] for name, ps in pids.items()}
    finally:
        for proc in (server, worker):
            proc.terminate()
        for proc in (server, worker):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    return out


# ---- the table ----------------------------------------------------------------------------------------------

def ok(value: float | None, limit: float) -> str:
    if value is None:
        return "—"
    return "meets" if value <= limit else "MISSES"


def fmt_s(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


def _row(measure: str, figure: str, target: str = "—", result: str = "—", detail: str = "") -> dict:
    return {"measure": measure, "figure": figure, "target": target, "result": result, "detail": detail}


def _render_row(label: str, s: dict, target: str = "—", limit: float | None = None) -> dict:
    if "error" in s:
        return _row(label, "ERROR", target, detail=s["error"][:300])
    seconds = s.get("seconds")
    if s.get("sheets"):
        detail = f"{s['sheets']}, {s.get('bytes', 0) / 1e6:.1f} MB"
    else:
        detail = f"{s.get('pages')} pages, {s.get('bytes', 0) / 1e6:.1f} MB, annex rows {s.get('annex_rows')}"
        if s.get("parts"):
            detail += f" in {s['parts'] - 1} chunks + the main part"
        detail += f"; content alone {s.get('content_s', 0):.1f} s; warm-up {s.get('warm_s', 0):.1f} s"
    detail += f"; CPU {s.get('cpu_s', 0):.1f} s" + (f" + pool {s['pool_cpu_s']:.1f} s" if s.get("pool_cpu_s") else "")
    return _row(label, fmt_s(seconds), target, ok(seconds, limit) if limit else "—", detail)


def _latency_row(label: str, ms: list[float], limit: float | None, target: str, detail: str, pct: int = 99) -> dict:
    figure = " / ".join(f"p{p} {percentile(ms, p):.0f}" for p in (50, 95, 99)) + " ms"
    return _row(label, figure, target, ok(percentile(ms, pct), limit) if limit else "—", detail)


def _report_note(r: dict | None) -> str:
    if not r or "error" in r:
        return f"FAILED {r}"
    return (f"{r['bytes'] / 1e6:.1f} MB after {r['seconds']:.0f} s (first answer {r['first']['status']} "
            f"after {r['first']['seconds']:.1f} s)")


def rows_for(steps: dict, server: dict, quick: bool) -> list[dict]:
    summary, single, chunked, xlsx = (steps.get(k, {}) for k in ("summary", "single", "chunked", "xlsx"))
    rows = [_render_row("1. Rakor report without annex", summary, "≤ 10 s", 10)]
    rows.append(_row("2. full report, one process", "skipped (--quick)") if quick
                else _render_row("2. full report, one process", single))
    rows.append(_render_row(f"2. full report, chunked ({chunked.get('pool_processes', '?')} processes)", chunked))
    if single.get("seconds") and chunked.get("seconds"):
        ratio = chunked["seconds"] / single["seconds"]
        rows.append(_row("2. chunked / one process", f"{ratio:.2f}", "≤ 0.6", ok(ratio, 0.6), "wall-clock times"))
        # On a machine busier than its cores the pool gets no more CPU than one process: the CPU
        # times give what an otherwise idle machine would do (the pool's busier half + the main part).
        if single.get("cpu_s") and chunked.get("pool_cpu_s"):
            bound = (chunked["pool_cpu_s"] / max(1, chunked.get("pool_processes") or 1) + chunked["cpu_s"])
            rows.append(_row("2. chunked / one process, from CPU time", f"{bound / single['cpu_s']:.2f}", "≤ 0.6",
                             ok(bound / single["cpu_s"], 0.6),
                             "idle-machine estimate: (pool CPU / processes + main CPU) / one-process CPU"))
    for name, s in (("without annex", summary), ("full, one process", single), ("full, chunked", chunked),
                    ("Excel", xlsx)):
        if s.get("rss_self_mb"):
            worst = max(s["rss_self_mb"], s.get("rss_children_mb") or 0)
            rows.append(_row(f"3. peak memory, {name}", f"{worst:.0f} MB", "≤ 800 MB", ok(worst, 800),
                             f"rendering process {s['rss_self_mb']:.0f} MB, largest child process "
                             f"{s.get('rss_children_mb', 0):.0f} MB (ru_maxrss)"))
    for name, values in server.get("hwm", {}).items():
        if values:
            rows.append(_row(f"3. peak memory, {name} (step 5)", f"{max(values):.0f} MB", "≤ 800 MB",
                             ok(max(values), 800), "VmHWM " + ", ".join(f"{v:.0f}" for v in values) + " MB"))
    if server.get("cached_ms"):
        ms = server["cached_ms"]
        detail = (f"{len(ms)} requests of the first full report of step 5 after it was done "
                  f"({server['first']['bytes'] / 1e6:.1f} MB); max {max(ms):.0f} ms"
                  + (f"; {server['cached_error']}" if server.get("cached_error") else ""))
        rows.append(_latency_row("4. cached re-download (API)", ms, 100, "≤ 100 ms (p95)", detail, 95))
    for phase, label in (("baseline", "5. dashboard alone"), ("loaded", "5. dashboard while two full reports render")):
        ph = server.get(phase)
        if ph and ph["ms"]:
            ms = ph["ms"]
            detail = f"{len(ms)} requests in {ph['wall']:.0f} s, non-200 {ph['errors']}, max {max(ms):.0f} ms"
            if phase == "loaded":
                detail += "; reports: " + "; ".join(_report_note(r) for r in server.get("reports", []))
                rows.append(_latency_row(label, ph["ms"], 500, "≤ 500 ms (p99)", detail))
            else:
                rows.append(_latency_row(label, ph["ms"], None, "—", detail))
    rows.append(_render_row("6. Excel workbook (evaluation xlsx)", xlsx, "≤ 5 s", 5))
    return rows


def prepare(database_url: str | None) -> dict:
    """The large demo (built once by ``common.large_instance``) with this bench's own instance folder."""
    env = large_instance(database_url)
    shared = env["TRACKER_INSTANCE_PATH"]
    if database_url:
        ensure_loaded(env)
    else:
        env["DATABASE_URL"] = "sqlite:///" + os.path.join(shared, "tracker.sqlite3")
    shutil.rmtree(INSTANCE, ignore_errors=True)  # a fresh queue, heartbeat and report folder: no cache hit
    os.makedirs(INSTANCE)
    env.update({"TRACKER_INSTANCE_PATH": INSTANCE, "REPORTS_AUTOSTART_WORKER": "0", "PYTHONPATH": ROOT})
    return env


def ensure_loaded(env: dict) -> None:
    """``common.large_instance`` marks a PostgreSQL load once for any URL: load this database if empty."""
    from sqlalchemy import create_engine, inspect, text

    url = env["DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_engine(url)
    with engine.connect() as conn:
        loaded = inspect(conn).has_table("activity") and conn.execute(text("select count(*) from activity")).scalar()
    engine.dispose()
    if not loaded:
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        subprocess.run(flask + ["db", "upgrade"], env=env, cwd=ROOT, check=True, capture_output=True)
        started = time.perf_counter()
        subprocess.run(flask + ["demo", "--scale", "large"], env=env, cwd=ROOT, check=True, capture_output=True)
        print(f"large demo loaded into {url.rsplit('@', 1)[-1]} in {time.perf_counter() - started:.1f} s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url")
    parser.add_argument("--quick", action="store_true", help="skip the single-process full rendering (no ratio)")
    parser.add_argument("--clients", type=int, default=2, help="concurrent dashboard clients in step 5")
    parser.add_argument("--baseline-seconds", type=float, default=10, help="dashboard alone before the reports")
    parser.add_argument("--step-timeout", type=float, default=3600, help="seconds one rendering may take at most")
    parser.add_argument("--step", help=argparse.SUPPRESS)
    parser.add_argument("--year", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--quarter", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.step:
        print(json.dumps(run_step(args.step, args.year, args.quarter)))
        return
    env = prepare(args.database_url)
    command = " ".join(shlex.quote(a) for a in [".venv/bin/python", "bench/reports.py", *sys.argv[1:]])
    started = time.perf_counter()
    found = step_process("probe", env)
    if "error" in found:
        sys.exit(f"probe failed: {found['error']}")
    year, quarter = found["year"], found["quarter"]
    steps = {}
    for step in ("summary", *(() if args.quick else ("single",)), "chunked", "xlsx"):
        print(f"... {step}", file=sys.stderr, flush=True)
        steps[step] = step_process(step, env, year, quarter, args.step_timeout)
        print(f"    {steps[step]}", file=sys.stderr, flush=True)
    print("... server (report worker + gunicorn)", file=sys.stderr, flush=True)
    server = server_phase(env, year, quarter, args.clients, args.baseline_seconds, args.step_timeout)
    database = env["DATABASE_URL"].split("://")[0] if args.database_url else "sqlite"
    with open(os.path.join(INSTANCE, "results.json"), "w") as fh:
        json.dump({"command": command, "probe": found, "steps": steps, "server": server}, fh)
    print(f"$ {command}")
    print(f"large demo on {database}: evaluation {year} triwulan {quarter} (kabupaten, "
          f"{found['activities']} activities); "
          f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; dashboard clients {args.clients}; "
          f"run {time.perf_counter() - started:.0f} s")
    print(table(rows_for(steps, server, args.quick), ["measure", "figure", "target", "result", "detail"]))


if __name__ == "__main__":
    main()
