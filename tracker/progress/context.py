"""An item (activity × quarter) with what its rules need: the activity and its indicators, the year's
other reports, the quarter.  Loaded for any number of items in a bounded number of queries, after the
role and scope checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.authz import ensure_agency_access
from tracker.errors import NotFound
from tracker.extensions import db
from tracker.formatting import short_number
from tracker.periods import services as periods
from tracker.periods.models import Period
from tracker.plans.models import Activity, Indicator
from tracker.progress.models import ProgressReport


@dataclass
class ItemContext:
    activity: Activity  # indicators loaded
    year: int
    quarter: int
    period: Period
    reports: dict[int, ProgressReport] = field(default_factory=dict)  # the activity's reports of the year

    @property
    def report(self) -> ProgressReport | None:
        return self.reports.get(self.quarter)

    @property
    def indicators(self) -> list[Indicator]:
        return list(self.activity.indicators)

    @property
    def previous(self) -> ProgressReport | None:
        """The latest earlier quarter's report of the same year."""
        for q in range(self.quarter - 1, 0, -1):
            if q in self.reports:
                return self.reports[q]
        return None

    def previous_physical(self) -> tuple[int, float] | None:
        for q in range(self.quarter - 1, 0, -1):
            r = self.reports.get(q)
            if r is not None and r.physical_progress is not None:
                return q, r.physical_progress
        return None

    def budget_other_quarters(self) -> int:
        return sum(r.budget_realized or 0 for q, r in self.reports.items() if q != self.quarter)

    def budget_cumulative(self) -> int:
        """Realised from Q1 up to and including this quarter."""
        return sum(r.budget_realized or 0 for q, r in self.reports.items() if q <= self.quarter)

    def indicator_cumulative(self, indicator: Indicator) -> float | None:
        values = [v.value for q, r in sorted(self.reports.items()) if q <= self.quarter
                  for v in r.values if v.indicator_id == indicator.id]
        if not values:
            return None
        return sum(values) if indicator.aggregation == "sum" else values[-1]

    def flags(self) -> list[dict]:
        """Achievements above the target: allowed, but shown to the reviewer."""
        report = self.report
        if report is None:
            return []
        result = []
        by_id = {v.indicator_id: v.value for v in report.values}
        for ind in self.indicators:
            value = by_id.get(ind.id)
            if value is None:
                continue
            quarter_target = ind.quarter_targets[self.quarter - 1]
            if quarter_target is not None and value > quarter_target:
                result.append({"code": "above_quarter_target", "indicator_id": ind.id,
                               "message": _("Capaian \"%(n)s\" (%(v)s) melebihi target triwulan (%(t)s).",
                                            n=ind.name, v=short_number(value), t=short_number(quarter_target))})
            cumulative = self.indicator_cumulative(ind)
            if cumulative is not None and ind.target is not None and cumulative > ind.target:
                result.append({"code": "above_annual_target", "indicator_id": ind.id,
                               "message": _("Capaian \"%(n)s\" s.d. triwulan ini (%(v)s) melebihi target tahunan (%(t)s).",
                                            n=ind.name, v=short_number(cumulative), t=short_number(ind.target))})
        return result


def _activities(activity_ids: Iterable[int]) -> dict[int, Activity]:
    ids = sorted(set(activity_ids))
    if not ids:
        return {}
    stmt = select(Activity).options(selectinload(Activity.indicators)).where(Activity.id.in_(ids))
    return {a.id: a for a in db.session.scalars(stmt)}


def _year_reports(activity_ids: Iterable[int], years: Iterable[int]) -> dict[tuple[int, int], dict[int, ProgressReport]]:
    ids, years = sorted(set(activity_ids)), sorted(set(years))
    grouped: dict[tuple[int, int], dict[int, ProgressReport]] = {}
    if not ids:
        return grouped
    stmt = (select(ProgressReport)
            .options(selectinload(ProgressReport.values), selectinload(ProgressReport.attachments))
            .where(ProgressReport.activity_id.in_(ids), ProgressReport.year.in_(years)))
    for r in db.session.scalars(stmt):
        grouped.setdefault((r.activity_id, r.year), {})[r.quarter] = r
    return grouped


