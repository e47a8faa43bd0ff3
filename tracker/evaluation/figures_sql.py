"""The SQL building blocks of the evaluation: which reports count, per-activity realisation and
physical progress per quarter, per-indicator values per quarter, and the achievement of an
indicator "as of" a quarter — one expression shared by every roll-up so that an indicator's row,
its activity, its OPD and the kabupaten can never disagree.

Everything here is a SELECT or a column expression; nothing is executed.  Works the same on SQLite
and PostgreSQL: money stays integer (SUM of BIGINT), indicator arithmetic is double precision
(``value × 100 / target`` with ``target`` a float column), no ROUND in SQL (rounding is done once,
half-up, by ``ratings.round_pct``), booleans are 0/1 integers.
"""

from __future__ import annotations

import sqlite3

from sqlalchemy import BigInteger, Float, and_, case, cast, func, literal, select

from tracker.evaluation.ratings import RAW_LOWER_BOUNDS, SANGAT_RENDAH
from tracker.extensions import db
from tracker.plans.models import Activity, Indicator
from tracker.progress.models import SUBMITTED, VERIFIED, IndicatorValue, ProgressReport

QUARTERS = (1, 2, 3, 4)


def records(stmt):
    """The statement's rows as plain dicts (thousands of rows: reading a dict key is ~20 times cheaper
    than a Row attribute)."""
    result = db.session.execute(stmt)
    keys = list(result.keys())
    return [dict(zip(keys, values, strict=True)) for values in result.tuples()]


def counted_statuses(include_unverified: bool) -> tuple[str, ...]:
    """Verified reports, and submitted ones when asked; never drafts or returned reports."""
    return (VERIFIED, SUBMITTED) if include_unverified else (VERIFIED,)


def count_if(condition):
    return func.sum(case((condition, 1), else_=0))


def coalesce_all(columns):
    """COALESCE of one or more columns (SQLite wants at least two arguments)."""
    columns = list(columns)
    return columns[0] if len(columns) == 1 else func.coalesce(*columns)


def activity_filter(stmt, year: int, agency_id: int | None = None, activity_id: int | None = None):
    stmt = stmt.where(Activity.year == year)
    if agency_id is not None:
        stmt = stmt.where(Activity.agency_id == agency_id)
    if activity_id is not None:
        stmt = stmt.where(Activity.id == activity_id)
    return stmt


def _activities_of(year: int, agency_id: int | None, activity_id: int | None):
    """The ids of the activities in scope, to narrow a report subquery before it is grouped (None: all)."""
    if agency_id is None and activity_id is None:
        return None
    return activity_filter(select(Activity.id), year, agency_id, activity_id)


def activity_reports(year: int, up_to: int, include_unverified: bool, agency_id: int | None = None,
                     activity_id: int | None = None):
    """One row per activity with counted reports in quarters 1..up_to: realisation r1..r4 (Rp, NULL
    for a quarter without a counted report), physical progress p1..p4, and ``unverified`` (how many
    of the counted reports are submitted, not verified).  ``agency_id``/``activity_id`` narrow it."""
    R = ProgressReport
    stmt = (select(R.activity_id.label("activity_id"),
                   *[func.sum(case((R.quarter == k, func.coalesce(R.budget_realized, 0)))).label(f"r{k}")
                     for k in QUARTERS],
                   *[func.max(case((R.quarter == k, R.physical_progress))).label(f"p{k}") for k in QUARTERS],
                   count_if(R.status == SUBMITTED).label("unverified"))
            .where(R.year == year, R.quarter <= up_to, R.status.in_(counted_statuses(include_unverified)))
            .group_by(R.activity_id))
    scope = _activities_of(year, agency_id, activity_id)
    if scope is not None:
        stmt = stmt.where(R.activity_id.in_(scope))
    return stmt.subquery("reports")


def realized_quarter(reports, k: int):
    return func.coalesce(reports.c[f"r{k}"], 0) if k >= 1 else literal(0, BigInteger())


def realized_to(reports, k: int):
    """Realisation of quarters 1..k (0 for k = 0)."""
    if k < 1:
        return literal(0, BigInteger())
    total = func.coalesce(reports.c.r1, 0)
    for j in range(2, k + 1):
        total = total + func.coalesce(reports.c[f"r{j}"], 0)
    return total


