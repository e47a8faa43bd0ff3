"""Reference data endpoints (api.md, Reference data): OPDs, companies, regions, strategies,
funding sources and users."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import audit_rows
from tests.test_api_base import assert_error
from tracker.auth.models import User
from tracker.extensions import db
from tracker.reference.models import Agency, Region

GOOD_PASSWORD = "Kerupuk-Udang-Sambal-Matah-9"


@pytest.fixture
def admin_api(make_user, api_as):
    return api_as(make_user(role="admin"))


@pytest.fixture
def coordinator_api(make_user, api_as):
    return api_as(make_user(role="coordinator"))


# ---- agencies ------------------------------------------------------------------------------------

def test_agency_create_get_patch(admin_api):
    created = admin_api.post("/api/v1/agencies", json={"code": "1.02.01", "name": "Dinas Kesehatan",
                                                       "short_name": "Dinkes"})
    assert created.status_code == 201
    body = created.get_json()
    assert {k: body[k] for k in ("code", "name", "short_name", "active", "version")} == {
        "code": "1.02.01", "name": "Dinas Kesehatan", "short_name": "Dinkes", "active": True, "version": 1}
    got = admin_api.get(f"/api/v1/agencies/{body['id']}").get_json()
    assert got == body
    patched = admin_api.patch(f"/api/v1/agencies/{body['id']}", json={"short_name": "DINKES", "version": 1})
    assert patched.status_code == 200
    assert patched.get_json()["short_name"] == "DINKES" and patched.get_json()["version"] == 2
    assert patched.get_json()["name"] == "Dinas Kesehatan"  # untouched fields stay


def test_agency_trims_and_validates(admin_api):
    created = admin_api.post("/api/v1/agencies", json={"code": " 1.03.01 ", "name": " Dinas PU ", "short_name": "PU"})
    assert created.get_json()["code"] == "1.03.01" and created.get_json()["name"] == "Dinas PU"
    error = assert_error(admin_api.post("/api/v1/agencies", json={"code": "   ", "name": "X", "short_name": "X"}),
                         422, "validation_error")
    assert "code" in error["fields"]
    error = assert_error(admin_api.post("/api/v1/agencies", json={"code": "1", "name": "N" * 201, "short_name": "X"}),
                         422, "validation_error")
    assert "name" in error["fields"]


def test_agency_duplicates_are_409(admin_api, make_agency):
    make_agency(code="1.02.01", name="Dinas Kesehatan")
    for payload in ({"code": "1.02.01", "name": "Lain", "short_name": "L"},
                    {"code": "9.99.99", "name": "dinas kesehatan", "short_name": "L"}):
        error = assert_error(admin_api.post("/api/v1/agencies", json=payload), 409, "conflict")
        assert error["message"]
    assert db.session.scalar(select(func.count()).select_from(Agency)) == 1


def test_agency_list_filters(admin_api, make_agency):
    make_agency(code="1.02.01", name="Dinas Kesehatan", short_name="Dinkes")
    other = make_agency(code="1.01.01", name="Dinas Pendidikan", short_name="Disdik")
    admin_api.patch(f"/api/v1/agencies/{other.id}", json={"active": False, "version": 1})
    assert [a["code"] for a in admin_api.get("/api/v1/agencies?q=kesehatan").get_json()["items"]] == ["1.02.01"]
    assert [a["code"] for a in admin_api.get("/api/v1/agencies?active=1").get_json()["items"]] == ["1.02.01"]
    assert [a["code"] for a in admin_api.get("/api/v1/agencies?active=false").get_json()["items"]] == ["1.01.01"]
    assert_error(admin_api.get("/api/v1/agencies?active=maybe"), 400, "bad_request")


def test_agency_write_is_admin_only(coordinator_api, make_user, api_as, make_agency):
    agency = make_agency()
    for api in (coordinator_api, api_as(make_user(role="agency")), api_as(make_user(role="viewer"))):
        assert_error(api.post("/api/v1/agencies", json={"code": "2.01.01", "name": "X", "short_name": "X"}),
                     403, "forbidden")
        assert_error(api.patch(f"/api/v1/agencies/{agency.id}", json={"name": "X", "version": 1}), 403, "forbidden")
        assert api.get(f"/api/v1/agencies/{agency.id}").status_code == 200
    assert_error(api_as(make_user(role="company")).get("/api/v1/agencies"), 403, "forbidden")


def test_missing_agency_is_404(admin_api):
    assert_error(admin_api.get("/api/v1/agencies/999999"), 404, "not_found")
    assert_error(admin_api.patch("/api/v1/agencies/999999", json={"name": "X", "version": 1}), 404, "not_found")


# ---- companies -----------------------------------------------------------------------------------

def test_company_create_and_email_validation(coordinator_api):
    created = coordinator_api.post("/api/v1/companies", json={
        "name": "PT Sawit Makmur", "sector": "Perkebunan", "address": "Jl. Tjilik Riwut",
        "contact_name": "Rina", "contact_email": "Rina@Sawit.example"})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["contact_email"].lower() == "rina@sawit.example"
    error = assert_error(coordinator_api.post("/api/v1/companies", json={"name": "PT B", "contact_email": "bukan"}),
                         422, "validation_error")
    assert "contact_email" in error["fields"]
    assert_error(coordinator_api.post("/api/v1/companies", json={"name": "pt sawit makmur"}), 409, "conflict")


def test_company_user_sees_only_own_company(make_user, make_company, api_as):
    own, other = make_company(name="PT Milik Sendiri"), make_company(name="PT Orang Lain")
    api = api_as(make_user(role="company", company=own))
    listed = api.get("/api/v1/companies").get_json()
    assert [c["id"] for c in listed["items"]] == [own.id] and listed["total"] == 1
    assert api.get(f"/api/v1/companies/{own.id}").status_code == 200
    assert_error(api.get(f"/api/v1/companies/{other.id}"), 404, "not_found")
    assert_error(api.get("/api/v1/companies/999999"), 404, "not_found")
    assert_error(api.patch(f"/api/v1/companies/{own.id}", json={"name": "PT Baru", "version": 1}), 403, "forbidden")


def test_other_roles_see_every_company(make_user, make_company, api_as):
    make_company(), make_company()
    for role in ("admin", "coordinator", "agency", "viewer"):
        assert api_as(make_user(role=role)).get("/api/v1/companies").get_json()["total"] == 2, role


def test_company_patch_version(coordinator_api, make_company):
    company = make_company(name="PT Awal")
    ok = coordinator_api.patch(f"/api/v1/companies/{company.id}", json={"sector": "Tambang", "version": 1})
    assert ok.status_code == 200 and ok.get_json()["version"] == 2
    assert_error(coordinator_api.patch(f"/api/v1/companies/{company.id}", json={"sector": "X", "version": 1}),
                 409, "conflict")


# ---- regions -------------------------------------------------------------------------------------

def test_region_hierarchy_and_filters(admin_api, kabupaten):
    kec_ids = [k.id for k in kabupaten["kecamatan"]]
    body = admin_api.get("/api/v1/regions?level=kecamatan").get_json()
    assert body["total"] == 2 and [r["id"] for r in body["items"]] == kec_ids
    body = admin_api.get(f"/api/v1/regions?level=desa&parent_id={kec_ids[0]}").get_json()
    assert [r["code"] for r in body["items"]] == ["62.02.01.2001", "62.02.01.2002"]
    assert all(r["parent_id"] == kec_ids[0] for r in body["items"])
    assert_error(admin_api.get("/api/v1/regions?level=provinsi"), 400, "bad_request")
    assert_error(admin_api.get("/api/v1/regions?parent_id=abc"), 400, "bad_request")


def test_region_create(admin_api, kabupaten):
    kec = kabupaten["kecamatan"][1]
    created = admin_api.post("/api/v1/regions", json={"code": "62.02.02.2003", "name": "Satiruk", "level": "desa",
                                                      "parent_id": kec.id})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["parent_id"] == kec.id and created.get_json()["level"] == "desa"


@pytest.mark.parametrize("payload, field", [
    ({"code": "62.02.03", "name": "X", "level": "kecamatan"}, "parent_id"),                  # no parent
    ({"code": "62.02.01.2009", "name": "X", "level": "desa", "parent": "kabupaten"}, "parent_id"),  # wrong level
    ({"code": "62.02.02.2009", "name": "X", "level": "desa", "parent": "kec1"}, "code"),      # prefix mismatch
    ({"code": "62.02.01.29", "name": "X", "level": "desa", "parent": "kec1"}, "code"),        # code shape
    ({"code": "62.03", "name": "X", "level": "kabupaten", "parent": "kabupaten"}, "parent_id"),
    ({"code": "62.02.03", "name": "X", "level": "kecamatan", "parent_id": 999999}, "parent_id"),
    ({"code": "62.02.03", "name": "X", "level": "provinsi"}, "level"),
    ({"code": "", "name": "X", "level": "kabupaten"}, "code"),
])
def test_region_validation(admin_api, kabupaten, payload, field):
    parents = {"kabupaten": kabupaten["kabupaten"].id, "kec1": kabupaten["kecamatan"][0].id}
    payload = dict(payload)
    if "parent" in payload:
        payload["parent_id"] = parents[payload.pop("parent")]
    before = db.session.scalar(select(func.count()).select_from(Region))
    error = assert_error(admin_api.post("/api/v1/regions", json=payload), 422, "validation_error")
    assert field in error["fields"]
    assert db.session.scalar(select(func.count()).select_from(Region)) == before


def test_region_duplicate_code_is_409(admin_api, kabupaten):
    kab = kabupaten["kabupaten"]
    assert_error(admin_api.post("/api/v1/regions", json={"code": "62.02.01", "name": "Lagi", "level": "kecamatan",
                                                         "parent_id": kab.id}), 409, "conflict")


def test_region_write_is_admin_only(coordinator_api, make_user, api_as, kabupaten):
    payload = {"code": "62.02.03", "name": "X", "level": "kecamatan", "parent_id": kabupaten["kabupaten"].id}
    assert_error(coordinator_api.post("/api/v1/regions", json=payload), 403, "forbidden")
    for role in ("agency", "company", "viewer"):
        api = api_as(make_user(role=role))
        assert api.get("/api/v1/regions").get_json()["total"] == 7, role


# ---- strategies and funding sources (seeded by migration) --------------------------------------

def test_strategies_are_seeded(make_user, api_as):
    for role in ("admin", "agency", "company", "viewer"):
        body = api_as(make_user(role=role)).get("/api/v1/strategies").get_json()
        assert [s["code"] for s in body["items"]] == ["S1", "S2", "S3"]
        assert body["total"] == 3
        assert all(set(s) >= {"code", "name"} and s["name"] for s in body["items"])


def test_funding_sources_are_seeded(make_user, api_as):
    body = api_as(make_user(role="viewer")).get("/api/v1/funding-sources").get_json()
    assert {f["code"] for f in body["items"]} == {"APBD_KAB", "APBD_PROV", "APBN", "DAK", "DANA_DESA", "CSR",
                                                  "OTHER"}


# ---- users ---------------------------------------------------------------------------------------

def _user_payload(**overrides):
    payload = {"username": "operator.dinkes", "full_name": "Operator Dinkes", "email": "op@dinkes.example",
               "role": "viewer", "password": GOOD_PASSWORD}
    payload.update(overrides)
    return payload


def test_users_are_admin_only(coordinator_api, make_user, api_as):
    for api in (coordinator_api, api_as(make_user(role="agency")), api_as(make_user(role="viewer")),
                api_as(make_user(role="company"))):
        assert_error(api.get("/api/v1/users"), 403, "forbidden")
        assert_error(api.post("/api/v1/users", json=_user_payload()), 403, "forbidden")
    assert db.session.query(User).filter_by(username="operator.dinkes").count() == 0


def test_user_create_agency_role(admin_api, make_agency):
    agency = make_agency()
    response = admin_api.post("/api/v1/users", json=_user_payload(role="agency", agency_id=agency.id))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["agency_id"] == agency.id and body["company_id"] is None and body["role"] == "agency"
    assert "password" not in body and "password_hash" not in body
    assert body["created_at"].endswith("+07:00")
    assert admin_api.get(f"/api/v1/users/{body['id']}").get_json()["username"] == "operator.dinkes"


@pytest.mark.parametrize("overrides, field", [
    ({"role": "agency"}, "agency_id"),
    ({"role": "agency", "agency_id": 999999}, "agency_id"),
    ({"role": "company"}, "company_id"),
    ({"role": "company", "company_id": 999999}, "company_id"),
    ({"role": "viewer", "agency_id": "AGENCY"}, "agency_id"),
    ({"role": "coordinator", "company_id": "COMPANY"}, "company_id"),
    ({"role": "superuser"}, "role"),
    ({"username": "Ab"}, "username"),
    ({"username": "nama dengan spasi"}, "username"),
    ({"email": "bukan-email"}, "email"),
])
def test_user_create_validation(admin_api, make_agency, make_company, overrides, field):
    agency, company = make_agency(), make_company()
    overrides = {k: agency.id if v == "AGENCY" else company.id if v == "COMPANY" else v for k, v in overrides.items()}
    error = assert_error(admin_api.post("/api/v1/users", json=_user_payload(**overrides)), 422, "validation_error")
    assert field in error["fields"]
    assert db.session.query(User).filter(User.full_name == "Operator Dinkes").count() == 0


def test_user_duplicate_username_is_409(admin_api):
    assert admin_api.post("/api/v1/users", json=_user_payload()).status_code == 201
    assert_error(admin_api.post("/api/v1/users", json=_user_payload(username="Operator.Dinkes")), 409, "conflict")


def test_user_list_filters_and_scope(admin_api, make_user):
    make_user(role="viewer", username="pimpinan.satu")
    make_user(role="coordinator", username="bappeda.satu")
    body = admin_api.get("/api/v1/users?role=viewer").get_json()
    assert [u["username"] for u in body["items"]] == ["pimpinan.satu"]
    assert admin_api.get("/api/v1/users?q=bappeda").get_json()["total"] == 1
    assert_error(admin_api.get("/api/v1/users?role=raja"), 400, "bad_request")


def test_user_patch_binding(admin_api, make_user, make_agency):
    agency = make_agency()
    user = make_user(role="viewer")
    error = assert_error(admin_api.patch(f"/api/v1/users/{user.id}", json={"role": "agency", "version": 1}),
                         422, "validation_error")
    assert "agency_id" in error["fields"]
    ok = admin_api.patch(f"/api/v1/users/{user.id}", json={"role": "agency", "agency_id": agency.id, "version": 1})
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["agency_id"] == agency.id and ok.get_json()["version"] == 2
    back = admin_api.patch(f"/api/v1/users/{user.id}", json={"role": "viewer", "version": 2})
    assert back.status_code == 200 and back.get_json()["agency_id"] is None
    assert_error(admin_api.patch(f"/api/v1/users/{user.id}", json={"full_name": "X", "version": 2}), 409, "conflict")
    actions = [r.action for r in audit_rows("user") if r.entity_id == str(user.id)]
    assert actions == ["create", "update", "update"]
