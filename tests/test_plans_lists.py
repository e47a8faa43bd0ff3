"""Plan lists: bounded queries, filters, pagination, and totals equal to a plain-Python computation."""

from __future__ import annotations

import random
from collections import defaultdict

from sqlalchemy import insert, select

from tests.conftest import count_queries
from tests.test_plans_support import YEAR, api, create, world  # noqa: F401
from tracker.extensions import db
from tracker.plans.models import Activity, BudgetRevision, Indicator, Plan, activity_region
from tracker.reference.models import Region

STRATEGIES = ("S1", "S2", "S3")
FUNDING = ("APBD_KAB", "APBD_PROV", "DAK", "DANA_DESA", "CSR")


def _bulk(world, n: int, seed: int = 7) -> list[int]:
    """n activities spread over both OPDs, with indicators, locations and some revisions."""
    rng = random.Random(seed)
    kab = world["kabupaten"]
    regions = kab["kecamatan"] + kab["desa"]
    agencies = [world["agency_a"].id, world["agency_b"].id]
    ids = []
    for i in range(n):
        budget = rng.randint(50, 2000) * 1_000_000 + rng.randint(0, 999) * 1000
        revised = budget + rng.randint(-20, 20) * 1_000_000 if i % 4 == 0 else None
        activity_id = db.session.scalar(insert(Activity).returning(Activity.id), {
            "agency_id": agencies[i % 2], "year": YEAR if i % 5 else YEAR - 1, "program": f"Program {i % 3}",
            "kegiatan": "Kegiatan", "code": f"1.06.0{i % 9 + 1}.2.01.{i + 1:04d}",
            "name": ("Bedah Rumah " if i % 3 == 0 else "Bantuan ") + str(i),
            "strategy": STRATEGIES[i % 3], "funding_source": FUNDING[i % len(FUNDING)], "budget": budget,
            "budget_revised": revised, "target_beneficiaries": 10, "beneficiary_unit": "KK"})
        db.session.execute(insert(Indicator), [
            {"activity_id": activity_id, "position": p, "name": f"Ind {p}", "unit": "KK", "aggregation": "sum",
             "target": 4.0, "target_q1": 1.0, "target_q2": 1.0, "target_q3": 1.0, "target_q4": 1.0 + (p == 1)}
            for p in range(2)])
        picked = rng.sample(regions, k=rng.choice([1, 2, 3]))
        db.session.execute(insert(activity_region), [{"activity_id": activity_id, "region_id": r.id} for r in picked])
        if revised is not None:
            db.session.execute(insert(BudgetRevision), [{"activity_id": activity_id, "old_budget": budget,
                                                         "new_budget": revised, "reason": "APBD-P"}])
        ids.append(activity_id)
    if db.session.scalar(select(Plan.id).where(Plan.agency_id == world["agency_a"].id, Plan.year == YEAR)) is None:
        db.session.execute(insert(Plan), [{"agency_id": world["agency_a"].id, "year": YEAR, "status": "agreed"}])
    db.session.commit()
    return ids


def _queries(client, path) -> int:
    client.get(path)  # warm-up: the first call of a token or session may write its last-use time
    with count_queries() as statements:
        response = client.get(path)
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return len(statements)


def test_query_count_does_not_grow_with_the_plan(world, client_as, api_as):
    browser = client_as(world["coordinator"])
    agency_browser = client_as(world["user_a"])
    token = api_as(world["coordinator"])
    pages = [(browser, f"/plans/?year={YEAR}"), (browser, f"/plans/?year={YEAR}&q=rumah&strategy=S1"),
             (browser, f"/plans/?year={YEAR}&agency_id={world['agency_a'].id}"),
             (agency_browser, f"/plans/?year={YEAR}"), (token, f"/api/v1/activities?year={YEAR}"),
             (token, f"/api/v1/activities?year={YEAR}&per_page=500"), (token, f"/api/v1/plan-totals?year={YEAR}"),
             (token, f"/api/v1/plans?year={YEAR}")]
    ids = _bulk(world, 6)  # every page above shows at least one activity
    small = [_queries(c, p) for c, p in pages]
    detail_small = _queries(browser, f"/plans/activities/{ids[1]}")
    _bulk(world, 60, seed=8)
    large = [_queries(c, p) for c, p in pages]
    ids = _bulk(world, 1, seed=9)
    assert large == small, list(zip([p for _c, p in pages], small, large))
    assert _queries(browser, f"/plans/activities/{ids[0]}") == detail_small
    assert max(small) <= 25, small


