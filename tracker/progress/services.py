"""Quarterly progress: loading an item with what its rules need, the validation rules, saving, and the
item as the API and the pages show it.

Pages, API and Excel import all go through ``load_items`` → ``save`` / ``workflow.transition``, so
the rules (budget ceiling, physical progress, indicator values, lock, version, status) live here once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.audit import service as audit
from tracker.authz import ensure_agency_access
from tracker.errors import Conflict, NotFound, ValidationFailed
from tracker.extensions import db
from tracker.periods import services as periods
from tracker.periods.models import Period
from tracker.plans.models import Activity, Indicator
from tracker.progress import workflow
from tracker.progress.models import DRAFT, IndicatorValue, ProgressReport
from tracker.types import JAKARTA, jakarta_now, to_jakarta_iso, utcnow

MAX_MONEY = 10**15
MAX_COUNT = 10**12
TEXT_LIMITS = {"progress_drop_reason": 1000, "problems": 4000, "follow_up": 4000}
SCALAR_FIELDS = ("budget_realized", "physical_progress", "progress_drop_reason", "beneficiaries_reached",
                 "problems", "follow_up")
INPUT_FIELDS = SCALAR_FIELDS + ("indicator_values",)


class ReportConflict(Conflict):
    """A stale or missing ``version``: the caller shows the server's current item beside its own."""


# ---- periods without writing --------------------------------------------------------------------------

def deadline(period: Period) -> datetime:
    """The first instant (UTC) at which a submission counts as late: the day after the due date, 00:00 WIB."""
    return datetime.combine(period.due_date + timedelta(days=1), time(0), JAKARTA)


def periods_for(years: Iterable[int]) -> dict[tuple[int, int], Period]:
    """The quarters of ``years``: stored rows, or unsaved defaults for quarters nobody has touched yet
    (reading a page must not write)."""
    years = sorted(set(years))
    found: dict[tuple[int, int], Period] = {}
    if years:
        for p in db.session.scalars(select(Period).where(Period.year.in_(years))):
            found[(p.year, p.quarter)] = p
    for year in years:
        for quarter in range(1, 5):
            if (year, quarter) not in found:
                found[(year, quarter)] = Period(year=year, quarter=quarter, locked=False, lock_reason="", version=0,
                                                due_date=periods.default_due_date(year, quarter))
    return found


def report_late(report: ProgressReport | None, period: Period, today: date | None = None) -> bool:
    """Late: first submitted after the due date, or not submitted yet and the due date has passed."""
    if report is not None and report.first_submitted_at is not None:
        return report.first_submitted_at >= deadline(period)
    return periods.is_late(period, today)


# ---- an item and what its rules need ------------------------------------------------------------------

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
                                            n=ind.name, v=_num(value), t=_num(quarter_target))})
            cumulative = self.indicator_cumulative(ind)
            if cumulative is not None and ind.target is not None and cumulative > ind.target:
                result.append({"code": "above_annual_target", "indicator_id": ind.id,
                               "message": _("Capaian \"%(n)s\" s.d. triwulan ini (%(v)s) melebihi target tahunan (%(t)s).",
                                            n=ind.name, v=_num(cumulative), t=_num(ind.target))})
        return result


def _num(value: float) -> str:
    from tracker.formatting import number

    if float(value).is_integer():
        return number(value)
    return number(value, 2).rstrip("0").rstrip(",")


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
        period_map = periods_for(years)
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
    period = periods.get_period(year, quarter) if for_write else periods_for([year])[(year, quarter)]
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


# ---- the rules ----------------------------------------------------------------------------------------

def _int_value(raw: Any, name: str, errors: dict, maximum: int) -> int | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or (isinstance(raw, float) and not raw.is_integer()):
        errors[name] = _("Harus bilangan bulat.")
        return None
    value = int(raw)
    if value < 0:
        errors[name] = _("Tidak boleh negatif.")
    elif value > maximum:
        errors[name] = _("Angka terlalu besar.")
    return value


def _float_value(raw: Any, name: str, errors: dict) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(float(raw)):
        errors[name] = _("Harus berupa angka.")
        return None
    return float(raw)


