"""Comparisons: one OPD (or one activity, or the kabupaten) over the quarters of a year and against
the same quarter last year, and the per-activity series the summary projects the year end from.

"As of quarter k" means what the evaluation of quarter k shows: realisation of quarters 1..k
against the (current) budget, and the mean achievement of the indicators with ``sum`` indicators
adding quarters 1..k and ``last`` indicators taking the latest value up to k.  So
``quarters_of_year(y)["quarters"][k-1]`` equals ``evaluation(y, k)``'s top-level figures.

An activity is the same "last year" when it has the same SIPD code in the same OPD (activities are
planned again each year, with new ids).
"""

from __future__ import annotations

from sqlalchemy import func, select, true

from tracker.evaluation import figures_sql as q_
from tracker.evaluation.ratings import pct, rating, round_pct
from tracker.extensions import db
from tracker.plans.models import Activity, Indicator
from tracker.reference.models import Agency


def _budget_by_quarter(year: int, last: int, include_unverified: bool, agency_id, activity_id):
    """The activities' count and budget and the realisation of each quarter 1..``last``, as one row."""
    reports = q_.activity_reports(year, last, include_unverified)
    stmt = reports.join(select(func.count(Activity.id).label("n"),
                   func.coalesce(func.sum(Activity.effective_budget), 0).label("budget"),
                   func.coalesce(func.sum(Activity.budget), 0).label("budget_original"),
                   *[func.coalesce(func.sum(q_.realized_quarter(reports, k)), 0).label(f"r{k}")
                     for k in range(1, last + 1)]))
    return q_.activity_filter(stmt, year, agency_id, activity_id).subquery("money")


def _achievement_by_quarter(year: int, last: int, include_unverified: bool, agency_id, activity_id):
    """count and sum of the indicators' achievement as of each quarter 1..``last``, as one row."""
    values = q_.indicator_values(year, last, include_unverified, agency_id, activity_id)
    columns = []
    for k in range(1, last + 1):
        base_k = q_.achievement_as_of(values, k)
        columns += [func.count(base_k).label(f"n{k}"), func.sum(base_k).label(f"s{k}")]
    stmt = values.join(select(func.count(Indicator.id).label("n_indicators"), *columns)
                       .join(Activity, Activity.id == Indicator.activity_id))
    return q_.activity_filter(stmt, year, agency_id, activity_id).subquery("ach")


def quarters_of_year(year: int, *, agency_id: int | None = None, activity_id: int | None = None,
                     include_unverified: bool = False, up_to: int = 4) -> dict:
    """Realisation and achievement as of each quarter 1..``up_to`` (one query; the reports and values of
    the quarters after ``up_to`` are not read, they change nothing before it)."""
    last = max(1, min(up_to, 4))
    money = _budget_by_quarter(year, last, include_unverified, agency_id, activity_id)
    ach = _achievement_by_quarter(year, last, include_unverified, agency_id, activity_id)
    row = q_.execute(select(money, ach).select_from(money).join(ach, true())).one()
    money = ach = row
    budget = int(money.budget)
    quarters, cumulative = [], 0
    for k in range(1, max(0, min(up_to, 4)) + 1):
        realized = int(getattr(money, f"r{k}"))
        cumulative += realized
        n_rated = int(getattr(ach, f"n{k}") or 0)
        achievement = round_pct(float(getattr(ach, f"s{k}")) / n_rated) if n_rated else None
        quarters.append({"quarter": k, "realized_quarter": realized, "realized_cumulative": cumulative,
                         "realization_pct": pct(cumulative, budget), "achievement_pct": achievement,
                         "rating": rating(achievement), "rated_indicator_count": n_rated})
    return {"year": year, "agency_id": agency_id, "activity_id": activity_id, "include_unverified": include_unverified,
            "activities": int(money.n), "indicator_count": int(ach.n_indicators), "budget": budget,
            "budget_original": int(money.budget_original), "quarters": quarters}


def _change(now, before):
    return None if now is None or before is None else round_pct(now - before)


def previous_year_activity(activity_id: int) -> int | None:
    """Last year's activity with the same code in the same OPD, or None."""
    current = select(Activity.code, Activity.agency_id, Activity.year).where(Activity.id == activity_id).subquery()
    return db.session.scalar(select(Activity.id).join(current, (current.c.code == Activity.code)
                                                      & (current.c.agency_id == Activity.agency_id)
                                                      & (Activity.year == current.c.year - 1))
                             .order_by(Activity.id).limit(1))