def test_totals_equal_a_plain_python_computation(world, api):
    _bulk(world, 40)
    db.session.expire_all()
    rows = db.session.scalars(select(Activity).where(Activity.year == YEAR)).all()
    regions = {r.id: r for r in db.session.scalars(select(Region))}
    links = defaultdict(set)
    for activity_id, region_id in db.session.execute(select(activity_region.c.activity_id, activity_region.c.region_id)):
        region = regions[region_id]
        links[activity_id].add(region.id if region.level == "kecamatan" else region.parent_id)

    def effective(a):
        return a.budget_revised if a.budget_revised is not None else a.budget

    expected = {"budget": sum(a.budget for a in rows), "effective_budget": sum(effective(a) for a in rows),
                "activities": len(rows), "revised": sum(a.budget_revised is not None for a in rows)}
    by = {"agencies": defaultdict(lambda: [0, 0, 0]), "strategies": defaultdict(lambda: [0, 0, 0]),
          "funding_sources": defaultdict(lambda: [0, 0, 0])}
    kec = defaultdict(lambda: [0, 0.0, 0.0])
    for a in rows:
        for key, value in (("agencies", str(a.agency_id)), ("strategies", a.strategy), ("funding_sources", a.funding_source)):
            by[key][value][0] += 1
            by[key][value][1] += a.budget
            by[key][value][2] += effective(a)
        for k in links[a.id]:
            kec[str(k)][0] += 1
            kec[str(k)][1] += a.budget / len(links[a.id])
            kec[str(k)][2] += effective(a) / len(links[a.id])

    totals = api("coordinator").get(f"/api/v1/plan-totals?year={YEAR}").get_json()
    assert {k: totals[k] for k in expected} == expected
    for key in by:
        got = {r["key"]: [r["activities"], r["budget"], r["effective_budget"]] for r in totals[key]}
        assert got == {k: v for k, v in by[key].items()}, key
    got = {r["key"]: r for r in totals["kecamatan"]}
    assert set(got) == set(kec)
    for key, (count, budget, eff) in kec.items():
        assert got[key]["activities"] == count
        assert abs(got[key]["budget"] - budget) <= 1 and abs(got[key]["effective_budget"] - eff) <= 1
    # The kecamatan split adds up to the plan's total (within rounding).
    assert abs(sum(r["budget"] for r in totals["kecamatan"]) - expected["budget"]) <= len(kec)
    # Filters apply to the totals the same way as to the list.
    s2 = api("coordinator").get(f"/api/v1/plan-totals?year={YEAR}&strategy=S2").get_json()
    assert s2["budget"] == sum(a.budget for a in rows if a.strategy == "S2")


