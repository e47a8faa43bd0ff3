"""The demo's quarterly reports: every status, some late, some returned with comments, and consistent
with the rules the app enforces (so the demo data could have been typed in through the app)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import func, select

from tracker.demo import load_demo
from tracker.extensions import db
from tracker.periods.models import Period
from tracker.periods.services import periods_for
from tracker.plans.models import Activity
from tracker.progress import queries
from tracker.progress.models import IndicatorValue, ProgressEvent, ProgressReport
from tracker.progress.rules import report_late


def test_demo_progress(app, client):
    # A fixed date: from January to March the demo's latest year has only the running quarter's early
    # drafts and submissions, nothing returned yet, and the checks below look at that year.
    load_demo(scale="small", echo=lambda *_: None, today=date(2026, 12, 3))
    statuses = dict(db.session.execute(select(ProgressReport.status, func.count()).group_by(ProgressReport.status)).all())
    assert set(statuses) == {"draft", "submitted", "returned", "verified"} and all(statuses.values())
    reports = db.session.scalars(select(ProgressReport)).all()
    returned = [r for r in reports if r.status == "returned"]
    assert returned and all(r.review_comment for r in returned)
    pmap = periods_for({r.year for r in reports})
    assert any(report_late(r, pmap[(r.year, r.quarter)]) for r in reports if r.first_submitted_at)
    assert db.session.scalar(select(func.count()).select_from(IndicatorValue)) > 0
    assert db.session.scalar(select(func.count()).select_from(ProgressEvent)) >= len(reports)
    locked = db.session.scalars(select(Period).where(Period.locked.is_(True))).all()
    assert locked and all(p.lock_reason for p in locked)
    # the rules hold: the year's realisation within the budget, physical progress never falls
    budgets = {a.id: a.effective_budget for a in db.session.scalars(select(Activity))}
    by_activity = defaultdict(list)
    for r in reports:
        by_activity[(r.activity_id, r.year)].append(r)
    for (activity_id, _year), items in by_activity.items():
        assert sum(r.budget_realized or 0 for r in items) <= budgets[activity_id]
        physical = [r.physical_progress for r in sorted(items, key=lambda r: r.quarter)]
        assert physical == sorted(physical)
        for r in items:
            assert 0 <= r.physical_progress <= 100
            if r.verified_at:
                assert r.submitted_at <= r.verified_at
    # the demo logins see something in every list
    year = max(r.year for r in reports)
    assert any(c["returned"] for c in queries.completeness(year))
    assert queries.review_queue().total > 0