def physical_as_of(reports, k: int):
    """The latest counted physical progress up to quarter k (it is cumulative)."""
    return coalesce_all(reports.c[f"p{j}"] for j in range(k, 0, -1))


def indicator_values(year: int, up_to: int, include_unverified: bool, agency_id: int | None = None,
                     activity_id: int | None = None):
    """One row per indicator with counted values in quarters 1..up_to: v1..v4 and ``unverified`` (1 when
    any of them comes from a submitted, not yet verified report).  ``agency_id``/``activity_id`` narrow it."""
    R, V = ProgressReport, IndicatorValue
    stmt = (select(V.indicator_id.label("indicator_id"),
                   *[func.max(case((R.quarter == k, V.value))).label(f"v{k}") for k in QUARTERS],
                   func.max(case((R.status == SUBMITTED, 1), else_=0)).label("unverified"))
            .join(R, R.id == V.report_id)
            .where(R.year == year, R.quarter <= up_to, R.status.in_(counted_statuses(include_unverified)))
            .group_by(V.indicator_id))
    scope = _activities_of(year, agency_id, activity_id)
    if scope is not None:
        stmt = stmt.where(R.activity_id.in_(scope))
    return stmt.subquery("vals")


def reached_as_of(values, k: int):
    """What the indicator reached by quarter k: ``sum`` the values of quarters 1..k added up, ``last`` the
    latest value up to k; NULL when nothing was reported up to k."""
    latest = coalesce_all(values.c[f"v{j}"] for j in range(k, 0, -1))
    total = func.coalesce(values.c.v1, 0.0)
    for j in range(2, k + 1):
        total = total + func.coalesce(values.c[f"v{j}"], 0.0)
    return case((latest.is_(None), None), (Indicator.aggregation == "sum", total), else_=latest)


def achievement_as_of(values, k: int):
    """reached × 100 / annual target (double precision); NULL when the target is 0 or nothing reported."""
    reached = reached_as_of(values, k)
    return case((and_(Indicator.target > 0, reached.is_not(None)),
                 cast(reached, Float) * 100 / Indicator.target), else_=None)


def threshold_columns(expression):
    """count_if(achievement ≥ a band's lower bound) for each bounded band, labelled ``ge_<code>``: the
    achievement is read four times, not once per band and bound (it is a long expression)."""
    return [count_if(expression >= bound).label(f"ge_{code}") for code, bound in RAW_LOWER_BOUNDS]


def band_counts(row, n_rated: int) -> dict[str, int]:
    """The number of indicators in each band from ``threshold_columns`` (cumulative counts, best first)."""
    counts, above = {}, 0
    for code, _bound in RAW_LOWER_BOUNDS:
        at_least = int(getattr(row, f"ge_{code}") or 0)
        counts[code] = at_least - above
        above = at_least
    counts[SANGAT_RENDAH] = n_rated - above
    return counts


def materialized(cte):
    """Ask the database to compute a CTE once (MATERIALIZED: PostgreSQL 12+, SQLite 3.35+), so a long
    column expression is not re-evaluated at every reference after the CTE is inlined."""
    dialect = db.session.get_bind().dialect
    if dialect.name == "postgresql" or (dialect.name == "sqlite" and sqlite3.sqlite_version_info >= (3, 35)):
        return cte.prefix_with("MATERIALIZED")
    return cte  # pragma: no cover


def indicator_base(year: int, values, k: int, agency_id: int | None = None, activity_id: int | None = None,
                   cte: bool = False):
    """Indicators of the year's activities with their achievement as of quarter k, as a subquery (or a
    CTE, computed once when several roll-ups read it)."""
    stmt = (select(Indicator.id.label("indicator_id"), Indicator.activity_id.label("activity_id"),
                   Activity.agency_id.label("agency_id"), achievement_as_of(values, k).label("ach"))
            .join(Activity, Activity.id == Indicator.activity_id)
            .outerjoin(values, values.c.indicator_id == Indicator.id))
    stmt = activity_filter(stmt, year, agency_id, activity_id)
    return materialized(stmt.cte("ind")) if cte else stmt.subquery("ind")


def indicator_rollup_columns(base):
    """The measures of a group of indicators: count, rated count, sum of achievement, per-band counts."""
    return [func.count().label("n_indicators"), func.count(base.c.ach).label("n_rated"),
            func.sum(base.c.ach).label("sum_ach"), *threshold_columns(base.c.ach)]