def validate(ctx: ItemContext, data: dict) -> tuple[dict, dict[int, float]]:
    """The report's new state (current values overridden by those given) or ValidationFailed.

    Rules: budget realised ≥ 0 and, summed over the year's quarters, at most the (revised) budget;
    physical progress 0–100 and not below the previous quarter's without a reason; beneficiaries and
    indicator values ≥ 0.  Values above a target are allowed (see ``ItemContext.flags``).
    """
    report = ctx.report
    errors: dict[str, str] = {}
    state = {name: getattr(report, name) if report is not None else (None if name in
             ("budget_realized", "physical_progress", "beneficiaries_reached") else "") for name in SCALAR_FIELDS}
    values = {v.indicator_id: v.value for v in report.values} if report is not None else {}

    if "budget_realized" in data:
        state["budget_realized"] = _int_value(data["budget_realized"], "budget_realized", errors, MAX_MONEY)
    if "beneficiaries_reached" in data:
        state["beneficiaries_reached"] = _int_value(data["beneficiaries_reached"], "beneficiaries_reached", errors, MAX_COUNT)
    if "physical_progress" in data:
        value = _float_value(data["physical_progress"], "physical_progress", errors)
        if value is not None and not 0 <= value <= 100:
            errors["physical_progress"] = _("Progres fisik harus antara 0 dan 100 %.")
        state["physical_progress"] = value
    for name, limit in TEXT_LIMITS.items():
        if name in data:
            text = "" if data[name] is None else str(data[name]).strip()
            if len(text) > limit:
                errors[name] = _("Maksimal %(n)d karakter.", n=limit)
            state[name] = text

    indicators = {ind.id: ind for ind in ctx.indicators}
    for position, item in enumerate(data.get("indicator_values") or []):
        indicator_id = item.get("indicator_id") if isinstance(item, dict) else None
        if indicator_id not in indicators:
            errors[f"indicator_values.{position}.indicator_id"] = _("Indikator %(i)s bukan indikator kegiatan ini.", i=indicator_id)
            continue
        key = f"indicator_values.{indicator_id}"
        value = _float_value(item.get("value"), key, errors)
        if value is None:
            if key not in errors:
                values.pop(indicator_id, None)
            continue
        if value < 0:
            errors[key] = _("Capaian \"%(n)s\" tidak boleh negatif.", n=indicators[indicator_id].name)
            continue
        values[indicator_id] = value

    budget = state["budget_realized"]
    if budget is not None and "budget_realized" not in errors:
        total = ctx.budget_other_quarters() + budget
        ceiling = ctx.activity.effective_budget
        if total > ceiling:
            errors["budget_realized"] = _(
                "Realisasi anggaran kumulatif %(t)s melebihi pagu %(p)s (sisa yang dapat direalisasikan: %(s)s).",
                t=_rp(total), p=_rp(ceiling), s=_rp(max(ceiling - ctx.budget_other_quarters(), 0)))
    physical = state["physical_progress"]
    previous = ctx.previous_physical()
    if physical is not None and "physical_progress" not in errors and previous is not None and physical < previous[1]:
        if not state["progress_drop_reason"]:
            message = _("Progres fisik kumulatif (%(v)s %%) lebih rendah dari triwulan %(q)s (%(p)s %%); isi alasannya.",
                        v=_num(physical), q=periods.quarter_label(previous[0]), p=_num(previous[1]))
            errors["physical_progress"] = message
            errors["progress_drop_reason"] = _("Wajib diisi jika progres fisik turun.")
    if errors:
        raise ValidationFailed(_("Data laporan triwulan tidak valid."), errors)
    return state, values


def _rp(value: int) -> str:
    from tracker.formatting import rupiah

    return rupiah(value)


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
        if expected_version is None:
            raise ReportConflict(_("Laporan ini sudah diisi orang lain sementara Anda mengisinya. "
                                   "Periksa versi di server, lalu simpan lagi (sertakan version)."))
        if expected_version != report.version:
            raise ReportConflict(_("Laporan ini telah diubah oleh pengguna lain (versi Anda %(a)s, versi di server %(b)s). "
                                   "Periksa perubahannya, lalu simpan lagi.", a=expected_version, b=report.version))
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


# ---- the item as shown --------------------------------------------------------------------------------

def attachment_dict(att) -> dict:
    from flask import url_for

    return {"id": att.id, "original_name": att.original_name, "content_type": att.content_type, "size": att.size,
            "sha256": att.sha256, "uploaded_at": to_jakarta_iso(att.uploaded_at),
            "download_url": url_for("api.download_attachment_get", attachment_id=att.id)}


def report_dict(ctx: ItemContext, today: date | None = None) -> dict:
    report = require_report(ctx)
    return {
        "id": report.id,
        "activity_id": report.activity_id,
        "agency_id": ctx.activity.agency_id,
        "year": report.year,
        "quarter": report.quarter,
        "status": report.status,
        "budget_realized": report.budget_realized,
        "budget_realized_cumulative": ctx.budget_cumulative(),
        "effective_budget": ctx.activity.effective_budget,
        "physical_progress": report.physical_progress,
        "progress_drop_reason": report.progress_drop_reason,
        "beneficiaries_reached": report.beneficiaries_reached,
        "indicator_values": [{"indicator_id": v.indicator_id, "value": v.value} for v in report.values],
        "problems": report.problems,
        "follow_up": report.follow_up,
        "review_comment": report.review_comment,
        "submitted_at": to_jakarta_iso(report.submitted_at),
        "verified_at": to_jakarta_iso(report.verified_at),
        "returned_at": to_jakarta_iso(report.returned_at),
        "due_date": ctx.period.due_date.isoformat(),
        "late": report_late(report, ctx.period, today),
        "complete": not workflow.missing_for_submit(report, ctx.indicators),
        "flags": ctx.flags(),
        "attachments": [attachment_dict(a) for a in report.attachments],
        "updated_at": to_jakarta_iso(report.updated_at),
        "version": report.version,
    }


def today() -> date:
    return jakarta_now().date()
