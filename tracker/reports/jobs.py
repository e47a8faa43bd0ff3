"""Asking for a report: scope, validation, the cache, the queue; and who may see which job.

    job = jobs.request_report(user, ReportParams(kind="evaluation", fmt="pdf", year=2025, quarter=2))
    job.status  # "done" at once when cached (or rendered within the short wait), else "queued"/"running"

Scope is resolved here, never by the renderer: an OPD user's ``agency_id`` is forced to their own
OPD (``evaluation.figures.scope_agency_id``), a company user's ``company_id`` to their company.

The same report asked again while nothing it reads has changed (``cache.cache_key``) is the same
rendering: this user's own done job is returned as it is, another user's is shared through a new
done row of this user (no rendering); one being rendered is joined (a row that moves along with it).
Only a new key queues a rendering.  Jobs are visible to the user who asked, and to Bappeda
(``reports.all_jobs``).
"""

from __future__ import annotations

import os
import time
from dataclasses import replace

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from tracker.authz import Role, can, require
from tracker.errors import NotFound, ValidationFailed
from tracker.evaluation.figures import scope_agency_id
from tracker.extensions import db
from tracker.meetings.models import Meeting
from tracker.periods.services import MAX_YEAR, MIN_YEAR
from tracker.reference.models import Agency, Company
from tracker.reports import cache, queue, registry, worker
from tracker.reports.models import DONE, FAILED, QUEUED, ReportJob, new_job_id
from tracker.reports.registry import ReportKind, ReportParams
from tracker.types import utcnow

# What each kind needs besides its format, and the permission that reads its data.
KIND_NEEDS: dict[str, tuple[str, ...]] = {
    "evaluation": ("year", "quarter"),
    "opd_form": ("year", "quarter", "agency_id"),
    "csr": ("year",),
    "agreements": (),
}
KIND_PERMISSION = {"evaluation": "evaluation.view", "opd_form": "progress.view", "csr": "csr.view",
                   "agreements": "meetings.view"}
WAIT_STEP = 0.1  # seconds between two looks at a job being rendered


# ---- parameters ------------------------------------------------------------------------------------------

def kinds_for(user) -> list[ReportKind]:
    """The registered kinds this user may ask for (the report page's choices)."""
    return [k for k in registry.all_kinds() if can(user, KIND_PERMISSION.get(k.kind, "reports.view"))]


def scoped_params(user, params: ReportParams) -> ReportParams:
    """An OPD user gets their own OPD whatever was asked; a company user their own company."""
    company_id = user.company_id if user.role == Role.COMPANY else params.company_id
    agency_id = None if user.role == Role.COMPANY else scope_agency_id(user, params.agency_id)
    return replace(params, agency_id=agency_id, company_id=company_id)


def check_params(params: ReportParams) -> None:
    """Every problem at once, in Indonesian (``ValidationFailed`` with ``fields``)."""
    problems: dict[str, str] = {}
    if registry.get(params.kind, params.fmt) is None:
        problems["kind"] = _("Jenis laporan atau format ini tidak tersedia.")
    needs = KIND_NEEDS.get(params.kind, ())
    if params.year is None:
        if "year" in needs:
            problems["year"] = _("Pilih tahun.")
    elif not MIN_YEAR <= params.year <= MAX_YEAR:
        problems["year"] = _("Tahun harus antara %(a)d dan %(b)d.", a=MIN_YEAR, b=MAX_YEAR)
    if params.quarter is None:
        if "quarter" in needs:
            problems["quarter"] = _("Pilih triwulan.")
    elif params.quarter not in (1, 2, 3, 4):
        problems["quarter"] = _("Triwulan harus 1 sampai 4.")
    if params.agency_id is None:
        if "agency_id" in needs:
            problems["agency_id"] = _("Pilih OPD.")
    elif db.session.get(Agency, params.agency_id) is None:
        problems["agency_id"] = _("OPD tidak ditemukan.")
    if params.company_id is not None and db.session.get(Company, params.company_id) is None:
        problems["company_id"] = _("Perusahaan tidak ditemukan.")
    if params.meeting_id is not None and db.session.get(Meeting, params.meeting_id) is None:
        problems["meeting_id"] = _("Rapat tidak ditemukan.")
    if problems:
        raise ValidationFailed(_("Periksa kembali pilihan laporan."), problems)


# ---- asking ------------------------------------------------------------------------------------------------

def _new_job(user_id: int | None, params: ReportParams, key: str, **values) -> str:
    """Add and commit a job row; returns its id.  Nothing is read between the commit that ended the
    reading transaction and this insert, so on SQLite the insert begins its own transaction and waits
    for the write lock instead of failing to upgrade a stale read."""
    job = ReportJob(id=new_job_id(), kind=params.kind, fmt=params.fmt, params=cache.params_json(params),
                    cache_key=key, created_by_id=user_id, **values)
    job_id = job.id
    db.session.add(job)
    db.session.commit()
    return job_id


