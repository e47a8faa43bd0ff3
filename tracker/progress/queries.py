"""Read-only lists and counts of the progress feature, computed in SQL with a bounded number of queries:
the quarter list, the review queue and the completeness board (OPD × quarter)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Integer, and_, case, func, literal, or_, select, union_all

from tracker.auth.models import User
from tracker.database import text_search
from tracker.extensions import db
from tracker.periods import services as periods
from tracker.periods.services import deadline, periods_for
from tracker.periods.services import today as jakarta_today
from tracker.plans.models import Activity, Indicator
from tracker.progress.models import (
    DRAFT,
    RETURNED,
    SUBMITTED,
    VERIFIED,
    Attachment,
    IndicatorValue,
    ProgressEvent,
    ProgressReport,
)
from tracker.reference.models import Agency
from tracker.types import UTCDateTime

STATUS_FILTERS = ("missing", DRAFT, SUBMITTED, RETURNED, VERIFIED)


@dataclass
class Page:
    """What ``_macros/pagination.html`` needs, for lists that are not a single ORM entity."""

    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.total else 0

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int | None:
        return self.page - 1 if self.has_prev else None

    @property
    def next_num(self) -> int | None:
        return self.page + 1 if self.has_next else None

    def iter_pages(self, edge: int = 2, around: int = 2):
        last = 0
        for num in range(1, self.pages + 1):
            if num <= edge or num > self.pages - edge or abs(num - self.page) <= around:
                if last + 1 != num:
                    yield None
                yield num
                last = num


def _paginate(stmt, page: int, per_page: int) -> Page:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    rows = db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(items=list(rows), total=total, page=page, per_page=per_page)


# ---- the quarter list ---------------------------------------------------------------------------------

def _report_join(year: int, quarter):
    R = ProgressReport
    return and_(R.activity_id == Activity.id, R.year == year, R.quarter == quarter)


def quarter_rows(year: int, quarter: int, *, agency_id: int | None = None, status: str | None = None,
                 search: str | None = None, page: int = 1, per_page: int = 50) -> Page:
    """Every activity of the quarter with its report's status; returned items first, then what is
    still to do, then submitted and verified ones."""
    R = ProgressReport
    n_indicators = (select(func.count(Indicator.id)).where(Indicator.activity_id == Activity.id)
                    .correlate(Activity).scalar_subquery())
    n_values = (select(func.count()).select_from(IndicatorValue).where(IndicatorValue.report_id == R.id)
                .correlate(R).scalar_subquery())
    n_files = (select(func.count(Attachment.id)).where(Attachment.report_id == R.id).correlate(R).scalar_subquery())
    rank = case((R.status == RETURNED, 0), (R.id.is_(None), 1), (R.status == DRAFT, 1), (R.status == SUBMITTED, 2),
                else_=3)
    stmt = (
        select(Activity.id.label("activity_id"), Activity.code, Activity.name, Activity.agency_id,
               Activity.budget, Activity.budget_revised, Agency.short_name.label("agency_name"),
               R.id.label("report_id"), R.status, R.updated_at, R.first_submitted_at, R.submitted_at,
               R.review_comment, R.version, R.budget_realized, R.physical_progress, R.beneficiaries_reached,
               n_indicators.label("n_indicators"), n_values.label("n_values"), n_files.label("n_files"))
        .select_from(Activity)
        .join(Agency, Agency.id == Activity.agency_id)
        .outerjoin(R, _report_join(year, quarter))
        .where(Activity.year == year)
        .order_by(rank, Agency.short_name, Activity.code, Activity.id)
    )
    if agency_id is not None:
        stmt = stmt.where(Activity.agency_id == agency_id)
    if status == "missing":
        stmt = stmt.where(R.id.is_(None))
    elif status:
        stmt = stmt.where(R.status == status)
    if search:
        stmt = stmt.where(text_search(search.strip(), Activity.name, Activity.code))
    return _paginate(stmt, page, per_page)


def row_complete(row) -> bool:
    return (row.report_id is not None and row.budget_realized is not None and row.physical_progress is not None
            and row.beneficiaries_reached is not None and (row.n_values or 0) >= (row.n_indicators or 0))


def row_late(row, period, today: date | None = None) -> bool:
    if row.first_submitted_at is not None:
        return row.first_submitted_at >= deadline(period)
    return periods.is_late(period, today)


def status_counts(year: int, quarter: int, agency_id: int | None = None) -> dict[str, int]:
    R = ProgressReport
    bucket = func.coalesce(R.status, "missing")
    stmt = (select(bucket, func.count()).select_from(Activity).outerjoin(R, _report_join(year, quarter))
            .where(Activity.year == year).group_by(bucket))
    if agency_id is not None:
        stmt = stmt.where(Activity.agency_id == agency_id)
    counts = {name: 0 for name in STATUS_FILTERS}
    counts.update({name: n for name, n in db.session.execute(stmt)})
    counts["total"] = sum(counts[n] for n in STATUS_FILTERS)
    return counts


def returned_items(year: int, quarter: int, agency_id: int | None = None) -> list:
    """Returned reports with the reviewer's comment, for the top of the quarter page."""
    R = ProgressReport
    stmt = (select(Activity.id.label("activity_id"), Activity.code, Activity.name, R.review_comment, R.returned_at)
            .join(Activity, Activity.id == R.activity_id)
            .where(R.year == year, R.quarter == quarter, R.status == RETURNED)
            .order_by(R.returned_at.desc()).limit(100))
    if agency_id is not None:
        stmt = stmt.where(Activity.agency_id == agency_id)
    return db.session.execute(stmt).all()


