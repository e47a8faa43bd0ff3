"""The detail rows of the evaluation: one per indicator (the Permendagri 86/2017 table, with its
Renstra columns 14 and 15) and one per activity (drill-down, and the Rp columns of the table).
One query each; see ``figures`` for the definitions.

``window=(offset, limit)`` reads one page of the activity list (in the list's order) and the
indicators of those activities only: the reports and values are narrowed to those activities before
they are grouped, so a page costs the same whatever the size of the year."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, func, select

from tracker.evaluation import figures_sql as q_
from tracker.evaluation.ratings import band, pct, round_pct
from tracker.periods.services import deadline, is_late
from tracker.plans.models import Activity, Indicator
from tracker.progress.models import ProgressReport
from tracker.reference.models import Agency


def activity_order() -> tuple:
    """The order of the activity list: OPD (short name), then SIPD code."""
    return Agency.short_name, Activity.agency_id, Activity.code, Activity.id


def window_ids(year: int, agency_id: int | None, window: tuple[int, int] | None):
    """A SELECT of the ids of one page of the activity list (``None``: no window, every activity)."""
    if window is None:
        return None
    offset, limit = window
    stmt = (select(Activity.id).join(Agency, Agency.id == Activity.agency_id).order_by(*activity_order())
            .offset(max(0, offset)).limit(max(0, limit)))
    return q_.activity_filter(stmt, year, agency_id)


def _renstra(aggregation: str, cumulative: float | None, achieved_before: float | None) -> float | None:
    """Column 14 (realisasi Renstra s.d. tahun berjalan = 6 + 12).  For a ``last`` (level) indicator the
    level reached now is the latest value this year, or last year's level while nothing is reported."""
    if achieved_before is None:
        return None
    if aggregation == "sum":
        return achieved_before + (cumulative or 0.0)
    return cumulative if cumulative is not None else achieved_before


def indicator_rows(year: int, quarter: int, include_unverified: bool, agency_id: int | None,
                   window: tuple[int, int] | None = None) -> list[dict]:
    ids = window_ids(year, agency_id, window)
    values = q_.indicator_values(year, quarter, include_unverified, agency_id, activity_ids=ids)
    columns = (Indicator.id, Indicator.activity_id, Activity.agency_id, Indicator.position, Indicator.name,
               Indicator.unit, Indicator.aggregation, Indicator.target, Indicator.target_q1, Indicator.target_q2,
               Indicator.target_q3, Indicator.target_q4, Indicator.target_end, Indicator.achieved_before,
               *[values.c[f"v{k}"] for k in q_.QUARTERS], func.coalesce(values.c.unverified, 0).label("unverified"),
               q_.reached_as_of(values, quarter).label("reached"), q_.achievement_as_of(values, quarter).label("ach"))
    stmt = values.join(select(*columns).join(Activity, Activity.id == Indicator.activity_id)
                       .join(Agency, Agency.id == Activity.agency_id))
    stmt = stmt.order_by(*activity_order(), Indicator.position, Indicator.id)
    if ids is not None:
        stmt = stmt.where(Indicator.activity_id.in_(ids))
    out = []
    shown = [k <= quarter for k in q_.QUARTERS]
    for (indicator_id, activity_id, owner, position, name, unit, aggregation, target, t1, t2, t3, t4, target_end,
         achieved_before, v1, v2, v3, v4, unverified, reached, ach) in q_.execute(
            q_.activity_filter(stmt, year, agency_id)).tuples().all():
        achievement = round_pct(ach)
        renstra = _renstra(aggregation, reached, achieved_before)
        renstra_pct = pct(renstra, target_end) if target_end and renstra is not None else None
        out.append({
            "indicator_id": indicator_id, "activity_id": activity_id, "agency_id": owner, "position": position,
            "name": name, "unit": unit, "aggregation": aggregation, "target": target,
            "target_quarters": [t1, t2, t3, t4], "target_end": target_end, "achieved_before": achieved_before,
            "quarters": [v if seen else None for v, seen in zip((v1, v2, v3, v4), shown, strict=True)],
            "cumulative": reached, "achievement_pct": achievement, "rating": band(achievement),
            "renstra_realized": renstra, "renstra_pct": renstra_pct, "renstra_rating": band(renstra_pct),
            "unverified_included": bool(unverified),
        })
    return out


