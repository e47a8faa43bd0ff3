"""The OpenAPI document says what the code accepts: each query parameter's declared type and bounds
are what the route enforces, text refuses control characters on every surface, every number the
schema allows survives, and the browsable reference works without the internet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.progress_helpers import indicator_ids, make_activity
from tracker.extensions import db
from tracker.reference.models import Agency

STATIC = Path(__file__).resolve().parents[1] / "static"


@pytest.fixture
def doc(client):
    return client.get("/api/v1/openapi.json").get_json()


@pytest.fixture
def admin_api(make_user, api_as):
    return api_as(make_user(role="admin"))  # every permission: the parameters are what is tested


def _operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield path, method, op


def _concrete(path: str) -> str:
    return re.sub(r"{(\w+)}", lambda m: {"year": "2025", "quarter": "2"}.get(m.group(1), "1"), path)


def test_every_query_parameter_is_typed(doc):
    untyped = [(path, method, p["name"]) for path, method, op in _operations(doc)
               for p in op["parameters"] if p["in"] == "query" and "type" not in p["schema"]]
    assert not untyped


def test_query_values_the_document_refuses_are_400_and_the_ones_it_allows_are_not(doc, admin_api):
    """For every GET operation: a non-number for an integer parameter, an unknown choice for an enum
    and a value past a documented bound answer 400; the documented minimum is accepted."""
    checked = 0
    for path, method, op in _operations(doc):
        if method != "get" or path.endswith("/docs"):
            continue
        required = {p["name"]: str(p["schema"].get("minimum", 1)) for p in op["parameters"]
                    if p["in"] == "query" and p["required"]}
        for param in op["parameters"]:
            if param["in"] != "query":
                continue
            schema, url = param["schema"], _concrete(path)
            others = {k: v for k, v in required.items() if k != param["name"]}
            bad = []
            if schema["type"] == "integer":
                bad += ["abc", "1.5", "1_0", ""]
                if "maximum" in schema:
                    bad.append(str(schema["maximum"] + 1))
                good = str(schema.get("minimum", 1))
            elif "enum" in schema:
                bad += ["zz-unknown", ""]
                good = schema["enum"][0]
            elif schema["type"] == "boolean":
                bad.append("perhaps")
                good = "true"
            else:
                bad.append("x" * (schema.get("maxLength", 200) + 1))
                good = "a"
            for value in bad:
                response = admin_api.get(url, query_string={**others, param["name"]: value})
                assert response.status_code == 400, (path, param["name"], value, response.status_code)
                assert param["name"] in response.get_json()["error"]["fields"]
            response = admin_api.get(url, query_string={**others, param["name"]: good})
            assert response.status_code != 400, (path, param["name"], good, response.get_json())
            checked += 1
    assert checked >= 25  # every list filter of the API


def test_required_query_parameters_are_marked(doc, admin_api):
    op = doc["paths"]["/api/v1/periods"]["get"]
    year = next(p for p in op["parameters"] if p["name"] == "year")
    assert year["required"] is True and year["schema"]["minimum"] == 2000
    response = admin_api.get("/api/v1/periods")
    assert response.status_code == 400 and response.get_json()["error"]["fields"]["year"] == "Wajib diisi."


def test_path_parameters_carry_their_bounds(doc, admin_api):
    op = doc["paths"]["/api/v1/periods/{year}/{quarter}"]["patch"]
    bounds = {p["name"]: (p["schema"]["minimum"], p["schema"]["maximum"]) for p in op["parameters"]}
    assert bounds == {"year": (2000, 2100), "quarter": (1, 4)}
    ids = doc["paths"]["/api/v1/activities/{activity_id}"]["patch"]["parameters"][0]["schema"]
    assert ids["maximum"] == 2**31 - 1
    # beyond the column's range: 'not found' for every method, never 405
    for method in ("get", "patch", "delete"):
        response = getattr(admin_api, method)(f"/api/v1/activities/{2**31}", json={"version": 1})
        assert response.status_code == 404, method


def test_statuses_each_operation_can_answer_are_documented(doc):
    for path, method, op in _operations(doc):
        responses = set(op["responses"])
        assert {"400", "405"} <= responses, (path, method)
        if op.get("security") != []:
            assert {"401", "403", "404"} <= responses, (path, method)
        if method in ("post", "put", "patch", "delete"):
            assert {"409", "422"} <= responses, (path, method)
    progress_put = doc["paths"]["/api/v1/activities/{activity_id}/progress/{year}/{quarter}"]["put"]
    assert "423" in progress_put["responses"]
    assert "429" in doc["paths"]["/api/v1/tokens"]["post"]["responses"]


def test_uploads_are_documented_as_multipart(doc):
    uploads = [(path, method) for path, method, op in _operations(doc)
               if "multipart/form-data" in op.get("requestBody", {}).get("content", {})]
    # progress evidence, plan import, progress Excel, CSR evidence, meeting files, agreement evidence, target list
    # import, an activity's beneficiaries (also JSON)
    assert len(uploads) == 8
    for path, method in uploads:
        body = doc["paths"][path][method]["requestBody"]["content"]["multipart/form-data"]["schema"]
        assert body["properties"]["file"] == {"type": "string", "format": "binary"}
    targets = doc["paths"]["/api/v1/target-lists"]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert targets["required"] == ["file", "source", "as_of"] and targets["properties"]["as_of"]["format"] == "date"
    people = doc["paths"]["/api/v1/activities/{activity_id}/beneficiaries"]["post"]["requestBody"]["content"]
    assert set(people) == {"multipart/form-data", "application/json"}
    assert people["multipart/form-data"]["schema"]["required"] == ["file", "quarter"]


def test_request_text_refuses_control_characters(doc, make_user, api_as):
    pattern = doc["components"]["schemas"]["AgencyIn"]["properties"]["name"]["pattern"]
    assert re.fullmatch(pattern, "Dinas Sosial\nKab. Kotim") and not re.fullmatch(pattern, "Dinas\x1b[31m")
    api = api_as(make_user(role="admin"))
    before = db.session.scalar(select(func.count()).select_from(Agency))
    response = api.post("/api/v1/agencies", json={"code": "9.99.01", "name": "Dinas\x1b[31mMerah", "short_name": "X"})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"name": "Berisi karakter yang tidak sah."}
    assert db.session.scalar(select(func.count()).select_from(Agency)) == before


def test_pages_refuse_control_characters_with_a_message(make_user, client_as):
    web = client_as(make_user(role="admin"))
    response = web.post("/reference/agencies/new", data={"code": "9.99.02", "name": "Dinas\x07Bel", "short_name": "B"})
    assert response.status_code == 400
    assert "karakter kendali" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Agency).where(Agency.code == "9.99.02")) == 0


@pytest.mark.parametrize("overrides", [
    {"budget": 10**30}, {"target_beneficiaries": 10**40},
])
def test_any_integer_the_schema_types_allows_is_answered_not_crashed(make_agency, make_user, api_as, kabupaten,
                                                                   overrides):
    agency = make_agency()
    api = api_as(make_user(role="agency", agency=agency))
    body = {"year": 2025, "program": "Program", "kegiatan": "Kegiatan", "code": "1.06.02.2.01.0001",
            "name": "Bantuan", "strategy": "S1", "funding_source": "APBD_KAB", "budget": 1000,
            "region_ids": [kabupaten["kecamatan"][0].id],
            "indicators": [{"name": "KK", "unit": "KK", "aggregation": "sum", "target": 1e33,
                            "quarter_targets": [1e33, 1e300, 0, 0]}], **overrides}
    response = api.post("/api/v1/activities", json=body)
    assert response.status_code == 422, response.get_json()
    assert set(overrides) <= set(response.get_json()["error"]["fields"])


def test_progress_values_survive_huge_numbers(make_agency, make_user, api_as):
    agency = make_agency()
    activity = make_activity(agency)
    api = api_as(make_user(role="agency", agency=agency))
    ind = indicator_ids(activity)[0]
    response = api.put(f"/api/v1/activities/{activity.id}/progress/2025/2",
                       json={"budget_realized": 10**40, "physical_progress": 1e300,
                             "indicator_values": [{"indicator_id": ind, "value": 1e300}]})
    assert response.status_code == 422
    assert {"budget_realized", "physical_progress"} <= set(response.get_json()["error"]["fields"])


def test_the_reference_page_works_offline(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert not re.search(r"""(src|href)=["']https?://""", html), "no CDN, no third-party asset"
    assets = re.findall(r"""(?:src|href)=["'](/static/[^"']+)["']""", html)
    assert any("swagger-ui-dist-" in a and a.endswith(".js") for a in assets)
    for asset in assets:
        assert (STATIC / asset.removeprefix("/static/")).is_file(), asset
        assert client.get(asset).status_code == 200, asset
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    script = (STATIC / "js" / "api-docs.js").read_text()
    assert "validatorUrl: null" in script  # Swagger UI would otherwise call a public validator


def test_admins_find_the_reference_in_the_navigation(make_user, client_as):
    assert "/api/v1/docs" in client_as(make_user(role="admin")).get("/").get_data(as_text=True)
    assert "/api/v1/docs" not in client_as(make_user(role="viewer")).get("/").get_data(as_text=True)


def test_a_body_of_optional_fields_may_be_left_out(doc, admin_api):
    lock = doc["paths"]["/api/v1/periods/{year}/{quarter}/lock"]["post"]["requestBody"]
    assert lock["required"] is False
    assert doc["paths"]["/api/v1/activities"]["post"]["requestBody"]["required"] is True
    assert admin_api.post("/api/v1/periods/2025/1/lock").status_code == 200