# ---- the review queue ---------------------------------------------------------------------------------

def review_queue(*, year: int | None = None, quarter: int | None = None, agency_id: int | None = None,
                 page: int = 1, per_page: int = 25) -> Page:
    """Submitted reports, oldest submission first; items are (report, code, name, agency_name)."""
    R = ProgressReport
    stmt = (select(R, Activity.code, Activity.name, Agency.short_name.label("agency_name"))
            .join(Activity, Activity.id == R.activity_id)
            .join(Agency, Agency.id == Activity.agency_id)
            .where(R.status == SUBMITTED)
            .order_by(R.submitted_at, R.id))
    if year is not None:
        stmt = stmt.where(R.year == year)
    if quarter is not None:
        stmt = stmt.where(R.quarter == quarter)
    if agency_id is not None:
        stmt = stmt.where(Activity.agency_id == agency_id)
    return _paginate(stmt, page, per_page)


# ---- the completeness board ---------------------------------------------------------------------------

BOARD_MEASURES = ("activities", "reported", "verified", "submitted", "returned", "draft", "missing", "late")


def _measures(quarters):
    R = ProgressReport

    def count_if(condition):
        return func.sum(case((condition, 1), else_=0))

    late = or_(R.first_submitted_at >= quarters.c.deadline,
               and_(R.first_submitted_at.is_(None), quarters.c.overdue == 1))
    return [func.count(Activity.id).label("activities"),
            count_if(R.status.in_([SUBMITTED, VERIFIED])).label("reported"),
            count_if(R.status == VERIFIED).label("verified"),
            count_if(R.status == SUBMITTED).label("submitted"),
            count_if(R.status == RETURNED).label("returned"),
            count_if(R.status == DRAFT).label("draft"),
            count_if(or_(R.id.is_(None), R.status == DRAFT)).label("missing"),
            count_if(late).label("late")]


def _quarters(years, today: date, only: int | None = None):
    """A small derived table: one row per (year, quarter) with its deadline and whether it has passed
    (``only``: just that quarter, so the join reads a quarter's reports rather than the year's)."""
    pmap = periods_for(years)
    return union_all(*[
        select(literal(year, Integer()).label("year"), literal(q, Integer()).label("quarter"),
               literal(deadline(pmap[(year, q)]), UTCDateTime()).label("deadline"),
               literal(1 if periods.is_late(pmap[(year, q)], today) else 0, Integer()).label("overdue"))
        for year in sorted(set(years)) for q in ((only,) if only else (1, 2, 3, 4))
    ]).subquery("q")


def _base(quarters, columns, agency_id: int | None):
    R = ProgressReport
    stmt = (select(*columns, *_measures(quarters))
            .select_from(Activity)
            .join(quarters, quarters.c.year == Activity.year)
            .outerjoin(R, and_(R.activity_id == Activity.id, R.year == Activity.year,
                               R.quarter == quarters.c.quarter)))
    if agency_id is not None:
        stmt = stmt.where(Activity.agency_id == agency_id)
    return stmt


def completeness(year: int, *, agency_id: int | None = None, quarter: int | None = None,
                 today: date | None = None) -> list[dict]:
    """OPD × quarter counts in one GROUP BY.

    reported = submitted + verified (with Bappeda); missing = nothing written yet or still a draft;
    activities = reported + returned + missing.  late = first submitted after the due date, or not
    submitted yet and the due date has passed.
    """
    quarters = _quarters([year], today or jakarta_today(), only=quarter)
    stmt = (_base(quarters, [Activity.agency_id, Agency.short_name, Agency.name, quarters.c.quarter], agency_id)
            .join(Agency, Agency.id == Activity.agency_id)
            .group_by(Activity.agency_id, Agency.short_name, Agency.name, quarters.c.quarter)
            .order_by(Agency.short_name, quarters.c.quarter))
    return [
        {"agency_id": row.agency_id, "agency_name": row.short_name, "agency_full_name": row.name, "year": year,
         "quarter": row.quarter, **{m: int(getattr(row, m) or 0) for m in BOARD_MEASURES}}
        for row in db.session.execute(stmt)
    ]


