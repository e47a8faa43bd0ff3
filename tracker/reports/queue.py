"""The report job queue (Huey) and the task that renders one job.

Storage by configuration (``REPORTS_QUEUE``): ``sqlite`` (the default: ``reports-queue.sqlite3`` in the
instance folder), ``redis`` (the default when ``REDIS_URL`` is set) or ``memory`` (the default in
tests: nothing runs it unless the test does, ``drain()``).  One Huey instance per app
(``app.extensions["reports_queue"]``), with the one task ``render_report(job_id)``.

The task pushes an app context, marks the job running, calls the registered renderer
``registry.get(kind, fmt).render(params, progress)`` in a reading transaction, stores the bytes under
``REPORT_FOLDER`` and marks the job done.  Every job waiting for the same rendering (the same
``cache_key``: another user who asked for the same report meanwhile) moves along with it.  Any
exception: the job fails with a short message (an ``AppError``'s own, else a general one); the
traceback goes to the log only.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid

from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from huey import Huey, MemoryHuey, RedisHuey, SqliteHuey
from sqlalchemy import select, update

from tracker.database import read_only
from tracker.errors import AppError
from tracker.extensions import db
from tracker.reports import registry
from tracker.reports.cache import file_exists, params_from_json, report_path
from tracker.reports.models import DONE, FAILED, PENDING, QUEUED, RUNNING, ReportJob
from tracker.types import utcnow

log = logging.getLogger(__name__)
EXTENSION_KEY = "reports_queue"
QUEUE_NAME = "tkpk-reports"
PROGRESS_INTERVAL = 0.5  # seconds between two progress writes of one job


def queue_kind(app: Flask) -> str:
    kind = app.config.get("REPORTS_QUEUE")
    if not kind:
        kind = "memory" if app.testing else ("redis" if app.config.get("REDIS_URL") else "sqlite")
    if kind not in {"sqlite", "redis", "memory"}:
        raise RuntimeError(f"REPORTS_QUEUE must be sqlite, redis or memory, not {kind!r}")
    return kind


def _build(app: Flask) -> Huey:
    kind = queue_kind(app)
    if kind == "memory":
        huey: Huey = MemoryHuey(QUEUE_NAME, results=False, immediate=False)
    elif kind == "redis":
        huey = RedisHuey(QUEUE_NAME, results=False, url=app.config["REDIS_URL"])
    else:
        path = app.config.get("REPORTS_QUEUE_FILE") or os.path.join(app.instance_path, "reports-queue.sqlite3")
        huey = SqliteHuey(QUEUE_NAME, results=False, filename=path)

    @huey.task(name="render_report")
    def render_report(job_id: str) -> None:
        with app.app_context():
            run_job(job_id)

    huey.render_report = render_report  # type: ignore[attr-defined]
    return huey


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION_KEY] = _build(app)


def get_queue(app: Flask | None = None) -> Huey:
    app = app or current_app._get_current_object()
    return app.extensions[EXTENSION_KEY]


def is_memory(app: Flask | None = None) -> bool:
    return isinstance(get_queue(app), MemoryHuey)


def enqueue(job_id: str) -> None:
    """Queue the rendering of a committed job (the worker must find its row)."""
    get_queue().render_report(job_id)


def drain(app: Flask | None = None, limit: int = 100) -> int:
    """Run the queued tasks here and now, in this thread (tests and ``reports run-pending``).
    Returns how many ran."""
    huey = get_queue(app)
    ran = 0
    while ran < limit:
        task = huey.dequeue()
        if task is None:
            break
        huey.execute(task)
        ran += 1
    return ran


# ---- what is running (the worker's idle check) -----------------------------------------------------------

class _Active:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.count = 0
        self.last_finished = time.monotonic()

    def __enter__(self):
        with self._lock:
            self.count += 1

    def __exit__(self, *exc):
        with self._lock:
            self.count -= 1
            self.last_finished = time.monotonic()


ACTIVE = _Active()


# ---- running one job -------------------------------------------------------------------------------------

def _pending(cache_key: str):
    return update(ReportJob).where(ReportJob.cache_key == cache_key, ReportJob.status.in_(PENDING))


class ProgressWriter:
    """The renderer's ``progress(pct)``: written to every job waiting for this rendering, at most every
    half second, on its own short connection (the renderer's reading transaction stays open)."""

    def __init__(self, cache_key: str):
        self.cache_key = cache_key
        self.last_value = 0
        self.last_time = 0.0

    def __call__(self, value) -> None:
        try:
            value = max(0, min(99, int(value)))
        except (TypeError, ValueError):
            return
        now = time.monotonic()
        if value <= self.last_value or now - self.last_time < PROGRESS_INTERVAL:
            return
        self.last_value, self.last_time = value, now
        try:
            with db.engine.connect() as connection:
                connection.execute(_pending(self.cache_key).where(ReportJob.progress < value).values(progress=value))
                connection.commit()
        except Exception:  # a progress bar is not worth failing a report for
            log.warning("could not record report progress", exc_info=True)


def store_bytes(data: bytes, fmt: str) -> str:
    """Write the rendering under ``REPORT_FOLDER`` (atomically) and return its generated name."""
    stored_name = f"{uuid.uuid4().hex}.{fmt}"
    path = report_path(stored_name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as out:
        out.write(data)
    os.replace(tmp, path)
    return stored_name


def failure_message(exc: BaseException) -> str:
    if isinstance(exc, AppError):
        return exc.message
    return _("Laporan gagal dibuat karena kesalahan pada server; kejadian ini sudah dicatat. "
             "Silakan coba lagi atau hubungi administrator.")


def _finish(cache_key: str, **values) -> None:
    db.session.execute(_pending(cache_key).values(finished_at=utcnow(), **values))
    db.session.commit()


def _rendered(cache_key: str) -> ReportJob | None:
    done = db.session.scalars(select(ReportJob).where(ReportJob.cache_key == cache_key, ReportJob.status == DONE)
                              .order_by(ReportJob.finished_at.desc()).limit(1)).first()
    return done if done is not None and file_exists(done) else None


def run_job(job_id: str) -> None:
    """Render one job (inside an app context; no request, no signed-in user)."""
    with ACTIVE:
        job = db.session.get(ReportJob, job_id)
        if job is None or job.status != QUEUED:
            db.session.rollback()
            return  # already rendered, failed, or removed
        params = params_from_json(job.params)
        key, fmt = job.cache_key, job.fmt
        twin = _rendered(key)
        if twin is not None:  # the same rendering finished meanwhile (two requests at once)
            _finish(key, status=DONE, progress=100, stored_name=twin.stored_name, size=twin.size, error=None)
            return
        db.session.execute(_pending(key).values(status=RUNNING, started_at=utcnow()))
        db.session.commit()
        with force_locale(params.locale or "id"):
            try:
                kind = registry.get(params.kind, params.fmt)
                if kind is None:
                    raise AppError(_("Jenis laporan ini belum tersedia."))
                with read_only():
                    data = kind.render(params, ProgressWriter(key))
                    db.session.rollback()  # end the reading transaction
                if not isinstance(data, (bytes, bytearray)) or not data:
                    raise RuntimeError(f"renderer {params.kind}.{params.fmt} returned no bytes")
                stored_name = store_bytes(bytes(data), fmt)
            except Exception as exc:
                db.session.rollback()
                log.exception("report job %s (%s.%s) failed", job_id, params.kind, params.fmt)
                _finish(key, status=FAILED, error=failure_message(exc)[:1000])
                return
        _finish(key, status=DONE, progress=100, stored_name=stored_name, size=len(data), error=None)
        log.info("report job %s (%s.%s) done: %d bytes", job_id, params.kind, params.fmt, len(data))


__all__ = ["DONE", "enqueue", "drain", "get_queue", "init_app", "run_job"]