def request_report(user, params: ReportParams, *, wait: float | None = None) -> ReportJob:
    """The job for this report: done at once from the cache, joined if being rendered, else queued
    (and waited for up to ``wait`` seconds, default ``REPORT_WAIT_SECONDS``).  Commits."""
    require("reports.view", user)
    require(KIND_PERMISSION.get(params.kind, "reports.view"), user)
    params = scoped_params(user, params)
    check_params(params)
    kind = registry.get(params.kind, params.fmt)
    key = cache.cache_key(kind, params)
    user_id = getattr(user, "id", None)
    done, pending, stale = cache.reusable(key, user_id)
    done_values = pending_values = None
    if done is not None:
        done_values = {"id": done.id, "mine": done.created_by_id == user_id, "stored_name": done.stored_name,
                       "size": done.size}
    elif pending is not None:
        pending_values = {"id": pending.id, "mine": pending.created_by_id == user_id, "status": pending.status,
                          "progress": pending.progress, "started_at": pending.started_at}
    db.session.commit()  # end the reading transaction: each write below begins its own
    if stale:
        cache.expire(stale)
        db.session.commit()
    now = utcnow()
    if done_values is not None:
        job_id = done_values["id"]
        if not done_values["mine"]:  # another user's rendering, shared through a row of this user's
            job_id = _new_job(user_id, params, key, status=DONE, progress=100, stored_name=done_values["stored_name"],
                              size=done_values["size"], started_at=now, finished_at=now)
        return db.session.get(ReportJob, job_id)
    if pending_values is not None:
        job_id = pending_values["id"]
        if not pending_values["mine"]:  # joined: moves along with the rendering already under way
            job_id = _new_job(user_id, params, key, status=pending_values["status"],
                              progress=pending_values["progress"], started_at=pending_values["started_at"])
        worker.ensure_worker()
        return wait_for(db.session.get(ReportJob, job_id), wait)
    job_id = _new_job(user_id, params, key, status=QUEUED, progress=0)
    queue.enqueue(job_id)
    worker.ensure_worker()
    return wait_for(db.session.get(ReportJob, job_id), wait)


def wait_seconds(wait: float | None) -> float:
    if wait is None:
        wait = float(current_app.config.get("REPORT_WAIT_SECONDS", 2))
    if queue.is_memory():
        return 0.0  # nothing renders in the background: waiting would only delay the answer
    return max(0.0, wait)


def wait_for(job: ReportJob, wait: float | None = None) -> ReportJob:
    """Look at the job until it is done or failed, for at most ``wait`` seconds."""
    deadline = time.monotonic() + wait_seconds(wait)
    job_id = job.id
    while job.status not in (DONE, FAILED) and time.monotonic() < deadline:
        time.sleep(WAIT_STEP)
        db.session.rollback()  # a new snapshot (SQLite keeps one per transaction)
        job = db.session.get(ReportJob, job_id)
    return job


def keep_going(job: ReportJob) -> None:
    """A job page or status poll of a job still waiting: make sure a worker runs."""
    if job.pending:
        worker.ensure_worker()


# ---- seeing ------------------------------------------------------------------------------------------------

def may_see(user, job: ReportJob) -> bool:
    return job.created_by_id == getattr(user, "id", None) or can(user, "reports.all_jobs")


def visible_job(user, job_id: str) -> ReportJob:
    """The job, or 404 when it does not exist or is another user's (for one who may not see all)."""
    job = db.session.get(ReportJob, job_id) if isinstance(job_id, str) and len(job_id) <= 32 else None
    if job is None or not may_see(user, job):
        raise NotFound(_("Pekerjaan laporan tidak ditemukan."))
    return job


def recent_jobs(user, *, limit: int = 50, everyone: bool = False) -> list[ReportJob]:
    """This user's latest jobs (``everyone``: every user's, for Bappeda)."""
    stmt = select(ReportJob).order_by(ReportJob.created_at.desc(), ReportJob.id).limit(limit)
    if not (everyone and can(user, "reports.all_jobs")):
        stmt = stmt.where(ReportJob.created_by_id == getattr(user, "id", None))
    return list(db.session.scalars(stmt))


def job_params(job: ReportJob) -> ReportParams:
    return cache.params_from_json(job.params)


def download_name(job: ReportJob) -> str:
    kind = registry.get(job.kind, job.fmt)
    params = job_params(job)
    if kind is not None:
        try:
            return kind.filename(params)
        except Exception:  # a name is not worth a failed download
            current_app.logger.warning("report file name of %s failed", job.kind, exc_info=True)
    parts = [job.kind, str(params.year or ""), f"TW{params.quarter}" if params.quarter else ""]
    return "laporan-" + "-".join(p for p in parts if p) + f".{job.fmt}"


def file_of(job: ReportJob) -> str:
    """The stored file of a done job; 404 when it is not done or its file is gone."""
    if job.status != DONE or not cache.file_exists(job):
        raise NotFound(_("Berkas laporan belum tersedia atau sudah dihapus."))
    return cache.report_path(job.stored_name)


def send_job_file(job: ReportJob):
    """The rendering as a download (never inline), under its report's name, not cached, not sniffed."""
    from flask import send_file

    path = file_of(job)
    response = send_file(path, mimetype=registry.MEDIA_TYPES.get(job.fmt, "application/octet-stream"),
                         as_attachment=True, download_name=download_name(job), max_age=0, conditional=True)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def prune(days: int) -> tuple[int, int]:
    """Remove the jobs finished (or failed) more than ``days`` days ago, and each file no remaining
    job names.  Returns (jobs removed, files removed).  Commits."""
    from datetime import timedelta

    before = utcnow() - timedelta(days=days)
    old = db.session.scalars(select(ReportJob).where(ReportJob.status.in_((DONE, FAILED)),
                                                     ReportJob.created_at < before)).all()
    names = {j.stored_name for j in old if j.stored_name}
    old_ids = [j.id for j in old]
    for job in old:
        db.session.delete(job)
    db.session.flush()
    kept = set(db.session.scalars(select(ReportJob.stored_name).where(ReportJob.stored_name.in_(sorted(names)))))
    db.session.commit()
    removed = 0
    for name in sorted(names - kept):
        try:
            os.remove(cache.report_path(name))
            removed += 1
        except FileNotFoundError:
            pass
    return len(old_ids), removed