def build_contexts(keys: Iterable[tuple[int, int, int]], *, for_write: bool = False) -> dict[tuple[int, int, int], ItemContext]:
    """Contexts for (activity_id, year, quarter) keys in a bounded number of queries.

    Keys whose activity does not exist or belongs to another year are left out.
    """
    keys = list(keys)
    activities = _activities(k[0] for k in keys)
    keys = [k for k in keys if k[0] in activities and activities[k[0]].year == k[1] and k[2] in (1, 2, 3, 4)]
    years = {k[1] for k in keys}
    reports = _year_reports(activities, years)
    if for_write:
        period_map = {(y, q): periods.get_period(y, q) for (y, q) in sorted({(k[1], k[2]) for k in keys})}
    else:
        period_map = periods.periods_for(years)
    contexts = {}
    for activity_id, year, quarter in keys:
        activity = activities[activity_id]
        contexts[(activity_id, year, quarter)] = ItemContext(
            activity=activity, year=year, quarter=quarter, period=period_map[(year, quarter)],
            reports=reports.get((activity_id, year), {}))
    return contexts


def quarter_contexts(year: int, quarter: int, *, agency_id: int | None = None, activity_ids: Iterable[int] | None = None,
                     for_write: bool = False) -> list[ItemContext]:
    """Every activity of an OPD (or of all OPDs) for a quarter, ordered by OPD and code, in five queries."""
    stmt = select(Activity).options(selectinload(Activity.indicators)).where(Activity.year == year)
    if agency_id is not None:
        stmt = stmt.where(Activity.agency_id == agency_id)
    if activity_ids is not None:
        stmt = stmt.where(Activity.id.in_(sorted(set(activity_ids))))
    activities = list(db.session.scalars(stmt.order_by(Activity.agency_id, Activity.code, Activity.id)))
    if not activities:
        return []
    ids = select(Activity.id).where(Activity.year == year)
    if agency_id is not None:
        ids = ids.where(Activity.agency_id == agency_id)
    if activity_ids is not None:
        ids = ids.where(Activity.id.in_(sorted(set(activity_ids))))
    reports: dict[int, dict[int, ProgressReport]] = {}
    for r in db.session.scalars(
            select(ProgressReport)
            .options(selectinload(ProgressReport.values), selectinload(ProgressReport.attachments))
            .where(ProgressReport.year == year, ProgressReport.activity_id.in_(ids))):
        reports.setdefault(r.activity_id, {})[r.quarter] = r
    period = periods.get_period(year, quarter) if for_write else periods.periods_for([year])[(year, quarter)]
    return [ItemContext(activity=a, year=year, quarter=quarter, period=period, reports=reports.get(a.id, {}))
            for a in activities]


def load_item(activity_id: int, year: int, quarter: int, *, permission: str, user, for_write: bool = False) -> ItemContext:
    """One item, after the role and scope checks (another OPD's activity is 'not found')."""
    if quarter not in (1, 2, 3, 4):
        raise NotFound(_("Triwulan harus 1 sampai 4."))
    agency_id = db.session.scalar(select(Activity.agency_id).where(Activity.id == activity_id))
    if agency_id is None:
        raise NotFound(_("Kegiatan tidak ditemukan."))
    ensure_agency_access(agency_id, permission, user)
    ctx = build_contexts([(activity_id, year, quarter)], for_write=for_write).get((activity_id, year, quarter))
    if ctx is None:
        raise NotFound(_("Kegiatan ini bukan kegiatan tahun %(y)d.", y=year))
    return ctx


def require_report(ctx: ItemContext) -> ProgressReport:
    if ctx.report is None:
        raise NotFound(_("Laporan triwulan ini belum diisi."))
    return ctx.report
