"""The by-name lists through the JSON API (api.md "Beneficiaries and the target list"): importing the
target list (all or nothing), masked numbers and audited reveals, OPD scoping, the match decision with
its version check, the coverage figures, and no NIK/KK in a query string."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.beneficiaries_helpers import build_world, csv_file, person, xlsx_file
from tests.conftest import audit_rows
from tracker.beneficiaries.models import Beneficiary, TargetHousehold, TargetList
from tracker.extensions import db


@pytest.fixture
def world(kabupaten, make_agency, make_user, api_as):
    world = build_world(kabupaten, make_agency, make_user)
    world["api"] = {name: api_as(user) for name, user in world["users"].items()}
    world["targets"] = [person(i, desa="62.02.01.2001", name=n, desil=1 + i % 2) for i, n in
                        enumerate(["Siti Aminah", "Budi Santoso", "Rahmat Hidayat", "Nur Aini"], start=1)]
    return world


def _import(api, people, name="dtsen.csv", source="DTSEN", as_of="2025-01-31", maker=csv_file):
    return api.client.post("/api/v1/target-lists", headers=api._headers(), content_type="multipart/form-data",
                           data={"file": (maker(people), name), "source": source, "as_of": as_of})


@pytest.fixture
def imported(world):
    response = _import(world["api"]["bappeda"], world["targets"])
    assert response.status_code == 201, response.get_json()
    return world


def _people(world, people, activity="sosial", user="dinsos", quarter=1):
    return world["api"][user].post(f"/api/v1/activities/{world[activity].id}/beneficiaries",
                                   json={"year": 2025, "quarter": quarter, "people": people})


def _households(world, user="admin", **query):
    response = world["api"][user].get("/api/v1/target-households", query_string=query)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# ---- the target list ----------------------------------------------------------------------------

def test_import_good_file_then_a_newer_one(world):
    api = world["api"]["bappeda"]
    response = _import(api, world["targets"], name="dtsen.xlsx", maker=xlsx_file)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["rows"] == 4 and body["added"] == 4 and body["removed"] == 0 and body["changed"] == 0
    moved = [{**world["targets"][0], "desil": 5}] + world["targets"][1:3]
    second = _import(api, moved, as_of="2025-06-30").get_json()
    assert (second["rows"], second["added"], second["removed"], second["changed"]) == (3, 0, 1, 1)
    lists = api.get("/api/v1/target-lists").get_json()
    assert lists["total"] == 2 and lists["items"][0]["id"] == second["id"]
    assert lists["items"][0]["as_of"] == "2025-06-30" and lists["items"][0]["source"] == "DTSEN"


def test_a_bad_row_is_422_naming_row_and_column_and_nothing_is_imported(world):
    bad = world["targets"][:2] + [{**world["targets"][2], "desil": "sebelas"}, {**world["targets"][3], "nik": "123"}]
    response = _import(world["api"]["bappeda"], bad)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert "row 4: desil" in error["fields"] and "row 5: nik" in error["fields"]
    assert db.session.scalar(select(func.count()).select_from(TargetHousehold)) == 0
    assert db.session.scalar(select(func.count()).select_from(TargetList)) == 0


def test_import_needs_file_source_and_date_and_the_role(world):
    api = world["api"]["bappeda"]
    assert api.post("/api/v1/target-lists", json={}).status_code == 400
    response = _import(api, world["targets"], source="BPS", as_of="31-01-2025")
    assert response.status_code == 422 and set(response.get_json()["error"]["fields"]) == {"source", "as_of"}
    assert _import(world["api"]["dinsos"], world["targets"]).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(TargetList)) == 0


# ---- households: masked, revealed, scoped -------------------------------------------------------

def test_households_are_masked_and_say_who_reached_them(imported):
    world = imported
    siti = world["targets"][0]
    assert _people(world, [{"nik": siti["nik"], "name": "Siti Aminah", "region_id": world["desa"][0].id}]
                   ).status_code == 201
    body = _households(world)
    assert body["total"] == 4
    item = next(i for i in body["items"] if i["name"] == "Siti Aminah")
    assert item["nik_masked"] == siti["nik"][:4] + "********" + siti["nik"][-4:]
    assert item["nik"] is None and item["kk"] is None and item["reached_by"] == [world["sosial"].id]
    assert siti["nik"] not in str(body) and siti["kk"] not in str(body)
    assert [i["name"] for i in _households(world, reached=1, year=2025)["items"]] == ["Siti Aminah"]
    assert _households(world, reached=0, year=2025)["total"] == 3
    assert {i["desil"] for i in _households(world, desil=1)["items"]} == {1}


def test_reveal_for_bappeda_is_audited_and_refused_to_an_opd(imported):
    world = imported
    siti = world["targets"][0]
    household = next(i for i in _households(world)["items"] if i["name"] == "Siti Aminah")
    url = f"/api/v1/target-households/{household['id']}"
    before = len(audit_rows("target_household"))
    plain = world["api"]["bappeda"].get(url).get_json()
    assert plain["nik"] is None and len(audit_rows("target_household")) == before
    shown = world["api"]["bappeda"].get(url, query_string={"reveal": 1}).get_json()
    assert shown["nik"] == siti["nik"] and shown["kk"] == siti["kk"]
    rows = audit_rows("target_household")
    assert len(rows) == before + 1 and rows[-1].action == "reveal"
    assert world["api"]["dinsos"].get(url).get_json()["nik"] is None  # in Dinsos's desa: visible, masked
    assert world["api"]["dinsos"].get(url, query_string={"reveal": 1}).status_code == 403
    assert len(audit_rows("target_household")) == before + 1


def test_opd_sees_only_its_desa_and_company_sees_nothing(imported):
    world = imported
    assert _households(world, user="dinsos")["total"] == 4  # Baamang: Dinsos's kecamatan
    assert _households(world, user="dinkes")["total"] == 0  # Hanaut only
    household = _households(world)["items"][0]["id"]
    assert world["api"]["dinkes"].get(f"/api/v1/target-households/{household}").status_code == 404
    for url in ("/api/v1/target-households", f"/api/v1/target-households/{household}", "/api/v1/target-lists",
                f"/api/v1/activities/{world['sosial'].id}/beneficiaries", "/api/v1/coverage?year=2025"):
        response = world["api"]["company"].get(url)
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden", url


# ---- beneficiaries ------------------------------------------------------------------------------

def test_add_people_match_and_list_them(imported):
    world = imported
    desa = world["desa"][0].id
    siti, budi = world["targets"][:2]
    response = _people(world, [
        {"nik": siti["nik"], "kk": siti["kk"], "name": "Siti Aminah", "region_id": desa},
        {"nik": budi["nik"][:-1] + "9", "name": "Budi Santosa", "birth_date": budi["tanggal_lahir"], "region_id": desa},
        {"nik": person(77)["nik"], "name": "Orang Baru", "region_id": desa},
        {"name": "", "region_id": desa},
    ])
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["added"], body["matched_exact"], body["matched_probable"], body["unmatched"]) == (3, 1, 1, 1)
    assert {e["row"] for e in body["errors"]} == {4} and "name" in {e["field"] for e in body["errors"]}
    listed = world["api"]["dinsos"].get(f"/api/v1/activities/{world['sosial'].id}/beneficiaries",
                                        query_string={"year": 2025, "quarter": 1}).get_json()
    assert listed["total"] == 3
    assert [i["match_status"] for i in listed["items"]] == ["exact", "probable", "unmatched"]
    assert listed["items"][0]["nik_masked"] == siti["nik"][:4] + "********" + siti["nik"][-4:]
    assert siti["nik"] not in str(listed) and listed["items"][0]["nik"] is None
    assert world["api"]["dinsos"].get(f"/api/v1/activities/{world['sosial'].id}/beneficiaries",
                                      query_string={"quarter": 2}).get_json()["total"] == 0


def test_add_people_from_a_file(imported):
    world = imported
    api = world["api"]["dinsos"]
    people = [{"nik": world["targets"][0]["nik"], "nama": "Siti Aminah", "kode_wilayah": "62.02.01.2001"},
              {"nik": "", "nama": "Tanpa Apa-apa", "kode_wilayah": "62.02.01.2001"}]
    response = api.client.post(f"/api/v1/activities/{world['sosial'].id}/beneficiaries", headers=api._headers(),
                               content_type="multipart/form-data",
                               data={"file": (csv_file(people, header=["nik", "nama", "kode_wilayah"]), "bnba.csv"),
                                     "quarter": "2"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["added"] == 1 and body["matched_exact"] == 1 and body["errors"][0]["row"] == 3
    assert db.session.scalar(select(Beneficiary.quarter)) == 2


def test_bad_bodies_are_400_or_422(imported):
    world = imported
    url = f"/api/v1/activities/{world['sosial'].id}/beneficiaries"
    api = world["api"]["dinsos"]
    assert api.post(url, json={"year": 2025, "quarter": "1", "people": []}).status_code == 400
    assert api.post(url, json={"year": 2025, "quarter": 5, "people": []}).status_code == 422
    response = api.post(url, json={"year": 2026, "quarter": 1, "people": []})
    assert response.status_code == 422 and "year" in response.get_json()["error"]["fields"]


def test_another_opds_activity_and_beneficiary_are_not_found(imported):
    world = imported
    _people(world, [{"nik": world["targets"][0]["nik"], "name": "Siti Aminah", "region_id": world["desa"][0].id}])
    row = db.session.scalar(select(Beneficiary))
    dinkes = world["api"]["dinkes"]
    assert _people(world, [{"name": "X", "region_id": world["desa"][0].id}], user="dinkes").status_code == 404
    assert dinkes.get(f"/api/v1/activities/{world['sosial'].id}/beneficiaries").status_code == 404
    assert dinkes.get(f"/api/v1/beneficiaries/{row.id}").status_code == 404
    assert dinkes.post(f"/api/v1/beneficiaries/{row.id}/match",
                       json={"target_household_id": None, "version": row.version}).status_code == 404
    assert world["api"]["viewer"].get(f"/api/v1/beneficiaries/{row.id}").status_code == 403
    assert world["api"]["company"].post(f"/api/v1/activities/{world['sosial'].id}/beneficiaries",
                                        json={}).status_code == 403


def test_beneficiary_reveal(imported):
    world = imported
    siti = world["targets"][0]
    _people(world, [{"nik": siti["nik"], "name": "Siti Aminah", "region_id": world["desa"][0].id}])
    url = f"/api/v1/beneficiaries/{db.session.scalar(select(Beneficiary.id))}"
    assert world["api"]["dinsos"].get(url).get_json()["nik"] is None
    assert world["api"]["dinsos"].get(url, query_string={"reveal": 1}).status_code == 403
    before = len(audit_rows("beneficiary"))
    assert world["api"]["admin"].get(url, query_string={"reveal": "true"}).get_json()["nik"] == siti["nik"]
    assert [r.action for r in audit_rows("beneficiary")[before:]] == ["reveal"]


def test_confirm_and_reject_a_probable_match_with_the_version(imported):
    world = imported
    budi, rahmat = world["targets"][1:3]
    desa = world["desa"][0].id
    _people(world, [{"name": "Budi Santosa", "birth_date": budi["tanggal_lahir"], "region_id": desa},
                    {"name": "Hidayat Rahmat", "birth_date": rahmat["tanggal_lahir"], "region_id": desa}])
    first, second = db.session.scalars(select(Beneficiary).order_by(Beneficiary.id)).all()
    assert first.match_status == second.match_status == "probable"
    api = world["api"]["dinsos"]
    read = first.version
    confirmed = api.post(f"/api/v1/beneficiaries/{first.id}/match",
                         json={"target_household_id": first.target_household_id, "version": read})
    assert confirmed.status_code == 200, confirmed.get_json()
    body = confirmed.get_json()
    assert body["match_status"] == "confirmed" and body["version"] == read + 1
    assert body["target_household_id"] == first.target_household_id
    stale = api.post(f"/api/v1/beneficiaries/{first.id}/match",
                     json={"target_household_id": None, "version": read})
    assert stale.status_code == 409 and stale.get_json()["error"]["code"] == "conflict"
    rejected = api.post(f"/api/v1/beneficiaries/{second.id}/match",
                        json={"target_household_id": None, "version": second.version}).get_json()
    assert rejected["match_status"] == "rejected" and rejected["target_household_id"] is None
    assert api.post(f"/api/v1/beneficiaries/{second.id}/match", json={"target_household_id": None}).status_code == 422
    missing = api.post(f"/api/v1/beneficiaries/{second.id}/match",
                       json={"target_household_id": 999999, "version": rejected["version"]})
    assert missing.status_code == 422 and "target_household_id" in missing.get_json()["error"]["fields"]


# ---- coverage -----------------------------------------------------------------------------------

def test_coverage_figures(imported):
    world = imported
    siti, budi = world["targets"][:2]
    desa = world["desa"][0].id
    _people(world, [{"nik": siti["nik"], "name": "Siti Aminah", "region_id": desa},
                    {"nik": person(77)["nik"], "name": "Orang Baru", "region_id": desa}])
    world["kesehatan"].strategy = world["sosial"].strategy
    db.session.commit()
    _people(world, [{"nik": siti["nik"], "name": "Siti Aminah", "region_id": desa}], activity="kesehatan",
            user="dinkes")
    body = world["api"]["bappeda"].get("/api/v1/coverage", query_string={"year": 2025}).get_json()
    assert (body["target_households"], body["reached"], body["unreached"]) == (4, 1, 3)
    assert body["double_counted"] == 1 and body["outside_target"] == 1
    by_desil = {d["desil"]: (d["target"], d["reached"]) for d in body["by_desil"]}
    assert by_desil == {1: (2, 0), 2: (2, 1)}  # Siti (serial 1) is desil 2
    assert body["by_region"] == [{"region_id": world["kecamatan"][0].id, "target": 4, "reached": 1}]
    below = world["api"]["bappeda"].get("/api/v1/coverage", query_string={"year": 2025, "region_id": desa}).get_json()
    assert below["by_region"] == [{"region_id": desa, "target": 4, "reached": 1}]
    assert world["api"]["dinkes"].get("/api/v1/coverage?year=2025").get_json()["target_households"] == 0
    assert world["api"]["viewer"].get("/api/v1/coverage?year=2025").get_json()["target_households"] == 4
    assert world["api"]["bappeda"].get("/api/v1/coverage").status_code == 400
    assert world["api"]["bappeda"].get("/api/v1/coverage?year=2025&region_id=999999").status_code == 404


# ---- no numbers in a URL ------------------------------------------------------------------------

def test_nik_or_kk_in_a_query_string_is_refused(imported):
    world = imported
    api = world["api"]["bappeda"]
    digits = world["targets"][0]["nik"]
    for url in ("/api/v1/target-households", "/api/v1/coverage", "/api/v1/target-lists",
                f"/api/v1/activities/{world['sosial'].id}/beneficiaries"):
        for name in ("nik", "kk"):
            response = api.get(url, query_string={"year": 2025, name: digits})
            assert response.status_code == 400, (url, name)
            assert name in response.get_json()["error"]["fields"]
            assert digits not in response.get_data(as_text=True)
    response = _people(world, [], user="bappeda")
    assert response.status_code == 201
    assert api.post(f"/api/v1/activities/{world['sosial'].id}/beneficiaries?nik={digits}",
                    json={"year": 2025, "quarter": 1, "people": []}).status_code == 400


def test_a_locked_quarter_is_423(imported):
    from tracker.periods.services import get_period, lock

    world = imported
    lock(get_period(2025, 1), world["users"]["bappeda"], "Rakor")
    db.session.commit()
    response = _people(world, [{"name": "Siti Aminah", "nik": world["targets"][0]["nik"],
                                "region_id": world["desa"][0].id}])
    assert response.status_code == 423 and response.get_json()["error"]["code"] == "locked"
    assert db.session.scalar(select(func.count()).select_from(Beneficiary)) == 0