def test_filters_and_search(world, api):
    _bulk(world, 30)
    db.session.expire_all()
    rows = db.session.scalars(select(Activity).where(Activity.year == YEAR)).all()
    kab = world["kabupaten"]
    kec1 = kab["kecamatan"][0]
    located = {aid for aid, rid in db.session.execute(select(activity_region.c.activity_id, activity_region.c.region_id))
               if rid == kec1.id or rid in {d.id for d in kab["desa"] if d.parent_id == kec1.id}}
    coordinator = api("coordinator")

    def ids(query):
        body = coordinator.get(f"/api/v1/activities?year={YEAR}&per_page=500&{query}").get_json()
        assert body["total"] == len(body["items"])
        return {a["id"] for a in body["items"]}

    assert ids(f"agency_id={world['agency_b'].id}") == {a.id for a in rows if a.agency_id == world["agency_b"].id}
    assert ids("strategy=S2") == {a.id for a in rows if a.strategy == "S2"}
    assert ids("funding_source=DAK") == {a.id for a in rows if a.funding_source == "DAK"}
    assert ids(f"kecamatan_id={kec1.id}") == {a.id for a in rows if a.id in located}
    assert ids("q=bedah%20RUMAH") == {a.id for a in rows if "bedah rumah" in a.name.lower()}
    assert ids("q=100%25") == set()  # LIKE wildcards are literal
    assert coordinator.get("/api/v1/activities?strategy=S9").status_code == 400
    assert coordinator.get("/api/v1/activities?year=abc").status_code == 400
    # Pagination: pages do not overlap and cover everything.
    first = coordinator.get(f"/api/v1/activities?year={YEAR}&per_page=10&page=1").get_json()
    second = coordinator.get(f"/api/v1/activities?year={YEAR}&per_page=10&page=2").get_json()
    assert first["total"] == len(rows) and len(first["items"]) == 10
    assert not {a["id"] for a in first["items"]} & {a["id"] for a in second["items"]}


def test_plan_page_for_bappeda_and_opd(world, api, client_as):
    _bulk(world, 40)
    create(api("user_a"), world, name="Bedah Rumah Tidak Layak Huni Sampit")
    bappeda = client_as(world["coordinator"]).get(f"/plans/?year={YEAR}").get_data(as_text=True)
    for text in ("Rencana Aksi 2025", "Rekap per OPD", "Per strategi dan sumber dana", "Per kecamatan",
                 "Dinsos", "Dinkes", "Baamang", "Sepakati", "Total 33 data", "page=2"):
        assert text in bappeda, text
    search = client_as(world["coordinator"]).get(f"/plans/?year={YEAR}&q=Sampit").get_data(as_text=True)
    assert "Bedah Rumah Tidak Layak Huni Sampit" in search and "Total 1 data" in search
    page2 = client_as(world["coordinator"]).get(f"/plans/?year={YEAR}&page=2")
    assert page2.status_code == 200
    opd = client_as(world["user_a"]).get("/plans/").get_data(as_text=True)
    assert "Rencana Aksi 2025 — Dinas Sosial" in opd and "Tambah kegiatan" in opd and "Unduh template Excel" in opd
    assert "Dinkes" not in opd and "Sepakati" not in opd
    viewer = client_as(world["viewer"]).get(f"/plans/?year={YEAR}").get_data(as_text=True)
    assert "Tambah kegiatan" not in viewer and "Sepakati" not in viewer
    # Odd query strings never break the page.
    assert client_as(world["coordinator"]).get("/plans/?year=abc&page=-1&strategy=X&kecamatan_id=zz").status_code == 200
    export = client_as(world["coordinator"]).get(f"/plans/export.xlsx?year={YEAR}&strategy=S1")
    assert export.status_code == 200 and export.data.startswith(b"PK")


def test_openapi_describes_the_plan_routes(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, method in (("/api/v1/activities", "get"), ("/api/v1/activities", "post"),
                         ("/api/v1/activities/{activity_id}", "patch"), ("/api/v1/activities/{activity_id}", "delete"),
                         ("/api/v1/plans/{agency_id}/{year}/agree", "post"), ("/api/v1/plan-totals", "get"),
                         ("/api/v1/plans/{agency_id}/{year}/template.xlsx", "get")):
        assert method in doc["paths"][path], (path, method)
    schema = doc["components"]["schemas"]["ActivityIn"]["properties"]
    assert schema["funding_source"]["enum"][0] == "APBD_KAB"
