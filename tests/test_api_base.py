"""API plumbing (api.md, Conventions): tokens, error shape, body parsing, pages, versions, OpenAPI."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from tests.conftest import PASSWORD, ApiClient, audit_rows
from tracker.auth.models import ApiToken, User
from tracker.extensions import db
from tracker.reference.models import Agency
from tracker.types import utcnow

ERROR_CODES = {"bad_request", "unauthorized", "forbidden", "not_found", "method_not_allowed", "conflict",
               "payload_too_large", "validation_error", "locked", "rate_limited"}


def assert_error(response, status: int, code: str):
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:500])
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert set(body["error"]) <= {"code", "message", "fields"}
    return body["error"]


@pytest.fixture
def admin(make_user):
    return make_user(role="admin")


@pytest.fixture
def admin_api(admin, api_as):
    return api_as(admin)


# ---- tokens -------------------------------------------------------------------------------------

def test_token_create_returns_201_with_jakarta_expiry(client, admin):
    response = client.post("/api/v1/tokens", json={"username": admin.username, "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) >= {"token", "expires_at"}
    assert len(body["token"]) >= 32
    assert body["expires_at"].endswith("+07:00")
    expires = datetime.fromisoformat(body["expires_at"])
    days = (expires - utcnow()).total_seconds() / 86400
    assert 29.9 < days <= 30.01


def test_token_is_stored_hashed(client, admin):
    raw = client.post("/api/v1/tokens", json={"username": admin.username, "password": PASSWORD}).get_json()["token"]
    stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert raw not in stored
    assert hashlib.sha256(raw.encode()).hexdigest() in stored


@pytest.mark.parametrize("payload", [
    {"username": "admin-nope", "password": PASSWORD},
    {"username": None, "password": "Salah-Sekali-Kata-Sandi"},  # filled in with the real name below
])
def test_bad_credentials_are_401_with_one_message(client, admin, payload):
    if payload["username"] is None:
        payload = {**payload, "username": admin.username}
    error = assert_error(client.post("/api/v1/tokens", json=payload), 401, "unauthorized")
    assert error["message"] == "Nama pengguna atau kata sandi salah."


def test_token_body_errors(client):
    assert_error(client.post("/api/v1/tokens", data="{", content_type="application/json"), 400, "bad_request")
    error = assert_error(client.post("/api/v1/tokens", json={"username": "x"}), 422, "validation_error")
    assert "password" in error["fields"]


def test_inactive_user_gets_no_token(client, admin, make_user):
    user = make_user(role="viewer")
    user.active = False
    db.session.commit()
    assert_error(client.post("/api/v1/tokens", json={"username": user.username, "password": PASSWORD}),
                 401, "unauthorized")


def test_revoke_current_token(admin_api, admin, api_as):
    other = api_as(admin)
    assert admin_api.get("/api/v1/agencies").status_code == 200
    response = admin_api.delete("/api/v1/tokens/current")
    assert response.status_code == 204
    assert_error(admin_api.get("/api/v1/agencies"), 401, "unauthorized")
    assert_error(admin_api.delete("/api/v1/tokens/current"), 401, "unauthorized")
    # Only that token ends.
    assert other.get("/api/v1/agencies").status_code == 200


def test_expired_token_is_401(admin_api):
    db.session.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert_error(admin_api.get("/api/v1/agencies"), 401, "unauthorized")


def test_token_of_deactivated_user_is_401(admin_api, admin):
    db.session.execute(update(User).where(User.id == admin.id).values(active=False))
    db.session.commit()
    assert_error(admin_api.get("/api/v1/agencies"), 401, "unauthorized")


def test_token_must_be_a_bearer_header(app, admin_api):
    raw = admin_api.token
    client = app.test_client()
    assert_error(client.get("/api/v1/agencies"), 401, "unauthorized")
    assert_error(client.get(f"/api/v1/agencies?token={raw}"), 401, "unauthorized")
    assert_error(client.get("/api/v1/agencies", headers={"Authorization": raw}), 401, "unauthorized")
    assert_error(client.get("/api/v1/agencies", headers={"Authorization": f"Token {raw}"}), 401, "unauthorized")
    assert client.get("/api/v1/agencies", headers={"Authorization": f"bearer {raw}"}).status_code == 200


def test_token_last_used_is_recorded(admin_api):
    assert admin_api.get("/api/v1/agencies").status_code == 200
    assert db.session.scalar(select(ApiToken.last_used_at)) is not None


# ---- error shape and parsing -------------------------------------------------------------------

def test_malformed_json_is_400(admin_api):
    for raw in ("{", '{"code": }', "not json", "\xff\xfe"):
        assert_error(admin_api.post("/api/v1/agencies", data=raw, headers={"Content-Type": "application/json"}),
                     400, "bad_request")
    assert db.session.scalar(select(func.count()).select_from(Agency)) == 0


def test_non_json_content_type_is_400(admin_api):
    response = admin_api.post("/api/v1/agencies", data={"code": "1", "name": "x", "short_name": "x"})
    assert_error(response, 400, "bad_request")


@pytest.mark.parametrize("payload", [[], "teks", 5, None])
def test_body_that_is_not_an_object_is_400(admin_api, payload):
    response = admin_api.post("/api/v1/agencies", data=json.dumps(payload),
                              headers={"Content-Type": "application/json"})
    assert_error(response, 400, "bad_request")


def test_wrong_types_are_400_with_fields(admin_api):
    error = assert_error(admin_api.post("/api/v1/agencies", json={"code": 123, "name": ["x"], "short_name": "A"}),
                         400, "bad_request")
    assert set(error["fields"]) == {"code", "name"}


def test_string_numbers_are_not_coerced(admin_api, make_agency):
    agency = make_agency()
    response = admin_api.patch(f"/api/v1/agencies/{agency.id}", json={"name": "Baru", "version": "1"})
    error = assert_error(response, 400, "bad_request")
    assert "version" in error["fields"]


def test_missing_and_invalid_values_are_422_with_fields(admin_api):
    error = assert_error(admin_api.post("/api/v1/agencies", json={"code": "", "short_name": "A"}), 422,
                         "validation_error")
    assert set(error["fields"]) == {"code", "name"}
    assert all(isinstance(v, str) and v for v in error["fields"].values())
    assert not audit_rows("agency")


def test_unknown_route_is_404_json(admin_api, client):
    assert_error(admin_api.get("/api/v1/tidak-ada"), 404, "not_found")
    assert_error(client.get("/api/v1/tidak-ada"), 404, "not_found")
    assert_error(admin_api.get("/api/v1/agencies/abc"), 404, "not_found")


def test_wrong_method_is_405_json(admin_api):
    response = admin_api.delete("/api/v1/agencies")
    assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}


def test_html_pages_keep_html_errors(client, make_user, client_as):
    browser = client_as(make_user(role="viewer"))
    response = browser.get("/tidak-ada")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_error_messages_indonesian_by_default_english_on_request(client):
    assert_error(client.get("/api/v1/agencies"), 401, "unauthorized")
    english = client.get("/api/v1/agencies", headers={"Accept-Language": "en"})
    assert_error(english, 401, "unauthorized")


# ---- pages -------------------------------------------------------------------------------------

@pytest.fixture
def seven_agencies(make_agency):
    return [make_agency(code=f"8.{i:02d}.01", name=f"Dinas Halaman {i}") for i in range(1, 8)]


def test_list_shape_and_defaults(admin_api, seven_agencies):
    body = admin_api.get("/api/v1/agencies").get_json()
    assert body["total"] == 7
    assert len(body["items"]) == 7
    assert body["page"] == 1 and body["per_page"] == 50
    assert [a["code"] for a in body["items"]] == sorted(a["code"] for a in body["items"])


def test_pages_split_the_list_without_overlap(admin_api, seven_agencies):
    seen = []
    for page in (1, 2, 3):
        body = admin_api.get(f"/api/v1/agencies?page={page}&per_page=3").get_json()
        assert body["total"] == 7 and body["page"] == page and body["per_page"] == 3
        seen += [a["id"] for a in body["items"]]
    assert len(seen) == len(set(seen)) == 7


def test_page_beyond_the_end_is_empty(admin_api, seven_agencies):
    body = admin_api.get("/api/v1/agencies?page=99&per_page=3").get_json()
    assert body["items"] == [] and body["total"] == 7


def test_per_page_limit_500(admin_api, seven_agencies):
    assert admin_api.get("/api/v1/agencies?per_page=500").status_code == 200
    for query in ("per_page=501", "per_page=0", "page=0", "page=-1", "page=abc", "per_page=1.5",
                  "page=99999999999999999999"):
        assert_error(admin_api.get(f"/api/v1/agencies?{query}"), 400, "bad_request")
    # 2.0 is an integer to JSON Schema, so generated clients may send it
    assert len(admin_api.get("/api/v1/agencies?per_page=2.0").get_json()["items"]) == 2


# ---- versions, mass assignment ------------------------------------------------------------------

def test_patch_returns_the_new_version(admin_api, make_agency):
    agency = make_agency()
    assert agency.version == 1
    response = admin_api.patch(f"/api/v1/agencies/{agency.id}", json={"name": "Dinas Baru", "version": 1})
    assert response.status_code == 200
    assert response.get_json()["version"] == 2 and response.get_json()["name"] == "Dinas Baru"
    db.session.refresh(agency)
    assert agency.version == 2


@pytest.mark.parametrize("stale", [0, 2, 99])
def test_stale_version_is_409_and_changes_nothing(admin_api, make_agency, stale):
    agency = make_agency(name="Dinas Asli")
    assert agency.version == 1
    response = admin_api.patch(f"/api/v1/agencies/{agency.id}", json={"name": "Dinas Timpa", "version": stale})
    assert_error(response, 409, "conflict")
    db.session.refresh(agency)
    assert agency.name == "Dinas Asli" and agency.version == 1
    assert len(audit_rows("agency")) == 1  # the creation only


def test_patch_without_version_is_refused(admin_api, make_agency):
    agency = make_agency(name="Dinas Asli")
    error = assert_error(admin_api.patch(f"/api/v1/agencies/{agency.id}", json={"name": "Dinas Timpa"}),
                         422, "validation_error")
    assert "version" in error["fields"]
    db.session.refresh(agency)
    assert agency.name == "Dinas Asli"


def test_second_writer_with_the_same_version_gets_409(admin_api, make_agency):
    agency = make_agency()
    first = admin_api.patch(f"/api/v1/agencies/{agency.id}", json={"name": "Pertama", "version": 1})
    second = admin_api.patch(f"/api/v1/agencies/{agency.id}", json={"name": "Kedua", "version": 1})
    assert first.status_code == 200
    assert_error(second, 409, "conflict")
    assert admin_api.get(f"/api/v1/agencies/{agency.id}").get_json()["name"] == "Pertama"


def test_mass_assignment_on_create_is_ignored(admin_api):
    response = admin_api.post("/api/v1/agencies", json={
        "code": "5.01.01", "name": "Dinas Massal", "short_name": "Massal",
        "id": 424242, "version": 77, "active": False, "created_by": 1})
    assert response.status_code == 201
    body = response.get_json()
    assert body["id"] != 424242 and body["version"] == 1 and body["active"] is True


def test_mass_assignment_on_patch_is_ignored(admin_api, make_agency):
    agency = make_agency()
    response = admin_api.patch(f"/api/v1/agencies/{agency.id}", json={
        "name": "Dinas Ganti", "version": 1, "id": 424242})
    assert response.status_code == 200
    assert response.get_json()["id"] == agency.id


def test_user_create_ignores_server_owned_fields(admin_api):
    response = admin_api.post("/api/v1/users", json={
        "username": "massal", "role": "viewer", "password": "Kerupuk-Udang-Sambal-Matah-9",
        "password_hash": "pbkdf2:sha256:1$x$y", "active": False, "version": 50, "id": 424242,
        "must_change_password": False, "last_login_at": "2020-01-01T00:00:00+07:00"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["active"] is True and body["version"] == 1 and body["id"] != 424242
    assert body["last_login_at"] is None
    user = db.session.get(User, body["id"])
    assert user.password_hash.startswith("pbkdf2:sha256:1000$")


def test_non_admins_cannot_change_roles(make_user, api_as):
    for role in ("coordinator", "agency", "company", "viewer"):
        user = make_user(role=role)
        api = api_as(user)
        response = api.patch(f"/api/v1/users/{user.id}", json={"role": "admin", "version": user.version})
        assert_error(response, 403, "forbidden")
        db.session.refresh(user)
        assert user.role == role


def test_admin_cannot_demote_or_deactivate_self(admin_api, admin):
    error = assert_error(admin_api.patch(f"/api/v1/users/{admin.id}", json={"role": "viewer", "version": 1}),
                         422, "validation_error")
    assert "role" in error["fields"]
    assert_error(admin_api.patch(f"/api/v1/users/{admin.id}", json={"active": False, "version": 1}),
                 422, "validation_error")
    db.session.refresh(admin)
    assert admin.role == "admin" and admin.active


# ---- OpenAPI -----------------------------------------------------------------------------------

def _url_map_operations(app) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?(\w+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            found.add((path, method.lower()))
    return found


def test_openapi_is_3_1_and_matches_the_url_map(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.1")
    documented = {(path, method) for path, item in doc["paths"].items() for method in item}
    in_code = _url_map_operations(app)
    assert in_code - documented == set(), "routes missing from openapi.json"
    assert documented - in_code == set(), "openapi.json lists routes that do not exist"


def test_openapi_operations_are_complete(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    operation_ids = []
    for path, item in doc["paths"].items():
        params = set(re.findall(r"{(\w+)}", path))
        for method, op in item.items():
            operation_ids.append(op["operationId"])
            assert op["responses"], (path, method)
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "path"}
            assert declared == params, (path, method)
            for ref in re.findall(r'"\$ref": "#/components/schemas/(\w+)"', json.dumps(op)):
                assert ref in schemas, (path, method, ref)
    assert len(operation_ids) == len(set(operation_ids))
    token_op = doc["paths"]["/api/v1/tokens"]["post"]
    assert token_op["security"] == []
    assert "201" in token_op["responses"]


def test_openapi_response_shapes_match_real_answers(admin_api, make_agency, client):
    """The documented fields of a list item are exactly what the route answers."""
    make_agency()
    doc = client.get("/api/v1/openapi.json").get_json()
    item_ref = doc["paths"]["/api/v1/agencies"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"]["properties"]["items"]["items"]["$ref"].rsplit("/", 1)[1]
    documented = set(doc["components"]["schemas"][item_ref]["properties"])
    actual = set(admin_api.get("/api/v1/agencies").get_json()["items"][0])
    assert documented == actual


def test_api_client_helper_is_bearer_only(app, admin):
    # Guard for the fixtures themselves: a client without a token is anonymous.
    assert ApiClient(app.test_client(), None).get("/api/v1/agencies").status_code == 401


# ---- input the database cannot hold: never a 500 ---------------------------------------------------

@pytest.mark.parametrize("path", ["/api/v1/agencies/2147483648", "/api/v1/users/100000000000000000000",
                                  "/api/v1/periods/100000000000000000000/1"])
def test_huge_ids_in_the_path_are_404(admin_api, path):
    assert_error(admin_api.get(path), 404, "not_found")


def test_huge_numbers_in_bodies_and_queries_are_refused_cleanly(admin_api, kabupaten):
    huge = 10 ** 20
    for method, path, body in [
        ("POST", "/api/v1/users", {"username": "besar", "role": "agency", "agency_id": huge,
                                   "password": "Kerupuk-Udang-Sambal-Matah-9"}),
        ("POST", "/api/v1/users", {"username": "besar", "role": "agency", "agency_id": 2 ** 40,
                                   "password": "Kerupuk-Udang-Sambal-Matah-9"}),
        ("POST", "/api/v1/regions", {"code": "62.02.09", "name": "X", "level": "kecamatan", "parent_id": huge}),
        ("GET", "/api/v1/regions?parent_id=999999999999", None),
    ]:
        response = admin_api.open(path, method=method, json=body)
        assert response.status_code < 500, (method, path, response.get_data(as_text=True))
        if response.status_code >= 400:
            assert response.get_json()["error"]["code"] in ("bad_request", "validation_error")
    assert db.session.scalar(select(func.count()).select_from(User).where(User.username == "besar")) == 0


def test_nul_characters_are_refused_on_every_surface(admin_api, client):
    error = assert_error(admin_api.post("/api/v1/agencies", json={"code": "1\x00", "name": "X", "short_name": "X"}),
                         422, "validation_error")
    assert "code" in error["fields"]
    assert_error(admin_api.get("/api/v1/agencies?q=%00"), 400, "bad_request")
    assert_error(client.post("/api/v1/tokens", json={"username": "a\x00b", "password": "x"}), 422,
                 "validation_error")
    assert client.post("/login", data={"username": "a\x00b", "password": "x"}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Agency)) == 0


def test_oversized_body_is_413(make_app, app, make_user):
    small = make_app(MAX_CONTENT_LENGTH=2048)
    user = make_user(role="admin")
    client = small.test_client()
    token = client.post("/api/v1/tokens", json={"username": user.username, "password": PASSWORD}).get_json()["token"]
    response = client.post("/api/v1/agencies", json={"code": "1", "name": "x" * 5000, "short_name": "x"},
                           headers={"Authorization": f"Bearer {token}"})
    assert_error(response, 413, "payload_too_large")
    assert db.session.scalar(select(func.count()).select_from(Agency)) == 0
