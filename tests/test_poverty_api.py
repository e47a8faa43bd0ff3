"""The poverty data API (api.md "Poverty data"): statistics, targets and household counts, their
statuses (201, 409 duplicate and replace, 422 field errors, 400 types, 404, version 409), who may
write, and the figures endpoints."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import audit_rows
from tracker.extensions import db
from tracker.plans.models import Activity
from tracker.poverty.models import HouseholdCount, PovertyStat, PovertyTarget


@pytest.fixture
def api(make_user, api_as):
    return api_as(make_user(role="coordinator"))


def _stat_body(region, **fields):
    return {"region_id": region.id, "year": 2024, "month": 3, "source": "BPS", "poor_count": 8740, "poor_pct": 6.66,
            "p1": 0.97, "p2": 0.21, "poverty_line": 612345, "extreme_poor_count": 1210, "extreme_pct": 0.92,
            "source_document": "BRS BPS Juli 2024", "source_date": "2024-07-01", **fields}


def _error(response) -> dict:
    return response.get_json()["error"]


def test_create_read_and_list_statistics(app, kabupaten, api):
    kab, kec = kabupaten["kabupaten"], kabupaten["kecamatan"][0]
    response = api.post("/api/v1/poverty-stats", json=_stat_body(kab))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["poor_count"] == 8740 and body["poor_pct"] == 6.66 and body["month"] == 3 and body["version"] == 1
    assert body["region_code"] == "62.02" and body["source_date"] == "2024-07-01" and body["replaced"] is False
    # any measure may be null, never 0
    response = api.post("/api/v1/poverty-stats", json={"region_id": kec.id, "year": 2024, "source": "DTSEN",
                                                       "poor_count": None, "poor_pct": 4.5})
    assert response.status_code == 201
    second = response.get_json()
    assert second["poor_count"] is None and second["month"] is None and second["p1"] is None
    assert db.session.get(PovertyStat, second["id"]).poverty_line is None

    assert api.get(f"/api/v1/poverty-stats/{body['id']}").get_json()["poverty_line"] == 612345
    listed = api.get("/api/v1/poverty-stats").get_json()
    assert listed["total"] == 2 and [i["id"] for i in listed["items"]] == [body["id"], second["id"]]
    assert api.get(f"/api/v1/poverty-stats?region_id={kec.id}").get_json()["total"] == 1
    assert api.get("/api/v1/poverty-stats?source=DTSEN&year=2024").get_json()["items"][0]["id"] == second["id"]
    assert api.get("/api/v1/poverty-stats?year=2023").get_json()["total"] == 0
    assert api.get("/api/v1/poverty-stats?per_page=1&page=2").get_json()["items"][0]["id"] == second["id"]
    assert api.get("/api/v1/poverty-stats/999999").status_code == 404
    assert api.get("/api/v1/poverty-stats?source=BAPPEDA").status_code == 400


def test_a_duplicate_is_409_unless_replace(app, kabupaten, api):
    kab = kabupaten["kabupaten"]
    first = api.post("/api/v1/poverty-stats", json=_stat_body(kab)).get_json()
    response = api.post("/api/v1/poverty-stats", json=_stat_body(kab, poor_count=8750))
    assert response.status_code == 409
    error = _error(response)
    assert error["code"] == "conflict" and "Kotawaringin Timur 2024 (Maret), sumber BPS" in error["message"]
    response = api.post("/api/v1/poverty-stats", json=_stat_body(kab, poor_count=8750, p1=None, replace=True))
    assert response.status_code == 201
    body = response.get_json()
    assert body["replaced"] is True and body["id"] == first["id"] and body["version"] == 2
    assert body["poor_count"] == 8750 and body["p1"] is None
    assert db.session.scalar(select(func.count()).select_from(PovertyStat)) == 1
    assert [r.action for r in audit_rows("poverty_stat")] == ["create", "replace"]


def test_field_errors_are_422_and_types_400(app, kabupaten, api):
    kab = kabupaten["kabupaten"]
    response = api.post("/api/v1/poverty-stats", json=_stat_body(kab, poor_pct=101, poverty_line=0, year=1990,
                                                                 extreme_poor_count=9000, poor_count=8000))
    assert response.status_code == 422
    fields = _error(response)["fields"]
    assert {"poor_pct", "poverty_line", "year", "extreme_poor_count"} <= set(fields)
    assert "tidak boleh melebihi" in fields["extreme_poor_count"]
    response = api.post("/api/v1/poverty-stats", json=_stat_body(kabupaten["desa"][0]))
    assert response.status_code == 422 and "region_id" in _error(response)["fields"]
    response = api.post("/api/v1/poverty-stats", json=_stat_body(kab, month=6))
    assert response.status_code == 422 and "month" in _error(response)["fields"]
    response = api.post("/api/v1/poverty-stats", json=_stat_body(kab, poor_count="8.740"))
    assert response.status_code == 400 and "poor_count" in _error(response)["fields"]
    response = api.post("/api/v1/poverty-stats", json=_stat_body(kab, poor_count=10**40, poor_pct=1e300))
    assert response.status_code == 422 and {"poor_count", "poor_pct"} <= set(_error(response)["fields"])
    assert db.session.scalar(select(func.count()).select_from(PovertyStat)) == 0


def test_patch_needs_the_current_version_and_delete_may_check_it(app, kabupaten, api):
    kab = kabupaten["kabupaten"]
    march = api.post("/api/v1/poverty-stats", json=_stat_body(kab)).get_json()
    september = api.post("/api/v1/poverty-stats", json=_stat_body(kab, month=9)).get_json()
    url = f"/api/v1/poverty-stats/{march['id']}"
    assert api.patch(url, json={"poor_count": 1}).status_code == 422  # version is required
    response = api.patch(url, json={"version": 9, "poor_count": 1})
    assert response.status_code == 409 and _error(response)["code"] == "conflict"
    response = api.patch(url, json={"version": 1, "p1": None, "notes": "revisi BPS"})
    assert response.status_code == 200
    assert response.get_json()["p1"] is None and response.get_json()["version"] == 2
    response = api.patch(f"/api/v1/poverty-stats/{september['id']}", json={"version": 1, "month": 3})
    assert response.status_code == 409  # would collide with March
    assert api.delete(f"{url}?version=1").status_code == 409
    assert api.delete(f"{url}?version=2").status_code == 204
    assert api.get(url).status_code == 404
    assert api.delete(f"/api/v1/poverty-stats/{september['id']}").status_code == 204


def test_targets(app, kabupaten, api):
    kab = kabupaten["kabupaten"]
    body = {"region_id": kab.id, "year": 2026, "measure": "poor_pct", "value": 5.5,
            "source_document": "RPJMD 2021-2026"}
    created = api.post("/api/v1/targets", json=body)
    assert created.status_code == 201 and created.get_json()["value"] == 5.5
    assert api.post("/api/v1/targets", json=body).status_code == 409
    assert api.post("/api/v1/targets", json={**body, "measure": "extreme_pct", "value": 0}).status_code == 201
    response = api.post("/api/v1/targets", json={**body, "measure": "poor_count"})
    assert response.status_code == 422 and "measure" in _error(response)["fields"]
    response = api.post("/api/v1/targets", json={**body, "value": 120})
    assert response.status_code == 422 and "value" in _error(response)["fields"]
    listed = api.get(f"/api/v1/targets?region_id={kab.id}").get_json()
    assert listed["total"] == 2 and {i["measure"] for i in listed["items"]} == {"poor_pct", "extreme_pct"}
    assert api.get("/api/v1/targets?measure=extreme_pct").get_json()["total"] == 1
    target_id = created.get_json()["id"]
    response = api.patch(f"/api/v1/targets/{target_id}", json={"version": 1, "value": 5.2})
    assert response.status_code == 200 and response.get_json()["value"] == 5.2
    assert api.patch(f"/api/v1/targets/{target_id}", json={"version": 1, "value": 5.0}).status_code == 409
    assert api.delete(f"/api/v1/targets/{target_id}").status_code == 204
    assert db.session.scalar(select(func.count()).select_from(PovertyTarget)) == 1


def test_household_counts(app, kabupaten, api):
    kec, desa = kabupaten["kecamatan"][0], kabupaten["desa"][0]
    body = {"region_id": kec.id, "year": 2025, "source": "DTSEN", "households_d1": 300, "households_d2": 410,
            "people_d1": 1200}
    created = api.post("/api/v1/household-counts", json=body)
    assert created.status_code == 201
    out = created.get_json()
    assert out["households"] == [300, 410, None, None] and out["total_households"] == 710 and out["total_people"] == 1200
    assert api.post("/api/v1/household-counts", json=body).status_code == 409
    assert api.post("/api/v1/household-counts", json={**body, "replace": True, "households_d1": 1}).get_json()[
        "households"] == [1, 410, None, None]
    assert api.post("/api/v1/household-counts", json={**body, "region_id": desa.id}).status_code == 201
    response = api.post("/api/v1/household-counts", json={**body, "source": "BPS"})
    assert response.status_code == 422  # not a household source
    response = api.post("/api/v1/household-counts", json={**body, "region_id": kabupaten["kabupaten"].id})
    assert response.status_code == 422 and "region_id" in _error(response)["fields"]
    assert api.get(f"/api/v1/household-counts?region_id={kec.id}").get_json()["total"] == 2  # with its desa
    assert api.get(f"/api/v1/household-counts?region_id={desa.id}").get_json()["total"] == 1
    url = f"/api/v1/household-counts/{out['id']}"
    response = api.patch(url, json={"version": 2, "people_d2": 1500})
    assert response.status_code == 200 and response.get_json()["people"] == [1200, 1500, None, None]
    assert api.delete(url).status_code == 204
    assert db.session.scalar(select(func.count()).select_from(HouseholdCount)) == 1


@pytest.mark.parametrize("role", ["agency", "viewer", "company"])
def test_readers_read_and_only_coordinators_and_admins_write(app, kabupaten, api, make_user, api_as, role):
    kab = kabupaten["kabupaten"]
    stat = api.post("/api/v1/poverty-stats", json=_stat_body(kab)).get_json()
    reader = api_as(make_user(role=role))
    assert reader.get("/api/v1/poverty-stats").get_json()["total"] == 1
    assert reader.get(f"/api/v1/poverty-stats/{stat['id']}").status_code == 200
    assert reader.get("/api/v1/poverty/summary?year=2024").status_code == 200
    assert reader.get("/api/v1/poverty/money-vs-poverty?year=2024").status_code == 200
    for response in (reader.post("/api/v1/poverty-stats", json=_stat_body(kab, month=9)),
                     reader.patch(f"/api/v1/poverty-stats/{stat['id']}", json={"version": 1, "poor_count": 1}),
                     reader.delete(f"/api/v1/poverty-stats/{stat['id']}"),
                     reader.post("/api/v1/targets", json={"region_id": kab.id, "year": 2026, "measure": "poor_pct",
                                                          "value": 5}),
                     reader.post("/api/v1/household-counts", json={"region_id": kabupaten["kecamatan"][0].id,
                                                                   "year": 2025, "source": "P3KE"})):
        assert response.status_code == 403 and _error(response)["code"] == "forbidden"
    admin = api_as(make_user(role="admin"))
    assert admin.patch(f"/api/v1/poverty-stats/{stat['id']}", json={"version": 1, "poor_count": 8741}).status_code == 200


def test_summary_and_money_vs_poverty(app, kabupaten, api, make_agency):
    kab, (kec1, kec2) = kabupaten["kabupaten"], kabupaten["kecamatan"]
    for year, count, pct in ((2023, 8590, 6.63), (2024, 8740, 6.66)):
        assert api.post("/api/v1/poverty-stats", json=_stat_body(kab, year=year, poor_count=count, poor_pct=pct,
                                                                 extreme_poor_count=None)).status_code == 201
    api.post("/api/v1/poverty-stats", json=_stat_body(kab, source="DTSEN", month=None, poor_count=9100,
                                                      extreme_poor_count=None))
    api.post("/api/v1/targets", json={"region_id": kab.id, "year": 2024, "measure": "poor_pct", "value": 6.5})
    api.post("/api/v1/household-counts", json={"region_id": kec1.id, "year": 2024, "source": "P3KE", "households_d1": 100})
    api.post("/api/v1/household-counts", json={"region_id": kec2.id, "year": 2024, "source": "P3KE", "households_d1": 900})
    agency = make_agency()
    db.session.add(Activity(agency_id=agency.id, year=2024, program="P", kegiatan="K", code="1.06.02.2.01.0001",
                            name="Bantuan", strategy="S1", funding_source="APBD_KAB", budget=1000, regions=[kec1]))
    db.session.commit()

    summary = api.get("/api/v1/poverty/summary?year=2024").get_json()
    assert summary["kabupaten"]["code"] == "62.02"
    assert [t["year"] for t in summary["trend"]] == [2023, 2024] and summary["trend"][1]["target_poor_pct"] == 6.5
    assert summary["change"]["sentence"] == "naik 150 jiwa, +0,03 poin"
    assert [r["name"] for r in summary["ranking"]["rows"]] == ["Pulau Hanaut", "Baamang"]
    assert summary["ranking"]["rows"][0]["pocket"] is True and summary["ranking"]["source"] == "P3KE"
    assert summary["disagreements"][0]["measure"] == "poor_count"
    assert [f["source"] for f in summary["disagreements"][0]["figures"]] == ["BPS", "DTSEN"]
    assert api.get("/api/v1/poverty/summary").get_json()["year"] == 2024  # the newest year with data
    assert api.get("/api/v1/poverty/summary?year=2023").get_json()["change"] is None

    money = api.get("/api/v1/poverty/money-vs-poverty?year=2024").get_json()
    rows = {r["name"]: r for r in money["rows"]}
    assert rows["Baamang"]["budget_share_pct"] == 100.0 and rows["Pulau Hanaut"]["budget"] == 0
    assert rows["Pulau Hanaut"]["receives_little"] is True and rows["Pulau Hanaut"]["poor_share_pct"] == 90.0
    assert money["totals"]["budget_total"] == 1000 and money["totals"]["budget_unlocated"] == 0
    assert api.get("/api/v1/poverty/money-vs-poverty?year=1999").status_code == 400


def test_the_document_lists_the_poverty_operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, methods in {"/api/v1/poverty-stats": {"get", "post"},
                          "/api/v1/poverty-stats/{stat_id}": {"get", "patch", "delete"},
                          "/api/v1/targets": {"get", "post"}, "/api/v1/targets/{target_id}": {"get", "patch", "delete"},
                          "/api/v1/household-counts": {"get", "post"},
                          "/api/v1/household-counts/{household_id}": {"get", "patch", "delete"},
                          "/api/v1/poverty/summary": {"get"}, "/api/v1/poverty/money-vs-poverty": {"get"}}.items():
        assert set(paths[path]) == methods, path
    post = paths["/api/v1/poverty-stats"]["post"]
    assert {"201", "409", "422"} <= set(post["responses"])
