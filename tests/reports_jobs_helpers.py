"""Helpers for the report job tests: a stand-in renderer registered for one test (the real PDF and
Excel renderers are slow and tested on their own), and running the in-memory queue by hand."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select

from tracker.extensions import db
from tracker.plans.models import Activity
from tracker.progress.models import ProgressReport
from tracker.reports import queue, registry
from tracker.reports.models import ReportJob
from tracker.reports.registry import ReportKind


@dataclass
class Probe:
    """What the stand-in renderer saw: the parameters of each rendering and the job's state then."""

    calls: list = field(default_factory=list)
    seen_status: list = field(default_factory=list)
    fail: BaseException | None = None

    def render(self, params, progress):
        self.calls.append(params)
        self.seen_status.append(db.session.scalars(select(ReportJob.status)).all())
        progress(40)
        if self.fail is not None:
            raise self.fail
        head = b"%PDF-1.4\n" if params.fmt == "pdf" else b"PK\x03\x04"
        return head + json.dumps(params.as_dict(), sort_keys=True).encode()


def install(monkeypatch, kind="evaluation", fmts=("pdf", "xlsx"), sources=(Activity, ProgressReport)) -> Probe:
    """Register the stand-in for ``kind`` in each format, for this test only (a real one comes back)."""
    probe = Probe()
    for fmt in fmts:
        monkeypatch.setitem(registry._KINDS, (kind, fmt), ReportKind(
            kind=kind, fmt=fmt, render=probe.render, sources=sources,
            filename=lambda p, fmt=fmt: f"laporan-uji-{p.year}-tw{p.quarter}.{fmt}", label="Laporan uji"))
    return probe


def run_queue(app) -> int:
    """Run what is queued, as the worker would (the test's own transaction ends first)."""
    db.session.commit()
    ran = queue.drain(app)
    db.session.expire_all()
    return ran


def job_count() -> int:
    db.session.commit()
    return len(db.session.scalars(select(ReportJob.id)).all())


@pytest.fixture(autouse=True)
def empty_queue(app):
    queue.get_queue(app).flush()
    yield
    queue.get_queue(app).flush()
