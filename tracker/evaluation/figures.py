"""The evaluation of a quarter (product.md §4; ``GET /api/v1/evaluation/{year}/{quarter}`` in api.md).

Definitions (every aggregate is SQL; Python only divides, rounds and renames):

- Counted data: reports ``verified``, plus ``submitted`` with ``include_unverified``; drafts and
  returned reports are never read (their money, values and text), so nobody's drafts can appear.
- ``budget``: the sum of the activities' effective budget (the APBD-P figure when set, else the
  original pagu), as it stands now; ``budget_original`` the sum of the original pagu.
- ``realized_quarter``: the realisation reported for quarter q; ``realized_cumulative``: quarters
  1..q; ``realization_pct`` = cumulative / budget × 100, ``None`` when the budget is 0.
  ``previous_*``: the same for quarters 1..q-1 against the same budget (``None`` for quarter 1: the
  year's cumulative restarts, so there is no "last quarter" to compare with).
- Indicator achievement: ``sum`` indicators cumulative (values of quarters 1..q added) / annual
  target × 100; ``last`` indicators the latest value up to q / target × 100; ``None`` when the
  target is 0 or nothing was reported.
- OPD (and activity, and kabupaten) ``achievement_pct``: the plain mean of its indicators'
  achievement, over the indicators that have one (every indicator weighs the same, whatever its
  activity's budget — the Permendagri table rates indicators, not money); ``None`` when none has.
- Completeness (activities / reported / verified / late ...): ``tracker.progress.queries.completeness``
  for the quarter, unchanged; an activity's ``late`` uses ``periods.submitted_late``, the same rule.
- CSR: ``committed`` the year's commitments; ``contributed_verified`` the verified contributions to
  them dated on or before the quarter's last day (the position at the end of the quarter);
  ``contributed_verified_year`` the whole year's.  With an OPD chosen: only commitments that name
  one of its activities of the year.
- Percentages are rounded half-up to two decimals (``ratings.round_pct``); ratings per ``ratings``.
- The budget is the activities' budget as it stands: an APBD-P decided in quarter III also applies
  when quarter I is looked at again (revisions are not dated per quarter in the figures).

- ``previous_achievement_pct``: the kabupaten's (or the OPD's) mean achievement as of quarter q-1
  (``None`` in quarter I), from the same values: what ``compare.quarters_of_year`` gives for q-1.

A fixed number of queries whatever the data size: 8 with ``detail`` (indicator and activity rows),
6 without; ``totals`` is one.  ``window=(offset, limit)`` keeps the detail rows to one page of the
activity list (and the indicators of those activities), computed from those activities only; the
roll-ups still cover the whole scope.

``projection`` (with ``detail``): per activity with a rated indicator (by id), its achievement and
realisation as of the quarter (the activity rows' figures; with a window, the same figures from the roll-ups), for
``summary.ringkasan``'s year-end projection without another pass over the year.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import Integer, String, and_, case, cast, func, literal, null, select, true, union_all

from tracker.authz import agency_scope
from tracker.csr.models import CsrCommitment, CsrContribution
from tracker.errors import NotFound
from tracker.evaluation import figures_sql as q_
from tracker.evaluation.figures_rows import activity_rows, indicator_rows
from tracker.evaluation.ratings import empty_counts, pct, rating, round_pct
from tracker.extensions import db
from tracker.periods.services import MAX_YEAR, MIN_YEAR, periods_for, quarter_end
from tracker.periods.services import today as jakarta_today
from tracker.plans.models import Activity
from tracker.progress import queries as progress_queries
from tracker.progress.models import VERIFIED, ProgressReport
from tracker.reference.models import Agency, Strategy
from tracker.review import SUBMITTED

COMPLETENESS_MEASURES = ("activities", "reported", "verified", "submitted", "returned", "draft", "missing", "late")


def scope_agency_id(user, requested: int | None) -> int | None:
    """The OPD an evaluation may show to ``user``: an OPD user's own, whatever was asked; for the
    other roles the one requested (or ``None``, the whole kabupaten)."""
    own = agency_scope(user)
    return own if own is not None else requested


class NoSuchQuarter(NotFound, ValueError):
    """A 404 for the pages and the API (``NotFound``), and a ``ValueError`` for callers that check one."""


def check_quarter(quarter: int, year: int | None = None) -> None:
    """A quarter outside 1..4 (or a year outside the supported range) is a page that does not exist."""
    if quarter not in q_.QUARTERS:
        raise NoSuchQuarter(_("Triwulan harus 1 sampai 4."))
    if year is not None and not MIN_YEAR <= year <= MAX_YEAR:
        raise NoSuchQuarter(_("Tahun harus antara %(a)d dan %(b)d.", a=MIN_YEAR, b=MAX_YEAR))


# ---- budget: per OPD, per strategy and in total, one UNION ALL ----------------------------------------

def _budget_base(year: int, quarter: int, include_unverified: bool, agency_id: int | None, names: bool = False):
    reports = q_.activity_reports(year, quarter, include_unverified)
    named = [Activity.code.label("activity_code"), Activity.name.label("activity_name")] if names else []
    stmt = reports.join(select(Activity.id.label("activity_id"), Activity.agency_id, Activity.strategy, *named,
                               Activity.effective_budget.label("budget"), Activity.budget.label("budget_original"),
                               case((Activity.budget_revised.is_not(None), 1), else_=0).label("revised"),
                               q_.realized_quarter(reports, quarter).label("realized_quarter"),
                               q_.realized_to(reports, quarter).label("realized_cumulative"),
                               q_.realized_to(reports, quarter - 1).label("realized_previous"),
                               func.coalesce(reports.c.unverified, 0).label("unverified")))
    return q_.materialized(q_.activity_filter(stmt, year, agency_id).cte("b"))


def _money(base):
    return [func.count(base.c.activity_id).label("n_activities"),
            func.coalesce(func.sum(base.c.budget), 0).label("budget"),
            func.coalesce(func.sum(base.c.budget_original), 0).label("budget_original"),
            func.coalesce(func.sum(base.c.revised), 0).label("revised"),
            func.coalesce(func.sum(base.c.realized_quarter), 0).label("realized_quarter"),
            func.coalesce(func.sum(base.c.realized_cumulative), 0).label("realized_cumulative"),
            func.coalesce(func.sum(base.c.realized_previous), 0).label("realized_previous"),
            func.coalesce(func.sum(base.c.unverified), 0).label("unverified")]


def _budget_rollup(year: int, quarter: int, include_unverified: bool, agency_id: int | None,
                   per_activity: bool = False) -> list:
    """Rows per OPD, per strategy and the total; with ``per_activity`` one more per activity (its own
    figures, with its code, name and OPD short name in ``code``/``label``/``full_name``)."""
    base = _budget_base(year, quarter, include_unverified, agency_id, names=per_activity)
    no_int, no_str = cast(null(), Integer), cast(null(), String)
    agencies = (select(literal("agency").label("level"), base.c.agency_id.label("agency_id"), no_str.label("strategy"),
                       Agency.short_name.label("label"), Agency.name.label("full_name"), Agency.code.label("code"),
                       no_int.label("sort_order"), *_money(base), no_int.label("activity_id"))
                .join(Agency, Agency.id == base.c.agency_id)
                .group_by(base.c.agency_id, Agency.short_name, Agency.name, Agency.code))
    strategies = (select(literal("strategy").label("level"), no_int, Strategy.code, Strategy.name, no_str, no_str,
                         Strategy.sort_order, *_money(base), no_int)
                  .select_from(Strategy).outerjoin(base, base.c.strategy == Strategy.code)
                  .group_by(Strategy.code, Strategy.name, Strategy.sort_order))
    total = select(literal("total").label("level"), no_int, no_str, no_str, no_str, no_str, no_int, *_money(base),
                   no_int)
    parts = [agencies, strategies, total]
    if per_activity:  # one row each: the "sums" are the activity's own figures
        parts.append(select(literal("activity"), base.c.agency_id, no_str, base.c.activity_name, Agency.short_name,
                            base.c.activity_code, no_int, literal(1), base.c.budget, base.c.budget_original,
                            base.c.revised, base.c.realized_quarter, base.c.realized_cumulative,
                            base.c.realized_previous, base.c.unverified, base.c.activity_id)
                     .join(Agency, Agency.id == base.c.agency_id))
    return q_.rows(union_all(*parts))


def _money_fields(row) -> dict:
    budget, cumulative = int(row.budget), int(row.realized_cumulative)
    return {"budget": budget, "budget_original": int(row.budget_original),
            "realized_quarter": int(row.realized_quarter), "realized_cumulative": cumulative,
            "realization_pct": pct(cumulative, budget)}


def _previous(row, quarter: int) -> dict:
    if quarter == 1:
        return {"previous_realized_cumulative": None, "previous_realization_pct": None}
    previous = int(row.realized_previous)
    return {"previous_realized_cumulative": previous, "previous_realization_pct": pct(previous, int(row.budget))}


# ---- indicators: per OPD (and in total) --------------------------------------------------------------

def _indicator_rollup(year: int, quarter: int, include_unverified: bool, agency_id: int | None,
                      per_activity: bool = False, previous: bool = False) -> tuple[dict, dict]:
    """The indicator roll-up rows per OPD, and per activity when asked, in one query over one CTE; with
    ``previous`` the OPD rows carry ``n_prev``/``sum_prev`` (as of the quarter before)."""
    values = q_.indicator_values(year, quarter, include_unverified, agency_id)
    base = q_.indicator_base(year, values, quarter, agency_id, cte=True, previous=previous)
    columns = q_.indicator_rollup_columns(base)
    parts = [select(literal("agency").label("level"), base.c.agency_id.label("key"), *columns)
             .group_by(base.c.agency_id)]
    if per_activity:
        parts.append(select(literal("activity"), base.c.activity_id, *columns).group_by(base.c.activity_id))
    stmt = union_all(*parts) if per_activity else parts[0]
    found: dict[str, dict] = {"agency": {}, "activity": {}}
    for row in q_.rows(stmt):
        found[row.level][row.key] = row
    return found["agency"], found["activity"]


def _previous_achievement(rows, quarter: int) -> float | None:
    """The mean achievement as of the quarter before, over the roll-up rows (``None`` in quarter I)."""
    if quarter == 1:
        return None
    n_rated = sum(int(r.n_prev) for r in rows)
    total = sum(float(r.sum_prev) for r in rows if r.sum_prev is not None)
    return round_pct(total / n_rated) if n_rated else None


def _achievement_fields(rows) -> dict:
    """Mean achievement and band counts of one or more roll-up rows (an OPD, or all OPDs together)."""
    n_indicators = sum(int(r.n_indicators) for r in rows)
    n_rated = sum(int(r.n_rated) for r in rows)
    total = sum(float(r.sum_ach) for r in rows if r.sum_ach is not None)
    counts = empty_counts()
    for r in rows:
        for code, n in q_.band_counts(r, int(r.n_rated)).items():
            counts[code] += n
    counts["none"] = n_indicators - n_rated
    achievement = round_pct(total / n_rated) if n_rated else None
    return {"achievement_pct": achievement, "rating": rating(achievement), "indicator_count": n_indicators,
            "rated_indicator_count": n_rated, "rating_counts": counts}


# ---- CSR ---------------------------------------------------------------------------------------------

def csr_figures(year: int, quarter: int, agency_id: int | None = None) -> dict:
    """Committed and contributed for the year, the contributions cut off at the quarter's last day."""
    C, X = CsrCommitment, CsrContribution
    cut_off = quarter_end(year, quarter)
    by_commitment = (select(X.commitment_id.label("cid"),
                            func.sum(case((and_(X.status == VERIFIED, X.date <= cut_off), X.amount), else_=0))
                            .label("verified"),
                            func.sum(case((and_(X.status == SUBMITTED, X.date <= cut_off), X.amount), else_=0))
                            .label("submitted"),
                            func.sum(case((X.status == VERIFIED, X.amount), else_=0)).label("verified_year"))
                     .where(X.commitment_id.in_(select(C.id).where(C.year == year)))  # the year's only
                     .group_by(X.commitment_id).subquery("x"))
    stmt = (select(func.count(C.id), func.coalesce(func.sum(C.amount), 0),
                   func.coalesce(func.sum(by_commitment.c.verified), 0),
                   func.coalesce(func.sum(by_commitment.c.submitted), 0),
                   func.coalesce(func.sum(by_commitment.c.verified_year), 0))
            .outerjoin(by_commitment, by_commitment.c.cid == C.id)
            .where(C.year == year))
    if agency_id is not None:
        stmt = stmt.where(C.activity_id.in_(select(Activity.id).where(Activity.agency_id == agency_id,
                                                                      Activity.year == year)))
    n, committed, verified, submitted, verified_year = db.session.execute(stmt).one()
    return {"committed": int(committed), "contributed_verified": int(verified),
            "contributed_submitted": int(submitted), "contributed_verified_year": int(verified_year),
            "commitments": int(n), "cut_off": cut_off, "scope": "agency" if agency_id is not None else "kabupaten"}


