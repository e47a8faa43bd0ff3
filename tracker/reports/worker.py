"""The report worker: the Huey consumer, its heartbeat, and starting one when none runs.

``flask --app wsgi reports worker`` runs the consumer (threads) and writes a heartbeat every few
seconds: a file in the instance folder, or a Redis key with ``REDIS_URL``.  ``make run`` and the
systemd unit start it beside the web server.

With only the web process running (``flask run``), reports must still complete (api.md): when a job
is queued and no live heartbeat exists, the web process starts a detached worker
(``python -m flask --app wsgi reports worker --exit-when-idle 300``), guarded by a lock file so two
requests never start two.  ``REPORTS_AUTOSTART_WORKER`` (default on, off in tests) switches this off.
A report is never rendered in a request thread.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time

from flask import Flask, current_app
from huey.consumer import ConsumerStopped

from tracker.reports import queue

log = logging.getLogger(__name__)
HEARTBEAT_EVERY = 5.0  # seconds
HEARTBEAT_LIVE = 20.0  # a heartbeat older than this: no worker
SPAWN_LOCK_SECONDS = 60.0  # one start attempt per minute at most
REDIS_KEY = "tkpk:reports:worker"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


# ---- heartbeat -------------------------------------------------------------------------------------------

def heartbeat_path(app: Flask) -> str:
    return os.path.join(app.instance_path, "reports-worker.heartbeat")


def _redis(app: Flask):
    storage = queue.get_queue(app).storage
    return getattr(storage, "conn", None) if queue.queue_kind(app) == "redis" else None


def beat(app: Flask) -> None:
    payload = json.dumps({"pid": os.getpid(), "at": time.time()})
    conn = _redis(app)
    if conn is not None:
        conn.set(REDIS_KEY, payload, ex=int(HEARTBEAT_LIVE))
        return
    path = heartbeat_path(app)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as out:
        out.write(payload)
    os.replace(tmp, path)


def clear_heartbeat(app: Flask) -> None:
    conn = _redis(app)
    if conn is not None:
        conn.delete(REDIS_KEY)
        return
    try:
        os.remove(heartbeat_path(app))
    except FileNotFoundError:
        pass


def worker_alive(app: Flask, now: float | None = None) -> bool:
    """A worker wrote its heartbeat within the last ``HEARTBEAT_LIVE`` seconds."""
    now = time.time() if now is None else now
    conn = _redis(app)
    if conn is not None:
        return bool(conn.exists(REDIS_KEY))
    try:
        return now - os.path.getmtime(heartbeat_path(app)) < HEARTBEAT_LIVE
    except OSError:
        return False


# ---- starting a worker from the web process ---------------------------------------------------------------

def autostart_enabled(app: Flask) -> bool:
    value = app.config.get("REPORTS_AUTOSTART_WORKER")
    if value is None:
        value = not app.testing
    return bool(value) and not queue.is_memory(app)


def _take_spawn_lock(app: Flask, now: float) -> bool:
    """Create the lock file, or take over one older than ``SPAWN_LOCK_SECONDS``; False if another
    request holds it."""
    path = os.path.join(app.instance_path, "reports-worker.spawn")
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        try:
            if now - os.path.getmtime(path) < SPAWN_LOCK_SECONDS:
                return False
            os.remove(path)
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        except OSError:
            return False  # another request took it over first
    with os.fdopen(fd, "w") as out:
        out.write(str(os.getpid()))
    return True


def worker_command(idle_seconds: int = 300) -> list[str]:
    return [sys.executable, "-m", "flask", "--app", "wsgi", "reports", "worker", "--exit-when-idle", str(idle_seconds)]


def spawn_worker(app: Flask) -> subprocess.Popen:
    env = {**os.environ, "TRACKER_INSTANCE_PATH": app.instance_path}
    logfile = open(os.path.join(app.instance_path, "reports-worker.log"), "ab")  # noqa: SIM115 (the child keeps it)
    try:
        return subprocess.Popen(worker_command(), cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=logfile,
                                stderr=subprocess.STDOUT, start_new_session=True, close_fds=True)
    finally:
        logfile.close()


def ensure_worker(app: Flask | None = None, *, now: float | None = None, spawn=None) -> bool:
    """Start a detached worker when autostart is on and none is alive.  True when one was started."""
    app = app or current_app._get_current_object()
    now = time.time() if now is None else now
    if not autostart_enabled(app) or worker_alive(app, now):
        return False
    if not _take_spawn_lock(app, now):
        return False
    try:
        (spawn or spawn_worker)(app)
    except OSError:
        log.exception("could not start the report worker")
        return False
    log.info("started a report worker (no live worker heartbeat)")
    return True


# ---- the consumer ----------------------------------------------------------------------------------------

def run_worker(app: Flask, workers: int = 2, exit_when_idle: float | None = None) -> None:
    """Run the Huey consumer until stopped (SIGTERM, Ctrl-C) or, with ``exit_when_idle``, until the
    queue has been empty and nothing ran for that many seconds."""
    huey = queue.get_queue(app)
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=False,
                                    check_worker_health=True, max_delay=1.0)
    consumer.start()
    beat(app)
    last_beat = time.monotonic()
    health = time.monotonic()
    try:
        while True:
            try:
                health = consumer.loop(health)
            except ConsumerStopped:
                break
            now = time.monotonic()
            if now - last_beat >= HEARTBEAT_EVERY:
                beat(app)
                last_beat = now
            if exit_when_idle and _idle_for(now) >= exit_when_idle:
                clear_heartbeat(app)  # first: a job queued from now on starts another worker
                if huey.pending_count() == 0 and queue.ACTIVE.count == 0:
                    log.info("report worker idle for %ss: exiting", exit_when_idle)
                    consumer.stop(graceful=True)
                    break
                beat(app)
    except KeyboardInterrupt:
        consumer.stop(graceful=True)
    finally:
        clear_heartbeat(app)


def _idle_for(now: float) -> float:
    if queue.ACTIVE.count:
        return 0.0
    return now - queue.ACTIVE.last_finished
