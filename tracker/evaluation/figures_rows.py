"""The detail rows of the evaluation: one per indicator (the Permendagri 86/2017 table, with its
Renstra columns 14 and 15) and one per activity (drill-down, and the Rp columns of the table).
One query each; see ``figures`` for the definitions."""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, case, func, select

from tracker.evaluation import figures_sql as q_
from tracker.evaluation.ratings import band, pct, round_pct
from tracker.periods.services import submitted_late
from tracker.plans.models import Activity, Indicator
from tracker.progress.models import ProgressReport
from tracker.reference.models import Agency


def _renstra(aggregation: str, cumulative: float | None, achieved_before: float | None) -> float | None:
    """Column 14 (realisasi Renstra s.d. tahun berjalan = 6 + 12).  For a ``last`` (level) indicator the
    level reached now is the latest value this year, or last year's level while nothing is reported."""
    if achieved_before is None:
        return None
    if aggregation == "sum":
        return achieved_before + (cumulative or 0.0)
    return cumulative if cumulative is not None else achieved_before


def indicator_rows(year: int, quarter: int, include_unverified: bool, agency_id: int | None) -> list[dict]:
    values = q_.indicator_values(year, quarter, include_unverified, agency_id)
    stmt = (select(Indicator.id, Indicator.activity_id, Activity.agency_id, Indicator.position, Indicator.name,
                   Indicator.unit, Indicator.aggregation, Indicator.target, Indicator.target_q1, Indicator.target_q2,
                   Indicator.target_q3, Indicator.target_q4, Indicator.target_end, Indicator.achieved_before,
                   *[values.c[f"v{k}"] for k in q_.QUARTERS], func.coalesce(values.c.unverified, 0).label("unverified"),
                   q_.reached_as_of(values, quarter).label("reached"),
                   q_.achievement_as_of(values, quarter).label("ach"))
            .join(Activity, Activity.id == Indicator.activity_id)
            .join(Agency, Agency.id == Activity.agency_id)
            .outerjoin(values, values.c.indicator_id == Indicator.id)
            .order_by(Agency.short_name, Activity.agency_id, Activity.code, Activity.id, Indicator.position,
                      Indicator.id))
    out = []
    for r in q_.records(q_.activity_filter(stmt, year, agency_id)):
        achievement = round_pct(r["ach"])
        renstra = _renstra(r["aggregation"], r["reached"], r["achieved_before"])
        renstra_pct = pct(renstra, r["target_end"]) if r["target_end"] and renstra is not None else None
        out.append({
            "indicator_id": r["id"], "activity_id": r["activity_id"], "agency_id": r["agency_id"],
            "position": r["position"],
            "name": r["name"], "unit": r["unit"], "aggregation": r["aggregation"], "target": r["target"],
            "target_quarters": [r["target_q1"], r["target_q2"], r["target_q3"], r["target_q4"]],
            "target_end": r["target_end"], "achieved_before": r["achieved_before"],
            "quarters": [r["v1"], r["v2"] if quarter >= 2 else None, r["v3"] if quarter >= 3 else None,
                         r["v4"] if quarter >= 4 else None],
            "cumulative": r["reached"], "achievement_pct": achievement, "rating": band(achievement),
            "renstra_realized": renstra, "renstra_pct": renstra_pct, "renstra_rating": band(renstra_pct),
            "unverified_included": bool(r["unverified"]),
        })
    return out


def activity_rows(year: int, quarter: int, include_unverified: bool, agency_id: int | None, period,
                  today: date, achievements: dict) -> list[dict]:
    """``achievements``: the indicator roll-up rows per activity id (``figures._indicator_rollup``)."""
    R = ProgressReport
    reports = q_.activity_reports(year, quarter, include_unverified, agency_id)
    counted = R.status.in_(q_.counted_statuses(include_unverified))
    stmt = (select(Activity.id, Activity.code, Activity.name, Activity.program, Activity.kegiatan, Activity.agency_id,
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
            .join(Agency, Agency.id == Activity.agency_id)
            .outerjoin(reports, reports.c.activity_id == Activity.id)
            .outerjoin(R, and_(R.activity_id == Activity.id, R.year == year, R.quarter == quarter))
            .order_by(Agency.short_name, Activity.agency_id, Activity.code, Activity.id))
    statuses = q_.counted_statuses(include_unverified)
    out = []
    for r in q_.records(q_.activity_filter(stmt, year, agency_id)):
        effective, cumulative = int(r["effective"]), int(r["realized_cumulative"])
        rolled = achievements.get(r["id"])
        n_rated = int(rolled.n_rated) if rolled is not None else 0
        achievement = round_pct(float(rolled.sum_ach) / n_rated) if n_rated else None
        out.append({
            "activity_id": r["id"], "code": r["code"], "name": r["name"], "program": r["program"],
            "kegiatan": r["kegiatan"],
            "agency_id": r["agency_id"], "agency_name": r["short_name"], "strategy": r["strategy"],
            "funding_source": r["funding_source"], "budget": effective, "budget_original": int(r["budget"]),
            "budget_revised": None if r["budget_revised"] is None else int(r["budget_revised"]),
            "realized_quarters": [int(v) if v is not None and k <= quarter else None
                                  for k, v in enumerate((r["r1"], r["r2"], r["r3"], r["r4"]), start=1)],
            "realized_quarter": int(r["realized_quarter"]), "realized_cumulative": cumulative,
            "realization_pct": pct(cumulative, effective),
            "physical_progress": r["physical"], "status": r["status"],
            "counted": r["status"] in statuses,
            "late": submitted_late(r["first_submitted_at"], period, today),
            "first_submitted_at": r["first_submitted_at"],
            "problems": r["problems"] or "", "follow_up": r["follow_up"] or "",
            "achievement_pct": achievement, "rating": band(achievement),
            "indicator_count": int(rolled.n_indicators) if rolled is not None else 0,
            "unverified_included": int(r["unverified"]) > 0,
        })
    return out
