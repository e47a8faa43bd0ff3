"""The SQL building blocks of the evaluation: which reports count, per-activity realisation and
physical progress per quarter, per-indicator values per quarter, and the achievement of an
indicator "as of" a quarter — one expression shared by every roll-up so that an indicator's row,
its activity, its OPD and the kabupaten can never disagree.

Everything here is a SELECT, a column expression or a set of outer joins (``Joined``); nothing is
executed but by ``execute``/``rows``/``records``.  The same figures on SQLite and PostgreSQL: money
stays integer (SUM of BIGINT), indicator arithmetic is double precision (``value × 100 / target``
with ``target`` a float column), no ROUND in SQL (rounding is done once, half-up, by
``ratings.round_pct``), booleans are 0/1 integers.

Speed (quality.md target 1, measured on the large demo with ``bench/pages.py``): an activity's
reports are joined quarter by quarter (one report at most per activity and quarter) instead of
grouping the year's reports, so a page or one OPD reads only its own activities' rows and nothing
needs a temporary B-tree; ``ix_progress_report_figures`` holds every column those joins read.
"""

from __future__ import annotations

import collections
import functools
import operator
import sqlite3

from sqlalchemy import BigInteger, Float, and_, case, cast, func, literal, null, or_, select

from tracker.evaluation.ratings import RAW_LOWER_BOUNDS, SANGAT_RENDAH
from tracker.extensions import db
from tracker.plans.models import Activity, Indicator
from tracker.progress.models import SUBMITTED, VERIFIED, IndicatorValue, ProgressReport

QUARTERS = (1, 2, 3, 4)


def execute(stmt):
    """Run a Core SELECT on the session's connection (its transaction): thousands of rows come back
    two to three times faster than through ``Session.execute``, which wraps them for the ORM."""
    return db.session.connection().execute(stmt)


def rows(stmt) -> list:
    """The statement's rows as named tuples (fields read as attributes, as on a Row, but several times
    faster: the roll-ups return a row per activity)."""
    result = execute(stmt)
    record = collections.namedtuple("Record", list(result.keys()), rename=True)
    return [record._make(values) for values in result.tuples().all()]  # all(): one fetchall, not a fetch per row


def records(stmt):
    """The statement's rows as plain dicts (thousands of rows: reading a dict key is ~20 times cheaper
    than a Row attribute)."""
    result = execute(stmt)
    keys = list(result.keys())
    return [dict(zip(keys, values, strict=True)) for values in result.tuples().all()]


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


def _activities_of(year: int, agency_id: int | None, activity_id: int | None, activity_ids=None):
    """The ids of the activities in scope, to narrow a grouped subquery before it is grouped (None: all).
    ``activity_ids``: a SELECT of ids already in scope (one page of the activity list)."""
    if activity_ids is not None:
        return activity_ids
    if agency_id is None and activity_id is None:
        return None
    return activity_filter(select(Activity.id), year, agency_id, activity_id)


