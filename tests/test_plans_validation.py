"""Every rule of an activity, through the API (422 with fields) and the HTML form."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import audit_rows
from tests.test_plans_support import YEAR, activity_payload, api, create, world  # noqa: F401
from tracker.extensions import db
from tracker.plans.models import Activity
from tracker.plans.validation import parse_int, parse_number


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Activity))


def test_valid_activity_is_created_with_everything_api_md_lists(world, api):
    body = create(api("user_a"), world)
    assert body["agency_id"] == world["agency_a"].id and body["year"] == YEAR
    assert body["code"] == "1.06.05.2.02.0003" and body["program_code"] == "1.06.05"
    assert body["kegiatan_code"] == "1.06.05.2.02"
    assert body["budget"] == 250_000_000 and body["budget_revised"] is None and body["effective_budget"] == 250_000_000
    assert sorted(body["region_ids"]) == sorted(activity_payload(world)["region_ids"])
    assert body["target_beneficiaries"] == 120 and body["beneficiary_unit"] == "KK"
    [ind] = body["indicators"]
    assert ind["id"] and ind["target"] == 120 and ind["quarter_targets"] == [20, 40, 40, 20]
    assert body["warnings"] == [] and body["plan_status"] == "draft" and body["version"] == 1
    [row] = audit_rows("activity")
    assert row.action == "create" and row.agency_id == world["agency_a"].id


@pytest.mark.parametrize("overrides, field, fragment", [
    ({"code": "1.6.2.2.1.1"}, "code", "format SIPD"),
    ({"code": "1.06.02.2.01.0001 "}, None, None),  # surrounding spaces are trimmed, not an error
    ({"code": ""}, "code", "Wajib diisi"),
    ({"program": "  "}, "program", "Wajib diisi"),
    ({"kegiatan": ""}, "kegiatan", "Wajib diisi"),
    ({"name": ""}, "name", "Wajib diisi"),
    ({"name": "x" * 301}, "name", "300"),
    ({"strategy": "S4"}, "strategy", "S1, S2 atau S3"),
    ({"funding_source": "APBD"}, "funding_source", "APBD_KAB"),
    ({"budget": -1}, "budget", "Pagu harus bilangan bulat ≥ 0"),
    ({"budget": 10**16}, "budget", "terlalu besar"),
    ({"region_ids": []}, "region_ids", "minimal satu lokasi"),
    ({"region_ids": [999999]}, "region_ids", "tidak ditemukan"),
    ({"target_beneficiaries": -5}, "target_beneficiaries", "≥ 0"),
    ({"beneficiary_unit": "orang"}, "beneficiary_unit", "KK, jiwa, unit, kelompok"),
    ({"indicators": []}, "indicators", "minimal satu indikator"),
    ({"indicators": [{"name": "", "unit": "KK", "target": 1}]}, "indicators.0.name", "Wajib diisi"),
    ({"indicators": [{"name": "A", "unit": "", "target": 1}]}, "indicators.0.unit", "Wajib diisi"),
    ({"indicators": [{"name": "A", "unit": "KK", "aggregation": "avg", "target": 1}]}, "indicators.0.aggregation", "sum"),
    ({"indicators": [{"name": "A", "unit": "KK", "target": -1}]}, "indicators.0.target", "≥ 0"),
    ({"indicators": [{"name": "A", "unit": "KK", "target": 4, "quarter_targets": [1, 1, 1]}]},
     "indicators.0.quarter_targets", "4 nilai"),
    ({"indicators": [{"name": "A", "unit": "KK", "target": 4, "quarter_targets": [1, 1, -1, 3]}]},
     "indicators.0.quarter_targets.2", "≥ 0"),
    ({"year": 1900}, "year", "Tahun"),
])
def test_each_rule_gives_422_with_the_field(world, api, overrides, field, fragment):
    response = api("user_a").post("/api/v1/activities", json=activity_payload(world, **overrides))
    if field is None:
        assert response.status_code == 201
        return
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "validation_error"
    assert fragment in error["fields"][field], error["fields"]
    assert _count() == 0
    assert audit_rows("activity") == []


def test_region_must_be_kecamatan_or_desa_of_the_kabupaten(world, api):
    kabupaten = world["kabupaten"]["kabupaten"]
    response = api("user_a").post("/api/v1/activities", json=activity_payload(world, region_ids=[kabupaten.id]))
    assert response.status_code == 422
    assert "kecamatan atau desa" in response.get_json()["error"]["fields"]["region_ids"]


def test_wrong_types_are_400_not_500(world, api):
    for overrides in ({"budget": "250000000"}, {"budget": 2.5e8 + 0.5}, {"region_ids": "1,2"}, {"indicators": {"a": 1}}):
        response = api("user_a").post("/api/v1/activities", json=activity_payload(world, **overrides))
        assert response.status_code == 400, (overrides, response.get_json())
        assert response.get_json()["error"]["code"] == "bad_request"
    response = api("user_a").post("/api/v1/activities", data="{not json", headers={"Content-Type": "application/json"})
    assert response.status_code == 400


def test_whole_number_written_as_float_is_an_integer(world, api):
    """JSON Schema (the OpenAPI document's language) counts 2.5e8 as an integer; so does the API."""
    response = api("user_a").post("/api/v1/activities", json=activity_payload(world, budget=2.5e8))
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["budget"] == 250_000_000 and isinstance(response.get_json()["budget"], int)


def test_missing_fields_are_listed(world, api):
    response = api("user_a").post("/api/v1/activities", json={"year": YEAR})
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    for key in ("program", "kegiatan", "code", "name", "strategy", "funding_source", "budget", "region_ids", "indicators"):
        assert key in fields


def test_quarter_targets_that_do_not_add_up_are_flagged_not_refused(world, api):
    body = create(api("user_a"), world, indicators=[
        {"name": "Keluarga penerima", "unit": "KK", "aggregation": "sum", "target": 120, "quarter_targets": [20, 40, 40, 10]},
        {"name": "Persentase tepat sasaran", "unit": "%", "aggregation": "last", "target": 95, "quarter_targets": [80, 85, 90, 95]},
        {"name": "Capaian akhir", "unit": "%", "aggregation": "last", "target": 90, "quarter_targets": [50, 60, 70, 80]},
        {"name": "Tanpa target triwulan", "unit": "unit", "aggregation": "sum", "target": 3},
    ])
    messages = [w["message"] for w in body["warnings"]]
    assert len(messages) == 3
    assert "Keluarga penerima" in messages[0] and "110" in messages[0] and "120" in messages[0]
    assert "Capaian akhir" in messages[1] and "80" in messages[1]
    assert "belum diisi" in messages[2]
    assert body["warnings"][0]["field"] == "indicators.0.quarter_targets"
    # Decimal targets: 0.1 + 0.2 + 0.3 + 0.4 == 1.0 within rounding, no warning.
    second = create(api("user_a"), world, code="1.06.05.2.02.0004", indicators=[
        {"name": "Luas", "unit": "ha", "aggregation": "sum", "target": 1.0, "quarter_targets": [0.1, 0.2, 0.3, 0.4]}])
    assert second["warnings"] == []


def test_mass_assignment_is_ignored(world, api):
    body = create(api("user_a"), world, id=777, version=99, status="agreed", plan_status="agreed",
                  budget_revised=1, created_at="2000-01-01")
    assert body["id"] != 777 and body["version"] == 1 and body["plan_status"] == "draft"
    assert body["budget_revised"] is None
    # An agency user's activity always belongs to their own OPD, even with agency_id omitted.
    body = create(api("user_a"), world, agency_id=None, code="1.06.05.2.02.0009")
    assert body["agency_id"] == world["agency_a"].id


def test_coordinator_must_name_an_existing_opd(world, api):
    response = api("coordinator").post("/api/v1/activities", json=activity_payload(world, agency_id=None))
    assert response.status_code == 422 and "agency_id" in response.get_json()["error"]["fields"]
    response = api("coordinator").post("/api/v1/activities", json=activity_payload(world, agency_id=999999))
    assert response.status_code == 422 and "agency_id" in response.get_json()["error"]["fields"]
    body = create(api("coordinator"), world, agency_id=world["agency_b"].id)
    assert body["agency_id"] == world["agency_b"].id


def test_patch_validates_only_what_it_sends(world, api):
    body = create(api("user_a"), world)
    url = f"/api/v1/activities/{body['id']}"
    response = api("user_a").patch(url, json={"version": body["version"], "code": "abc"})
    assert response.status_code == 422 and set(response.get_json()["error"]["fields"]) == {"code"}
    response = api("user_a").patch(url, json={"version": body["version"], "name": "Nama baru"})
    assert response.status_code == 200 and response.get_json()["name"] == "Nama baru"
    assert response.get_json()["version"] == body["version"] + 1
    response = api("user_a").patch(url, json={"name": "tanpa versi"})
    assert response.status_code == 422 and "version" in response.get_json()["error"]["fields"]


def test_stale_version_is_409_and_nothing_is_overwritten(world, api):
    body = create(api("user_a"), world)
    url = f"/api/v1/activities/{body['id']}"
    assert api("user_a").patch(url, json={"version": 1, "name": "Versi pertama"}).status_code == 200
    response = api("coordinator").patch(url, json={"version": 1, "name": "Versi basi"})
    assert response.status_code == 409 and response.get_json()["error"]["code"] == "conflict"
    assert api("user_a").get(url).get_json()["name"] == "Versi pertama"


def test_patch_indicators_replace_the_list_matching_by_id(world, api):
    body = create(api("user_a"), world, indicators=[
        {"name": "Satu", "unit": "KK", "target": 4, "quarter_targets": [1, 1, 1, 1]},
        {"name": "Dua", "unit": "KK", "target": 8, "quarter_targets": [2, 2, 2, 2]}])
    one, two = body["indicators"]
    url = f"/api/v1/activities/{body['id']}"
    response = api("user_a").patch(url, json={"version": body["version"], "indicators": [
        {"id": two["id"], "name": "Dua (diubah)", "unit": "KK", "target": 8, "quarter_targets": [2, 2, 2, 2]},
        {"name": "Tiga", "unit": "unit", "aggregation": "last", "target": 1, "quarter_targets": [0, 0, 1, 1]}]})
    assert response.status_code == 200, response.get_json()
    updated = response.get_json()
    assert [i["name"] for i in updated["indicators"]] == ["Dua (diubah)", "Tiga"]
    assert updated["indicators"][0]["id"] == two["id"]  # kept its id (progress values refer to it)
    assert one["id"] not in {i["id"] for i in updated["indicators"]}
    assert updated["version"] == body["version"] + 1  # an indicator-only change still bumps the version
    # An id that is not this activity's indicator is refused.
    other = create(api("user_a"), world, code="1.06.05.2.02.0005")
    response = api("user_a").patch(url, json={"version": updated["version"], "indicators": [
        {"id": other["indicators"][0]["id"], "name": "X", "unit": "KK", "target": 1}]})
    assert response.status_code == 422 and "indicators.0.id" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize("raw, expected", [
    (250000000, 250000000), ("250000000", 250000000), ("250.000.000", 250000000), ("Rp 5.000", 5000),
    ("Rp. 1.500.000", 1500000), (12.0, 12), (12.5, None), ("12,5", None), ("1.50", None), (True, None), ("", None),
])
def test_parse_int(raw, expected):
    assert parse_int(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("12,5", 12.5), ("1.234,5", 1234.5), ("1.200", 1200.0), ("12.5", 12.5), (7, 7.0), ("abc", None), ("", None),
])
def test_parse_number(raw, expected):
    assert parse_number(raw) == expected
