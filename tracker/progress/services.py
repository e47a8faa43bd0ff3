"""Saving a quarterly report.

Pages, API and Excel import all go through ``context.load_item`` → ``save`` / ``workflow.transition``,
so the rules (``rules``), lock, version and status are checked once.
"""

from __future__ import annotations

from flask_babel import gettext as _

from tracker.audit import services as audit
from tracker.errors import Conflict, check_version
from tracker.extensions import db
from tracker.periods import services as periods
from tracker.progress import workflow
from tracker.progress.context import ItemContext
from tracker.progress.models import DRAFT, IndicatorValue, ProgressReport
from tracker.progress.rules import SCALAR_FIELDS, validate
from tracker.types import utcnow


class ReportConflict(Conflict):
    """A stale or missing ``version``: the caller shows the server's current item beside its own."""


def _snapshot(report: ProgressReport) -> dict:
    data = audit.snapshot(report, SCALAR_FIELDS)
    data["indicator_values"] = {str(v.indicator_id): v.value for v in sorted(report.values, key=lambda v: v.indicator_id)}
    return data


def save(ctx: ItemContext, data: dict, user, expected_version: int | None) -> tuple[ProgressReport, str | None]:
    """Create or update the item's report; returns (report, "create" | "update" | None when unchanged)."""
    report = ctx.report
    activity = ctx.activity
    workflow.check(workflow.SAVE, report.status if report is not None else None, activity.agency_id, ctx.period, user)
    if report is not None:
        check_version(report, expected_version, required=True, error=ReportConflict, missing=_(
            "Laporan ini sudah diisi orang lain sementara Anda mengisinya. "
            "Periksa versi di server, lalu simpan lagi (sertakan version)."), stale=_(
            "Laporan ini telah diubah oleh pengguna lain (versi Anda %(a)s, versi di server %(b)s). "
            "Periksa perubahannya, lalu simpan lagi."))
    state, values = validate(ctx, data)
    created = report is None
    if created:
        report = ProgressReport(activity_id=activity.id, year=ctx.year, quarter=ctx.quarter, status=DRAFT,
                                created_by_id=user.id, values=[], attachments=[])
        before = None
    else:
        before = _snapshot(report)
    for name, value in state.items():
        setattr(report, name, value)
    current = {v.indicator_id: v for v in report.values}
    for indicator_id, value in values.items():
        if indicator_id in current:
            current[indicator_id].value = value
        else:
            report.values.append(IndicatorValue(indicator_id=indicator_id, value=value))
    for indicator_id, row in current.items():
        if indicator_id not in values:
            report.values.remove(row)
    after = _snapshot(report)
    if not created:
        b, a = audit.changed(before, after)
        if not a:
            return report, None
    # Touch the row itself, so a change of indicator values alone also bumps ``version``.
    report.updated_at = utcnow()
    report.updated_by_id = user.id
    if created:
        db.session.add(report)
        ctx.reports[ctx.quarter] = report
    db.session.flush()
    action = "create" if created else "update"
    workflow.record_event(report, user, action, None if created else report.status, report.status)
    label = f"Triwulan {periods.quarter_label(ctx.quarter)} {ctx.year} {activity.code}"
    if created:
        audit.record("create", "progress_report", report.id, after=after, agency_id=activity.agency_id, actor=user,
                     summary=f"Laporan {label} dibuat")
    else:
        audit.record("update", "progress_report", report.id, before=b, after=a, agency_id=activity.agency_id,
                     actor=user, summary=f"Laporan {label} diubah")
    return report, action