def activity_rows(year: int, quarter: int, include_unverified: bool, agency_id: int | None, period,
                  today: date, achievements: dict, window: tuple[int, int] | None = None) -> list[dict]:
    """``achievements``: the indicator roll-up rows per activity id (``figures._indicator_rollup``)."""
    R = ProgressReport
    ids = window_ids(year, agency_id, window)
    reports = q_.activity_reports(year, quarter, include_unverified)
    counted = R.status.in_(q_.counted_statuses(include_unverified))
    columns = (Activity.id, Activity.code, Activity.name, Activity.program, Activity.kegiatan, Activity.agency_id,
               Agency.short_name, Activity.strategy, Activity.funding_source, Activity.budget,
               Activity.budget_revised, Activity.effective_budget.label("effective"),
               *[reports.c[f"r{k}"] for k in q_.QUARTERS],
               q_.realized_quarter(reports, quarter).label("realized_quarter"),
               q_.realized_to(reports, quarter).label("realized_cumulative"),
               q_.physical_as_of(reports, quarter).label("physical"),
               func.coalesce(reports.c.unverified, 0).label("unverified"),
               R.status, R.first_submitted_at,
               case((counted, R.problems), else_="").label("problems"),
               case((counted, R.follow_up), else_="").label("follow_up"))
    stmt = (reports.join(select(*columns).join(Agency, Agency.id == Activity.agency_id))
            .outerjoin(R, and_(R.activity_id == Activity.id, R.year == year, R.quarter == quarter))
            .order_by(*activity_order()))
    if ids is not None:
        stmt = stmt.where(Activity.id.in_(ids))
    statuses = q_.counted_statuses(include_unverified)
    late_if_missing, due = is_late(period, today), deadline(period)
    shown = [k <= quarter for k in q_.QUARTERS]
    out = []
    for (activity_id, code, name, program, kegiatan, owner, short_name, strategy, funding_source, budget,
         budget_revised, effective, r1, r2, r3, r4, realized_quarter, cumulative, physical, unverified, status,
         first_submitted_at, problems, follow_up) in q_.execute(
            q_.activity_filter(stmt, year, agency_id)).tuples().all():
        effective, cumulative = int(effective), int(cumulative)
        rolled = achievements.get(activity_id)
        n_rated = int(rolled.n_rated) if rolled is not None else 0
        achievement = round_pct(float(rolled.sum_ach) / n_rated) if n_rated else None
        out.append({
            "activity_id": activity_id, "code": code, "name": name, "program": program, "kegiatan": kegiatan,
            "agency_id": owner, "agency_name": short_name, "strategy": strategy,
            "funding_source": funding_source, "budget": effective, "budget_original": int(budget),
            "budget_revised": None if budget_revised is None else int(budget_revised),
            "realized_quarters": [int(v) if v is not None and seen else None
                                  for v, seen in zip((r1, r2, r3, r4), shown, strict=True)],
            "realized_quarter": int(realized_quarter), "realized_cumulative": cumulative,
            "realization_pct": pct(cumulative, effective),
            "physical_progress": physical, "status": status,
            "counted": status in statuses,
            # periods.submitted_late, with the period's deadline computed once
            "late": first_submitted_at >= due if first_submitted_at is not None else late_if_missing,
            "first_submitted_at": first_submitted_at,
            "problems": problems or "", "follow_up": follow_up or "",
            "achievement_pct": achievement, "rating": band(achievement),
            "indicator_count": int(rolled.n_indicators) if rolled is not None else 0,
            "unverified_included": int(unverified) > 0,
        })
    return out