def same_quarter_last_year(year: int, quarter: int, *, agency_id: int | None = None, activity_id: int | None = None,
                           include_unverified: bool = False, current: dict | None = None) -> dict:
    """The quarter against the same quarter of ``year - 1`` (for an activity: its namesake last year).
    ``current``: ``quarters_of_year`` of ``year`` up to ``quarter`` for the same scope, when the caller
    has it already (it is not computed again)."""
    previous_activity = None
    if activity_id is not None:
        previous_activity = previous_year_activity(activity_id)
    now = current
    if now is None or (now["year"], now["agency_id"], now["activity_id"], now["include_unverified"],
                       len(now["quarters"])) != (year, agency_id, activity_id, include_unverified, quarter):
        now = quarters_of_year(year, agency_id=agency_id, activity_id=activity_id,
                               include_unverified=include_unverified, up_to=quarter)
    current = {"year": year, "budget": now["budget"], "activities": now["activities"], **now["quarters"][-1]}
    previous = None
    if activity_id is None or previous_activity is not None:
        then = quarters_of_year(year - 1, agency_id=agency_id, activity_id=previous_activity,
                                include_unverified=include_unverified, up_to=quarter)
        if then["activities"]:
            previous = {"year": year - 1, "budget": then["budget"], "activities": then["activities"],
                        **then["quarters"][-1]}
    return {"year": year, "quarter": quarter, "agency_id": agency_id, "activity_id": activity_id,
            "previous_activity_id": previous_activity, "current": current, "previous": previous,
            "change_realization_pct": _change(current["realization_pct"], previous and previous["realization_pct"]),
            "change_achievement_pct": _change(current["achievement_pct"], previous and previous["achievement_pct"])}


def project_year_end(value_at_quarter: float | None, quarter: int) -> float | None:
    """The year-end value if the pace so far holds: value as of quarter q × 4 / q (linear from the
    start of the year, when everything is 0).  None stays None."""
    if value_at_quarter is None or quarter < 1:
        return None
    return round_pct(value_at_quarter * 4 / quarter)


def trend_for_projection(year: int, quarter: int, *, agency_id: int | None = None,
                         include_unverified: bool = False) -> list[dict]:
    """Per activity: realisation %, physical progress and mean achievement as of each quarter 1..q, and
    the year-end projections (``project_year_end``), in one query."""
    reports = q_.activity_reports(year, quarter, include_unverified)
    values = q_.indicator_values(year, quarter, include_unverified, agency_id)
    ks = range(1, quarter + 1)
    per_activity = q_.activity_filter(values.join(
        select(Indicator.activity_id.label("activity_id"),
               *[c for k in ks for c in (func.count(q_.achievement_as_of(values, k)).label(f"n{k}"),
                                         func.sum(q_.achievement_as_of(values, k)).label(f"s{k}"))])
        .join(Activity, Activity.id == Indicator.activity_id)), year, agency_id)
    per_activity = per_activity.group_by(Indicator.activity_id).subquery("ia")
    stmt = (reports.join(select(Activity.id, Activity.code, Activity.name, Activity.agency_id, Agency.short_name,
                                Activity.effective_budget.label("budget"),
                                *[q_.realized_to(reports, k).label(f"c{k}") for k in ks],
                                *[q_.physical_as_of(reports, k).label(f"p{k}") for k in ks],
                                *[per_activity.c[f"{x}{k}"] for k in ks for x in "ns"])
                         .join(Agency, Agency.id == Activity.agency_id))
            .outerjoin(per_activity, per_activity.c.activity_id == Activity.id)
            .order_by(Agency.short_name, Activity.agency_id, Activity.code, Activity.id))
    out = []
    for r in q_.records(q_.activity_filter(stmt, year, agency_id)):
        budget = int(r["budget"])
        realization = [pct(int(r[f"c{k}"]), budget) for k in ks]
        achievement = [round_pct(float(r[f"s{k}"]) / r[f"n{k}"]) if r[f"n{k}"] else None for k in ks]
        out.append({"activity_id": r["id"], "code": r["code"], "name": r["name"], "agency_id": r["agency_id"],
                    "agency_name": r["short_name"], "budget": budget, "realization_pct_series": realization,
                    "physical_series": [r[f"p{k}"] for k in ks],
                    "achievement_series": achievement,
                    "projected_achievement_pct": project_year_end(achievement[-1], quarter),
                    "projected_realization_pct": project_year_end(realization[-1], quarter)})
    return out
