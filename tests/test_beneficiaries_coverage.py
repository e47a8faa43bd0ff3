"""The coverage figures (SQL) against a plain-Python reference over random lists, on whichever database
the suite runs on: target households, reached, by desil, by region, double counting, outside the list."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import date

import pytest

from tests.progress_helpers import make_activity
from tracker.beneficiaries import coverage
from tracker.beneficiaries.models import MATCH_STATUSES, REACHED, Beneficiary, TargetHousehold, TargetList
from tracker.extensions import db

YEAR = 2025


def _world(seed: int, kabupaten, make_agency):
    rng = random.Random(seed)
    desa = kabupaten["desa"]
    agencies = [make_agency() for _ in range(3)]
    activities = []
    for agency in agencies:
        for strategy in ("S1", "S2"):
            activity = make_activity(agency, year=YEAR)
            activity.strategy = strategy
            activities.append(activity)
    db.session.commit()
    target_list = TargetList(source="DTSEN", as_of=date(2025, 1, 1))
    db.session.add(target_list)
    db.session.flush()
    households = []
    for i in range(rng.randint(5, 40)):
        households.append(TargetHousehold(
            nik_hash=f"h{seed}-{i}", nik_sealed="x", nik_masked="6202********0001", name=f"W {i}", name_key=f"W {i}",
            region_id=rng.choice(desa).id, desil=rng.randint(1, 4), active=rng.random() > 0.15,
            first_list_id=target_list.id, last_list_id=target_list.id))
    db.session.add_all(households)
    db.session.flush()
    niks = [f"n{seed}-{i}" for i in range(15)] + [None]
    people = []
    for _ in range(rng.randint(0, 80)):
        status = rng.choice(MATCH_STATUSES)
        household = rng.choice(households) if status != "unmatched" and status != "rejected" else None
        people.append(Beneficiary(
            activity_id=rng.choice(activities).id, year=rng.choice((YEAR, YEAR, YEAR - 1)), quarter=rng.randint(1, 4),
            nik_hash=rng.choice(niks), nik_status="valid", name="B", name_key="B", region_id=rng.choice(desa).id,
            match_status=status, target_household_id=household.id if household else None))
    db.session.add_all(people)
    db.session.commit()
    return households, people, {a.id: a for a in activities}


def _reference(households, people, activities, desa_parent, region_ids=None, scope=None, agency_id=None):
    def inside(region_id):
        return (region_ids is None or region_id in region_ids) and (scope is None or region_id in scope)

    year_people = [p for p in people if p.year == YEAR]
    reached_ids = {p.target_household_id for p in year_people if p.match_status in REACHED}
    targets = [h for h in households if h.active and inside(h.region_id)]
    by_desil, by_region = defaultdict(lambda: [0, 0]), defaultdict(lambda: [0, 0])
    for h in targets:
        hit = int(h.id in reached_ids)
        by_desil[h.desil][0] += 1
        by_desil[h.desil][1] += hit
        key = h.region_id if region_ids is not None else desa_parent[h.region_id]
        by_region[key][0] += 1
        by_region[key][1] += hit
    counted = [p for p in year_people if region_ids is None or p.region_id in region_ids]
    agencies_of = defaultdict(set)
    for p in counted:
        key = f"h{p.target_household_id}" if p.match_status in REACHED else (f"n{p.nik_hash}" if p.nik_hash else None)
        if key is not None:
            agencies_of[(key, activities[p.activity_id].strategy)].add(activities[p.activity_id].agency_id)
    doubled = {key for (key, _), found in agencies_of.items()
               if len(found) >= 2 and (agency_id is None or agency_id in found)}
    own = [p for p in counted if agency_id is None or activities[p.activity_id].agency_id == agency_id]
    outside = [p for p in own if p.match_status in ("unmatched", "rejected")]
    reached = sum(1 for h in targets if h.id in reached_ids)
    return {"target_households": len(targets), "reached": reached, "unreached": len(targets) - reached,
            "by_desil": [{"desil": d, "target": t, "reached": r} for d, (t, r) in sorted(by_desil.items())],
            "by_region": [{"region_id": k, "target": t, "reached": r} for k, (t, r) in sorted(by_region.items())],
            "double_counted": len(doubled),
            "outside_target": len({p.nik_hash for p in outside if p.nik_hash}) +
            sum(1 for p in outside if p.nik_hash is None)}


@pytest.mark.parametrize("seed", range(8))
def test_coverage_matches_the_reference(seed, kabupaten, make_agency):
    households, people, activities = _world(seed, kabupaten, make_agency)
    parent = {d.id: d.parent_id for d in kabupaten["desa"]}
    assert coverage.coverage(YEAR) == _reference(households, people, activities, parent)
    kecamatan = kabupaten["kecamatan"][0]
    inside = {d.id for d in kabupaten["desa"] if d.parent_id == kecamatan.id}
    assert coverage.coverage(YEAR, kecamatan.id) == _reference(households, people, activities, parent, inside)
    one_desa = kabupaten["desa"][3].id
    assert coverage.coverage(YEAR, one_desa) == _reference(households, people, activities, parent, {one_desa})
    agency_id = next(iter(activities.values())).agency_id
    scope = {kabupaten["desa"][0].id, kabupaten["desa"][2].id}
    scoped = coverage.coverage(YEAR, scope=sorted(scope), agency_id=agency_id)
    assert scoped == _reference(households, people, activities, parent, None, scope, agency_id)


def test_unreached_lists_the_desil_one_households_no_program_reached(kabupaten, make_agency):
    households, people, _ = _world(3, kabupaten, make_agency)
    reached = {p.target_household_id for p in people if p.year == YEAR and p.match_status in REACHED}
    expected = sorted(h.id for h in households if h.active and h.desil == 1 and h.id not in reached)
    found = sorted(h.id for h in db.session.scalars(coverage.unreached(YEAR)))
    assert found == expected


def test_nothing_on_the_list_gives_zeros_not_errors(kabupaten):
    assert coverage.coverage(YEAR) == {"target_households": 0, "reached": 0, "unreached": 0, "by_desil": [],
                                       "by_region": [], "double_counted": 0, "outside_target": 0}
    assert Counter() == Counter(db.session.scalars(coverage.unreached(YEAR)))