# ---- the evaluation ------------------------------------------------------------------------------------

def _totals_row(year: int, quarter: int, include_unverified: bool, agency_id: int | None):
    """The top-level figures in one row, nothing grouped per activity or OPD: the activities' budget,
    the counted reports' realisation summed directly, the indicators' roll-up columns."""
    R = ProgressReport
    activities = q_.activity_filter(
        select(func.count(Activity.id).label("n_activities"),
               func.coalesce(func.sum(Activity.effective_budget), 0).label("budget"),
               func.coalesce(func.sum(Activity.budget), 0).label("budget_original"),
               func.coalesce(q_.count_if(Activity.budget_revised.is_not(None)), 0).label("revised")),
        year, agency_id).subquery("a")
    realized = func.coalesce(R.budget_realized, 0)

    def total(expression, name: str):
        return func.coalesce(func.sum(expression), 0).label(name)

    money = (select(total(case((R.quarter == quarter, realized), else_=0), "realized_quarter"),
                    total(realized, "realized_cumulative"),
                    total(case((R.quarter < quarter, realized), else_=0), "realized_previous"),
                    total(case((R.status == SUBMITTED, 1), else_=0), "unverified"))
             .where(R.year == year, R.quarter <= quarter, R.status.in_(q_.counted_statuses(include_unverified)),
                    R.activity_id.in_(q_.activity_filter(select(Activity.id), year, agency_id)))
             .subquery("m"))
    values = q_.indicator_values(year, quarter, include_unverified, agency_id)
    base = q_.indicator_base(year, values, quarter, agency_id)
    indicators = select(*q_.indicator_rollup_columns(base)).subquery("i")
    return q_.execute(select(activities, money, indicators).select_from(activities)
                      .join(money, true()).join(indicators, true())).one()