class Columns(dict):
    """Column expressions read like a subquery's ``.c``: ``reports.c.r1`` or ``reports.c["r1"]``."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


class Joined:
    """Per-activity (or per-indicator) columns and the outer joins that provide them: ``stmt =
    reports.join(stmt)`` on a statement that selects from ``Activity`` (and ``Indicator``), then
    ``reports.c.r1`` ... in its columns."""

    def __init__(self, columns: dict, joins: list):
        self.c = Columns(columns)
        self._joins = joins

    def join(self, stmt):
        for target, on in self._joins:
            stmt = stmt.outerjoin(target, on)
        return stmt


@functools.cache
def _alias(table_name: str, name: str):
    """A Core alias of a table, made once (an ORM ``aliased()`` costs milliseconds per call)."""
    table = {"progress_report": ProgressReport.__table__, "indicator_value": IndicatorValue.__table__}[table_name]
    return table.alias(name)


def _counted_report(k: int, year: int, include_unverified: bool, name: str):
    """``progress_report`` aliased for quarter k and joined to the activity: its counted report of that
    quarter, or NULLs (at most one report per activity, year and quarter: the unique constraint)."""
    R = _alias("progress_report", name).c
    return R, and_(R.activity_id == Activity.id, R.year == year, R.quarter == k,
                   R.status.in_(counted_statuses(include_unverified)))


def activity_reports(year: int, up_to: int, include_unverified: bool) -> Joined:
    """Per activity, its counted reports of quarters 1..up_to: realisation r1..r4 (Rp, NULL for a
    quarter without a counted report, and for the quarters after ``up_to``, not read), physical
    progress p1..p4, and ``unverified`` (how many of the counted reports are submitted, not verified).
    One outer join per quarter on the (activity, year, quarter) index: nothing is grouped, so the
    cost follows the activities selected (one OPD, one page), not the year."""
    columns, joins, unverified = {}, [], []
    for k in QUARTERS:
        if k > up_to:
            columns[f"r{k}"], columns[f"p{k}"] = cast(null(), BigInteger), cast(null(), Float)
            continue
        R, on = _counted_report(k, year, include_unverified, f"rq{k}")
        joins.append((_alias("progress_report", f"rq{k}"), on))
        columns[f"r{k}"] = case((R.id.is_not(None), func.coalesce(R.budget_realized, 0)))
        columns[f"p{k}"] = R.physical_progress
        unverified.append(case((R.status == SUBMITTED, 1), else_=0))
    columns["unverified"] = functools.reduce(operator.add, unverified) if unverified else literal(0)
    return Joined(columns, joins)


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


def _grouped_values(year: int, up_to: int, include_unverified: bool, scope) -> Joined:
    R, V = ProgressReport, IndicatorValue
    stmt = (select(V.indicator_id.label("indicator_id"),
                   *[(func.max(case((R.quarter == k, V.value))) if k <= up_to else cast(null(), Float)).label(f"v{k}")
                     for k in QUARTERS],
                   func.max(case((R.status == SUBMITTED, 1), else_=0)).label("unverified"))
            .join(R, R.id == V.report_id)
            .where(R.year == year, R.quarter <= up_to, R.status.in_(counted_statuses(include_unverified)))
            .group_by(V.indicator_id))
    if scope is not None:
        stmt = stmt.where(R.activity_id.in_(scope))
    values = stmt.subquery("vals")
    return Joined({name: values.c[name] for name in (*(f"v{k}" for k in QUARTERS), "unverified")},
                  [(values, values.c.indicator_id == Indicator.id)])


def _joined_values(year: int, up_to: int, include_unverified: bool) -> Joined:
    columns, joins, submitted = {}, [], []
    for k in QUARTERS:
        if k > up_to:
            columns[f"v{k}"] = cast(null(), Float)
            continue
        R, on = _counted_report(k, year, include_unverified, f"vr{k}")
        values = _alias("indicator_value", f"vq{k}")
        V = values.c
        joins += [(_alias("progress_report", f"vr{k}"), on),
                  (values, and_(V.report_id == R.id, V.indicator_id == Indicator.id))]
        columns[f"v{k}"] = V.value
        submitted.append(and_(V.report_id.is_not(None), R.status == SUBMITTED))
    columns["unverified"] = case((or_(*submitted), 1), else_=0) if submitted else literal(0)
    return Joined(columns, joins)


def indicator_values(year: int, up_to: int, include_unverified: bool, agency_id: int | None = None,
                     activity_id: int | None = None, activity_ids=None) -> Joined:
    """Per indicator, its counted values of quarters 1..up_to: v1..v4 (NULL after ``up_to``) and
    ``unverified`` (1 when any of them comes from a submitted, not yet verified report), for a
    statement that selects from ``Indicator`` joined to its ``Activity``.

    Two plans for the same figures, each the faster on its database (measured on the large demo):
    SQLite looks each quarter's report and value up by index (no GROUP BY, no temporary B-tree);
    PostgreSQL groups the year's values once with a hash aggregate (per-quarter joins make it scan
    ``indicator_value`` once per quarter).  ``agency_id``/``activity_id``/``activity_ids`` narrow
    the grouped form before it is grouped (the joined form follows the outer statement's rows)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return _grouped_values(year, up_to, include_unverified,
                               _activities_of(year, agency_id, activity_id, activity_ids))
    return _joined_values(year, up_to, include_unverified)


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
                   cte: bool = False, previous: bool = False):
    """Indicators of the year's activities with their achievement as of quarter k, as a subquery (or a
    CTE, computed once when several roll-ups read it); with ``previous`` (k > 1) also as of quarter
    k - 1 (``ach_prev``: the same values, the quarters before k)."""
    extra = [achievement_as_of(values, k - 1).label("ach_prev")] if previous and k > 1 else []
    stmt = values.join(select(Indicator.id.label("indicator_id"), Indicator.activity_id.label("activity_id"),
                              Activity.agency_id.label("agency_id"), achievement_as_of(values, k).label("ach"), *extra)
                       .join(Activity, Activity.id == Indicator.activity_id))
    stmt = activity_filter(stmt, year, agency_id, activity_id)
    return materialized(stmt.cte("ind")) if cte else stmt.subquery("ind")


def indicator_rollup_columns(base):
    """The measures of a group of indicators: count, rated count, sum of achievement, per-band counts;
    when ``base`` has ``ach_prev``, the rated count and sum as of the quarter before too."""
    previous = []
    if "ach_prev" in base.c:
        previous = [func.count(base.c.ach_prev).label("n_prev"), func.sum(base.c.ach_prev).label("sum_prev")]
    return [func.count().label("n_indicators"), func.count(base.c.ach).label("n_rated"),
            func.sum(base.c.ach).label("sum_ach"), *threshold_columns(base.c.ach), *previous]
