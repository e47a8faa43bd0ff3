"""Read side of the action plans: filters, the activity list and the totals, all computed in SQL.

Every function takes the same ``PlanFilters`` and the caller's OPD scope, so the list, the totals
and the exports always describe the same set of activities.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from sqlalchemy import Float, and_, case, cast, distinct, func, literal, or_, select
from sqlalchemy.orm import aliased

from tracker.database import text_search
from tracker.extensions import db
from tracker.plans.models import FUNDING_CODES, Activity, Plan, activity_region
from tracker.plans.services import activity_options
from tracker.reference.models import Agency, FundingSource, Region, Strategy
from tracker.types import jakarta_now


@dataclass
class PlanFilters:
    year: int | None = None
    agency_id: int | None = None
    strategy: str | None = None
    funding_source: str | None = None
    region_id: int | None = None  # a kecamatan (its desa included) or a desa
    q: str | None = None

    def as_args(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v not in (None, "")}


def where_clauses(filters: PlanFilters, scope: int | None) -> list:
    """SQL conditions for the filters; ``scope`` (an agency user's OPD) always applies."""
    clauses = []
    if scope is not None:
        clauses.append(Activity.agency_id == scope)
    if filters.agency_id is not None:
        clauses.append(Activity.agency_id == filters.agency_id)
    if filters.year is not None:
        clauses.append(Activity.year == filters.year)
    if filters.strategy:
        clauses.append(Activity.strategy == filters.strategy)
    if filters.funding_source:
        clauses.append(Activity.funding_source == filters.funding_source)
    if filters.region_id is not None:
        located = (
            select(activity_region.c.activity_id)
            .join(Region, Region.id == activity_region.c.region_id)
            .where(or_(Region.id == filters.region_id, Region.parent_id == filters.region_id))
        )
        clauses.append(Activity.id.in_(located))
    if filters.q:
        clauses.append(text_search(filters.q.strip(), Activity.name, Activity.code, Activity.program,
                                   Activity.kegiatan))
    return clauses


def activities_statement(filters: PlanFilters, scope: int | None):
    """The filtered activities, ordered like the SIPD nomenclature, with everything a list shows."""
    return (
        select(Activity)
        .join(Agency, Agency.id == Activity.agency_id)
        .where(*where_clauses(filters, scope))
        .order_by(Activity.year, Agency.code, Activity.code, Activity.id)
        .options(*activity_options())
    )


def _sums():
    return (func.count(Activity.id).label("activities"),
            func.coalesce(func.sum(Activity.budget), 0).label("budget"),
            func.coalesce(func.sum(Activity.effective_budget), 0).label("effective_budget"))


def _row(r, **extra) -> dict:
    return {**extra, "activities": int(r.activities), "budget": int(r.budget),
            "effective_budget": int(r.effective_budget)}


def grand_total(filters: PlanFilters, scope: int | None) -> dict:
    revised = func.coalesce(func.sum(case((Activity.budget_revised.is_not(None), 1), else_=0)), 0).label("revised")
    r = db.session.execute(select(*_sums(), revised).where(*where_clauses(filters, scope))).one()
    return {**_row(r), "revised": int(r.revised)}


def totals_by_agency(filters: PlanFilters, scope: int | None) -> list[dict]:
    """One row per OPD with activities in the filter, with its plan's status for the filtered year."""
    plan_join = and_(Plan.agency_id == Activity.agency_id, Plan.year == Activity.year)
    stmt = (
        select(Agency.id, Agency.code, Agency.short_name, Agency.name, *_sums(),
               func.max(case((Plan.status == "agreed", 1), else_=0)).label("agreed"),
               func.min(case((Plan.status == "agreed", 1), else_=0)).label("all_agreed"))
        .join(Activity, Activity.agency_id == Agency.id)
        .outerjoin(Plan, plan_join)
        .where(*where_clauses(filters, scope))
        .group_by(Agency.id, Agency.code, Agency.short_name, Agency.name)
        .order_by(Agency.code)
    )
    return [_row(r, agency_id=r.id, code=r.code, short_name=r.short_name, name=r.name,
                 status="agreed" if r.all_agreed else ("partly" if r.agreed else "draft"))
            for r in db.session.execute(stmt)]


def totals_by_strategy(filters: PlanFilters, scope: int | None) -> list[dict]:
    stmt = (select(Activity.strategy, *_sums()).where(*where_clauses(filters, scope))
            .group_by(Activity.strategy).order_by(Activity.strategy))
    names = dict(db.session.execute(select(Strategy.code, Strategy.name)).all())
    return [_row(r, strategy=r.strategy, name=names.get(r.strategy, r.strategy)) for r in db.session.execute(stmt)]


def totals_by_funding(filters: PlanFilters, scope: int | None) -> list[dict]:
    stmt = (select(Activity.funding_source, *_sums()).where(*where_clauses(filters, scope))
            .group_by(Activity.funding_source))
    names = dict(db.session.execute(select(FundingSource.code, FundingSource.name)).all())
    order = {code: i for i, code in enumerate(FUNDING_CODES)}
    rows = [_row(r, funding_source=r.funding_source, name=names.get(r.funding_source, r.funding_source))
            for r in db.session.execute(stmt)]
    return sorted(rows, key=lambda row: order.get(row["funding_source"], 99))


def totals_by_kecamatan(filters: PlanFilters, scope: int | None) -> list[dict]:
    """Pagu per kecamatan; an activity in several kecamatan is split equally between them, so the
    kecamatan figures add up to the plan's total.  A desa counts for its kecamatan."""
    kec_id = case((Region.level == "kecamatan", Region.id), else_=Region.parent_id)
    located = (
        select(activity_region.c.activity_id.label("activity_id"), kec_id.label("kecamatan_id"))
        .join(Region, Region.id == activity_region.c.region_id)
        .join(Activity, Activity.id == activity_region.c.activity_id)
        .where(*where_clauses(filters, scope))
        .distinct()
        .subquery("located")
    )
    shares = (
        select(located.c.activity_id, func.count().label("n"))
        .group_by(located.c.activity_id)
        .subquery("shares")
    )
    kec = aliased(Region)
    share = cast(literal(1.0), Float) / shares.c.n
    stmt = (
        select(kec.id, kec.code, kec.name,
               func.count(distinct(located.c.activity_id)).label("activities"),
               func.sum(cast(Activity.budget, Float) * share).label("budget"),
               func.sum(cast(Activity.effective_budget, Float) * share).label("effective_budget"))
        .select_from(located)
        .join(shares, shares.c.activity_id == located.c.activity_id)
        .join(Activity, Activity.id == located.c.activity_id)
        .join(kec, kec.id == located.c.kecamatan_id)
        .group_by(kec.id, kec.code, kec.name)
        .order_by(kec.code)
    )
    return [{"region_id": r.id, "code": r.code, "name": r.name, "activities": int(r.activities),
             "budget": round(r.budget or 0), "effective_budget": round(r.effective_budget or 0)}
            for r in db.session.execute(stmt)]


def years_with_plans(scope: int | None) -> list[int]:
    stmt = select(distinct(Activity.year))
    if scope is not None:
        stmt = stmt.where(Activity.agency_id == scope)
    return sorted(db.session.scalars(stmt), reverse=True)


def default_year(years: list[int]) -> int:
    """The year a page opens on: the calendar year (Jakarta) when it has plans, else the latest earlier
    year that has them (a newcomer lands on data, not on an empty year), else the earliest later one."""
    now = jakarta_now().year
    if now in years or not years:
        return now
    past = [y for y in years if y <= now]
    return max(past) if past else min(years)