def totals(year: int, quarter: int, *, agency_id: int | None = None, include_unverified: bool = False) -> dict:
    """Only the top-level numbers of ``evaluation`` (one query): budget, realisation, achievement."""
    check_quarter(quarter, year)
    total = _totals_row(year, quarter, include_unverified, agency_id)
    return {"year": year, "quarter": quarter, "agency_id": agency_id, "include_unverified": include_unverified,
            "activities": int(total.n_activities), "budget_revised_activities": int(total.revised),
            **_money_fields(total), **_previous(total, quarter), **_achievement_fields([total]),
            "unverified_included": int(total.unverified) > 0}


def _projection(rows: list, per_activity: dict) -> list[dict]:
    """Per activity with a rated indicator: its achievement and realisation as of the quarter (from the
    per-activity budget rows and indicator roll-up; the same figures as its activity row)."""
    out = []
    for r in rows:
        rolled = per_activity.get(r.activity_id)
        if rolled is None or not int(rolled.n_rated):
            continue
        out.append({"activity_id": r.activity_id, "code": r.code, "name": r.label, "agency_id": r.agency_id,
                    "agency_name": r.full_name, "budget": int(r.budget),
                    "achievement_pct": round_pct(float(rolled.sum_ach) / int(rolled.n_rated)),
                    "realization_pct": pct(int(r.realized_cumulative), int(r.budget))})
    return sorted(out, key=lambda p: p["activity_id"])


