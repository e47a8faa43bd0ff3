"""What the Rakor needs from the by-name lists, in SQL: per desa and kecamatan how many target households
(by desil) at least one program reached, who no program reached, who several OPDs counted for the
same kind of help, and who was reached outside the target list.

Definitions (the page and the Rakor report say them in words):
* a **target household** is an active row of the current target list in the region;
* **reached** in a year: at least one beneficiary row of that year matched to it by number
  (``exact``) or confirmed by a person; probable matches do not count until confirmed;
* **double counted**: a person (a matched household, else a NIK) on the lists of two or more OPDs
  under the same national strategy (the kind of help) in the year;
* **outside the target list**: people on the year's lists matched to no active household
  (``unmatched`` or ``rejected``), counted once per NIK (rows without a NIK once each).
"""

from __future__ import annotations

from sqlalchemy import String, and_, case, cast, distinct, exists, func, literal, select

from tracker.beneficiaries import regions
from tracker.beneficiaries.models import REACHED, REJECTED, UNMATCHED, Beneficiary, TargetHousehold
from tracker.extensions import db
from tracker.plans.models import Activity
from tracker.reference.models import Region


def reached_condition(year: int):
    return exists().where(Beneficiary.target_household_id == TargetHousehold.id,
                          Beneficiary.match_status.in_(REACHED), Beneficiary.year == year)


def household_conditions(region_id: int | None, scope):
    conditions = [TargetHousehold.active.is_(True)]
    inside = regions.within(region_id)
    if inside is not None:
        conditions.append(TargetHousehold.region_id.in_(inside))
    if scope is not None:
        conditions.append(TargetHousehold.region_id.in_(scope))
    return conditions


def _people(year: int, region_id: int | None, agency_id: int | None):
    conditions = [Beneficiary.year == year]
    inside = regions.within(region_id)
    if inside is not None:
        conditions.append(Beneficiary.region_id.in_(inside))
    if agency_id is not None:
        conditions.append(Beneficiary.activity_id.in_(select(Activity.id).where(Activity.agency_id == agency_id)))
    return conditions


def coverage(year: int, region_id: int | None = None, scope=None, agency_id: int | None = None) -> dict:
    """api.md ``GET /coverage``.  ``scope``: the desa an OPD user may see (``None`` = all);
    ``agency_id``: count only that OPD's lists for double counting and outside-the-list."""
    reached = case((reached_condition(year), 1), else_=0)
    conditions = household_conditions(region_id, scope)
    total, reached_total = db.session.execute(
        select(func.count(), func.coalesce(func.sum(reached), 0)).where(*conditions)).one()
    by_desil = [{"desil": desil, "target": target, "reached": int(hit)} for desil, target, hit in db.session.execute(
        select(TargetHousehold.desil, func.count(), func.coalesce(func.sum(reached), 0)).where(*conditions)
        .group_by(TargetHousehold.desil).order_by(TargetHousehold.desil))]
    # Below a kecamatan (or a desa) the rows are desa; for the whole kabupaten, kecamatan.
    group = TargetHousehold.region_id if region_id is not None else Region.parent_id
    query = select(group, func.count(), func.coalesce(func.sum(reached), 0)).select_from(TargetHousehold)
    if region_id is None:
        query = query.join(Region, Region.id == TargetHousehold.region_id)
    query = query.where(*conditions)
    by_region = [{"region_id": rid, "target": target, "reached": int(hit)}
                 for rid, target, hit in db.session.execute(query.group_by(group).order_by(group))]
    return {"target_households": total, "reached": int(reached_total), "unreached": total - int(reached_total),
            "by_desil": by_desil, "by_region": by_region,
            "double_counted": double_counted(year, region_id, agency_id),
            "outside_target": outside_target(year, region_id, agency_id)}


def _person_key():
    matched = Beneficiary.match_status.in_(REACHED)
    return case((matched, literal("h") + cast(Beneficiary.target_household_id, String)),
                else_=literal("n") + Beneficiary.nik_hash)


def double_counted(year: int, region_id: int | None = None, agency_id: int | None = None) -> int:
    key = _person_key().label("person")
    people = (select(key, Activity.strategy).join(Activity, Activity.id == Beneficiary.activity_id)
              .where(*_people(year, region_id, None), key.is_not(None))
              .group_by(key, Activity.strategy).having(func.count(distinct(Activity.agency_id)) >= 2))
    if agency_id is not None:
        # An OPD sees the people it shares with another OPD, not the others' pairs among themselves.
        people = people.having(func.sum(case((Activity.agency_id == agency_id, 1), else_=0)) >= 1)
    sub = people.subquery()
    return db.session.scalar(select(func.count(distinct(sub.c.person)))) or 0


def outside_target(year: int, region_id: int | None = None, agency_id: int | None = None) -> int:
    outside = and_(*_people(year, region_id, agency_id), Beneficiary.match_status.in_((UNMATCHED, REJECTED)))
    with_nik, without = db.session.execute(select(
        func.count(distinct(Beneficiary.nik_hash)),
        func.coalesce(func.sum(case((Beneficiary.nik_hash.is_(None), 1), else_=0)), 0)).where(outside)).one()
    return int(with_nik) + int(without)


def unreached(year: int, region_id: int | None = None, scope=None, desil: int | None = 1):
    """The active households no program reached in the year (desil 1 by default): the camat's list."""
    query = select(TargetHousehold).where(*household_conditions(region_id, scope), ~reached_condition(year))
    if desil is not None:
        query = query.where(TargetHousehold.desil == desil)
    return query.order_by(TargetHousehold.region_id, TargetHousehold.name_key, TargetHousehold.id)


def household_filter(region_id: int | None = None, desil: int | None = None, reached: bool | None = None,
                     year: int | None = None, scope=None):
    """``GET /target-households``: the conditions; ``reached`` needs a year."""
    conditions = household_conditions(region_id, scope)
    if desil is not None:
        conditions.append(TargetHousehold.desil == desil)
    if reached is not None and year is not None:
        conditions.append(reached_condition(year) if reached else ~reached_condition(year))
    return select(TargetHousehold).where(*conditions).order_by(TargetHousehold.region_id, TargetHousehold.name_key,
                                                               TargetHousehold.id)


def reached_by(household_ids: list[int], year: int | None = None) -> dict[int, list[int]]:
    """For each household, the activities that reached it (exact or confirmed), in one query."""
    if not household_ids:
        return {}
    query = select(Beneficiary.target_household_id, Beneficiary.activity_id).where(
        Beneficiary.target_household_id.in_(household_ids), Beneficiary.match_status.in_(REACHED)).distinct()
    if year is not None:
        query = query.where(Beneficiary.year == year)
    found: dict[int, list[int]] = {}
    for household_id, activity_id in db.session.execute(query.order_by(Beneficiary.activity_id)):
        found.setdefault(household_id, []).append(activity_id)
    return found