def completeness_totals(years, *, agency_id: int | None = None, today: date | None = None) -> dict[tuple[int, int], dict]:
    """The same counts summed over OPDs, per (year, quarter), for several years in two small queries:
    activities per year, and the reports grouped by quarter and status (the missing ones are the
    difference), so the overview never joins every activity with every quarter."""
    years = sorted(set(years))
    totals = {(y, q): dict.fromkeys(BOARD_MEASURES, 0) for y in years for q in (1, 2, 3, 4)}
    if not years:
        return totals
    today = today or jakarta_today()
    activities_stmt = select(Activity.year, func.count()).where(Activity.year.in_(years)).group_by(Activity.year)
    if agency_id is not None:
        activities_stmt = activities_stmt.where(Activity.agency_id == agency_id)
    activities = dict(db.session.execute(activities_stmt).all())
    quarters = _quarters(years, today)
    R = ProgressReport
    stmt = (select(R.year, R.quarter, R.status, func.count().label("n"),
                   func.sum(case((R.first_submitted_at.is_not(None), 1), else_=0)).label("submitted_ever"),
                   func.sum(case((R.first_submitted_at >= quarters.c.deadline, 1), else_=0)).label("late_submitted"))
            .join(quarters, and_(quarters.c.year == R.year, quarters.c.quarter == R.quarter))
            .where(R.year.in_(years))
            .group_by(R.year, R.quarter, R.status))
    if agency_id is not None:
        stmt = stmt.join(Activity, Activity.id == R.activity_id).where(Activity.agency_id == agency_id)
    pmap = periods_for(years)
    ever: dict[tuple[int, int], int] = {}
    for row in db.session.execute(stmt):
        cell = totals[(row.year, row.quarter)]
        cell[row.status] += row.n
        cell["late"] += int(row.late_submitted or 0)
        ever[(row.year, row.quarter)] = ever.get((row.year, row.quarter), 0) + int(row.submitted_ever or 0)
    for (year, quarter), cell in totals.items():
        cell["activities"] = activities.get(year, 0)
        cell["reported"] = cell[SUBMITTED] + cell[VERIFIED]
        cell["missing"] = cell["activities"] - cell["reported"] - cell[RETURNED]
        if periods.is_late(pmap[(year, quarter)], today):
            cell["late"] += cell["activities"] - ever.get((year, quarter), 0)
    return totals


def board(year: int, *, agency_id: int | None = None, today: date | None = None) -> dict:
    """The completeness cells grouped per OPD, with totals per quarter, for the page."""
    cells = completeness(year, agency_id=agency_id, today=today)
    agencies: dict[int, dict] = {}
    totals = {q: {m: 0 for m in BOARD_MEASURES} for q in (1, 2, 3, 4)}
    for cell in cells:
        entry = agencies.setdefault(cell["agency_id"], {"agency_id": cell["agency_id"], "name": cell["agency_name"],
                                                        "full_name": cell["agency_full_name"], "quarters": {}})
        entry["quarters"][cell["quarter"]] = cell
        for m in BOARD_MEASURES:
            totals[cell["quarter"]][m] += cell[m]
    return {"agencies": list(agencies.values()), "totals": totals, "periods": periods_for([year])}


def activities_with_reports(activity_ids: list[int]) -> set[int]:
    """The ids among ``activity_ids`` that have at least one quarterly report (lent to plans)."""
    return set(db.session.scalars(
        select(ProgressReport.activity_id).where(ProgressReport.activity_id.in_(activity_ids)).distinct()))


def report_keys(*, year: int | None = None, quarter: int | None = None, agency_id: int | None = None,
                status: str | None = None, activity_id: int | None = None):
    """(activity_id, year, quarter) of the stored reports that match, in list order."""
    stmt = select(ProgressReport.activity_id, ProgressReport.year, ProgressReport.quarter).join(
        Activity, Activity.id == ProgressReport.activity_id)
    for column, value in ((ProgressReport.year, year), (ProgressReport.quarter, quarter),
                          (Activity.agency_id, agency_id), (ProgressReport.status, status),
                          (ProgressReport.activity_id, activity_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    return stmt.order_by(ProgressReport.year, ProgressReport.quarter, Activity.agency_id, Activity.code,
                         ProgressReport.id)


def report_events(report_id: int | None, *, newest_first: bool = False) -> list:
    """The report's history: (event, username, full name) rows, oldest first unless asked otherwise."""
    if report_id is None:
        return []
    order = (ProgressEvent.at.desc(), ProgressEvent.id.desc()) if newest_first else (ProgressEvent.at, ProgressEvent.id)
    return db.session.execute(
        select(ProgressEvent, User.username, User.full_name).outerjoin(User, User.id == ProgressEvent.user_id)
        .where(ProgressEvent.report_id == report_id).order_by(*order)).all()