def _projection_of(activities: list[dict]) -> list[dict]:
    keys = ("activity_id", "code", "name", "agency_id", "agency_name", "budget", "achievement_pct", "realization_pct")
    return sorted(({k: a[k] for k in keys} for a in activities if a["achievement_pct"] is not None),
                  key=lambda p: p["activity_id"])


def evaluation(year: int, quarter: int, *, agency_id: int | None = None, include_unverified: bool = False,
               detail: bool = True, today: date | None = None, window: tuple[int, int] | None = None) -> dict:
    """The evaluation of ``year``/``quarter`` (see the module's definitions and /tmp/brief/evaluation.md
    for every field).  ``agency_id`` limits everything to one OPD — an OPD user's caller must pass
    their own (``scope_agency_id``).  ``detail=False`` leaves ``indicators`` and ``activities`` empty
    (and ``projection`` ``None``); ``window=(offset, limit)`` keeps them to one page of the activity
    list (``activities`` that slice, ``indicators`` those activities' indicators)."""
    check_quarter(quarter, year)
    today = today or jakarta_today()
    period = periods_for([year])[(year, quarter)]
    windowed = detail and window is not None
    rows = _budget_rollup(year, quarter, include_unverified, agency_id, per_activity=windowed)
    indicators, per_activity = _indicator_rollup(year, quarter, include_unverified, agency_id, per_activity=detail,
                                                 previous=quarter > 1)
    completeness = {c["agency_id"]: c for c in progress_queries.completeness(year, agency_id=agency_id,
                                                                            quarter=quarter, today=today)}

    total = next(r for r in rows if r.level == "total")
    agencies = []
    for row in sorted((r for r in rows if r.level == "agency"), key=lambda r: (r.label, r.agency_id)):
        cells = completeness.get(row.agency_id, {})
        agencies.append({
            "agency_id": row.agency_id, "agency_name": row.label, "agency_full_name": row.full_name,
            "agency_code": row.code, **_money_fields(row), **_previous(row, quarter),
            **{m: int(cells.get(m, 0)) for m in COMPLETENESS_MEASURES},
            "unverified_reports": int(row.unverified),
            **_achievement_fields([indicators[row.agency_id]] if row.agency_id in indicators else []),
        })
    strategies = [{"strategy": r.strategy, "name": r.label, "activities": int(r.n_activities), **_money_fields(r)}
                  for r in sorted((r for r in rows if r.level == "strategy"), key=lambda r: (r.sort_order, r.strategy))]
    result = {
        "year": year, "quarter": quarter, "agency_id": agency_id, "include_unverified": include_unverified,
        "unverified_included": int(total.unverified) > 0,
        "quarter_end": quarter_end(year, quarter), "due_date": period.due_date, "today": today,
        "activity_count": int(total.n_activities), "budget_revised_activities": int(total.revised),
        **_money_fields(total), **_previous(total, quarter),
        **_achievement_fields(list(indicators.values())),
        "previous_achievement_pct": _previous_achievement(list(indicators.values()), quarter),
        "completeness": {m: sum(a[m] for a in agencies) for m in COMPLETENESS_MEASURES},
        "agencies": agencies,
        "strategies": strategies,
        "csr": csr_figures(year, quarter, agency_id),
        "indicators": [],
        "activities": [],
        "window": window if windowed else None,
        "projection": None,
    }
    if detail:
        result["indicators"] = indicator_rows(year, quarter, include_unverified, agency_id, window)
        result["activities"] = activity_rows(year, quarter, include_unverified, agency_id, period, today,
                                             per_activity, window)
        result["projection"] = (_projection([r for r in rows if r.level == "activity"], per_activity) if windowed
                                else _projection_of(result["activities"]))
    return result
