"""The by-name section of the Rakor report (PDF and workbook): the target list's coverage by desil and
per kecamatan, the desil-1 households no program reached, double counting and people outside the
list.  Plain data, no names or numbers of people (the report is carried out of the room); the
lists by name stay on the pages, for the roles allowed.

``None`` when there is no target list.  For one OPD the figures cover the desa its activities
cover, and double counting / outside-the-list count that OPD's lists.  Four queries, whatever the
size of the lists.
"""

from __future__ import annotations

from sqlalchemy import case, func, select

from tracker.beneficiaries import coverage, regions
from tracker.beneficiaries.models import PROBABLE, Beneficiary, TargetHousehold, TargetList
from tracker.extensions import db
from tracker.plans.models import Activity
from tracker.reference.models import Region

# Every model the section reads (the report cache key).
SOURCES = (TargetList, TargetHousehold, Beneficiary)


def _pct(part: int, whole: int) -> float | None:
    return round(part * 100 / whole, 2) if whole else None


def rakor_section(year: int, agency_id: int | None = None) -> dict | None:
    latest = db.session.execute(select(TargetList.source, TargetList.as_of, TargetList.rows)
                                .order_by(TargetList.id.desc()).limit(1)).first()
    if latest is None:
        return None
    scope = regions.covered_desa(agency_id) if agency_id is not None else None
    figures = coverage.coverage(year, scope=scope, agency_id=agency_id)
    reached = case((coverage.reached_condition(year), 1), else_=0)
    desil_one = case((TargetHousehold.desil == 1, 1), else_=0)
    desil_one_unreached = case(((TargetHousehold.desil == 1) & ~coverage.reached_condition(year), 1), else_=0)
    kecamatan = Region.__table__.alias("kecamatan")
    rows = db.session.execute(
        select(kecamatan.c.code, kecamatan.c.name, func.count(), func.sum(reached), func.sum(desil_one),
               func.sum(desil_one_unreached))
        .select_from(TargetHousehold).join(Region, Region.id == TargetHousehold.region_id)
        .join(kecamatan, kecamatan.c.id == Region.parent_id)
        .where(*coverage.household_conditions(None, scope))
        .group_by(kecamatan.c.code, kecamatan.c.name).order_by(kecamatan.c.code)).all()
    probable = select(func.count()).select_from(Beneficiary).where(Beneficiary.year == year,
                                                                  Beneficiary.match_status == PROBABLE)
    if agency_id is not None:
        probable = probable.where(Beneficiary.activity_id.in_(select(Activity.id).where(Activity.agency_id == agency_id)))
    total, hit = figures["target_households"], figures["reached"]
    return {
        "list": {"source": latest.source, "as_of": latest.as_of, "rows": latest.rows},
        "totals": {"target": total, "reached": hit, "unreached": figures["unreached"], "reached_pct": _pct(hit, total),
                   "double_counted": figures["double_counted"], "outside_target": figures["outside_target"],
                   "probable": db.session.scalar(probable) or 0},
        "by_desil": [{**r, "unreached": r["target"] - r["reached"], "reached_pct": _pct(r["reached"], r["target"])}
                     for r in figures["by_desil"]],
        "kecamatan": [{"code": code, "name": name, "target": target, "reached": int(r or 0),
                       "unreached": target - int(r or 0), "reached_pct": _pct(int(r or 0), target),
                       "desil1": int(d1 or 0), "desil1_unreached": int(d1u or 0)}
                      for code, name, target, r, d1, d1u in rows],
        "desil1_unreached": sum(int(d1u or 0) for *_, d1u in rows),
    }
