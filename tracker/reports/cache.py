"""The report cache: a rendering is reused while nothing it was built from has changed.

The key is the sha256 of
- the parameters (``ReportParams``: kind, format, year, quarter, scope, switches, language),
- a fingerprint of the data: the change counter (``tracker.changes``) of each table the report reads
  (its kind's ``sources``) plus the report settings and the regions (the cover's name), in ONE query
  whatever the size of the tables (scanning them took 119 ms at p95 on the large demo);
- the format version (``FORMAT_VERSION`` and the renderer's own ``version``);
- today's date in Jakarta (a report prints the date it is signed and what is overdue today).

Any committed insert, update or delete in a source table changes the fingerprint, so a new rendering is made.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import fields
from datetime import timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Table, select, update

from tracker import changes
from tracker.extensions import db
from tracker.reference.models import Region
from tracker.reports.models import DONE, FAILED, PENDING, ReportJob, ReportSettings
from tracker.reports.registry import ReportKind, ReportParams
from tracker.types import jakarta_now, utcnow

FORMAT_VERSION = 1  # raise when the job pipeline changes what it stores for the same rendering
ALWAYS = (ReportSettings, Region)  # every report prints the settings and the region's name
_STORED_NAME = re.compile(r"[0-9a-f]{32}\.(pdf|xlsx)")


# ---- files ----------------------------------------------------------------------------------------------

def report_path(stored_name: str) -> str:
    """``REPORT_FOLDER/<xx>/<stored name>``; the name is ours (uuid hex + format), never a user's."""
    if not isinstance(stored_name, str) or not _STORED_NAME.fullmatch(stored_name):
        raise ValueError(f"invalid report file name {stored_name!r}")
    return os.path.join(current_app.config["REPORT_FOLDER"], stored_name[:2], stored_name)


def file_exists(job: ReportJob) -> bool:
    return bool(job.stored_name) and os.path.isfile(report_path(job.stored_name))


# ---- the fingerprint ------------------------------------------------------------------------------------

def _table(source) -> Table:
    return source if isinstance(source, Table) else source.__table__


def sources_of(kind: ReportKind) -> list[Table]:
    tables: dict[str, Table] = {}
    for source in (*kind.sources, *ALWAYS):
        table = _table(source)
        tables.setdefault(table.name, table)
    return [tables[name] for name in sorted(tables)]


def fingerprint(tables: list[Table]) -> list[list]:
    """``[[table, change counter], ...]`` in one query (``tracker.changes``)."""
    return [[name, counter] for name, counter in changes.counters(t.name for t in tables).items()]


def params_json(params: ReportParams) -> str:
    return json.dumps(params.as_dict(), sort_keys=True, separators=(",", ":"))


def params_from_json(text: str) -> ReportParams:
    """A job's parameters back; a key an older (or newer) ``ReportParams`` did not know is left out."""
    known = {f.name for f in fields(ReportParams)}
    return ReportParams(**{k: v for k, v in json.loads(text).items() if k in known})


def cache_key(kind: ReportKind, params: ReportParams) -> str:
    payload = {
        "params": params.as_dict(),
        "data": fingerprint(sources_of(kind)),
        "format": [FORMAT_VERSION, kind.version],
        "day": jakarta_now().date().isoformat(),
        "region": current_app.config.get("REGION_NAME") or "",
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---- finding a rendering to reuse -----------------------------------------------------------------------

def job_timeout() -> timedelta:
    return timedelta(seconds=current_app.config.get("REPORT_JOB_TIMEOUT_SECONDS", 1800))


def expire(job_ids: list[str]) -> None:
    """Mark jobs whose worker died as failed (the caller commits)."""
    if job_ids:
        db.session.execute(update(ReportJob).where(ReportJob.id.in_(job_ids), ReportJob.status.in_(PENDING)).values(
            status=FAILED, finished_at=utcnow(),
            error=_("Pembuatan laporan terhenti (pekerja laporan tidak menjawab). Silakan buat ulang.")))


def reusable(key: str, user_id: int | None) -> tuple[ReportJob | None, ReportJob | None, list[str]]:
    """``(done, pending, stale)`` for ``key``: the newest done job whose file exists (this user's own
    preferred), the job being rendered for it, if any, and the ids of pending jobs older than the
    timeout (their worker died: ``expire`` them).  Reads only."""
    jobs = db.session.scalars(
        select(ReportJob).where(ReportJob.cache_key == key, ReportJob.status.in_((DONE, *PENDING)))
        .order_by(ReportJob.created_at.desc()).limit(20)).all()
    done = pending = None
    stale = []
    limit = utcnow() - job_timeout()
    for job in jobs:
        if job.status == DONE:
            if (done is None or (done.created_by_id != user_id and job.created_by_id == user_id)) and file_exists(job):
                done = job
        elif job.created_at < limit:
            stale.append(job.id)
        elif pending is None or (pending.created_by_id != user_id and job.created_by_id == user_id):
            pending = job
    return done, pending, stale
