"""Scoping: OPD A never sees or changes OPD B's plan, through the API, the pages or the Excel files."""

from __future__ import annotations

import io

from tests.test_plans_support import YEAR, activity_payload, api, create, fresh, world  # noqa: F401
from tracker.plans.models import Activity


def test_agency_lists_only_its_own_activities(world, api):
    mine = create(api("user_a"), world)
    theirs = create(api("user_b"), world, agency_id=world["agency_b"].id, code="1.02.02.2.02.0001")
    listed = api("user_a").get(f"/api/v1/activities?year={YEAR}").get_json()
    assert [a["id"] for a in listed["items"]] == [mine["id"]] and listed["total"] == 1
    # Asking for B's list explicitly is 'not found', not an empty list of someone else's.
    response = api("user_a").get(f"/api/v1/activities?agency_id={world['agency_b'].id}")
    assert response.status_code == 404
    # Searching cannot reach across either.
    assert api("user_a").get("/api/v1/activities?q=Sembako").get_json()["total"] == 1
    # Coordinators and viewers see both.
    for role in ("coordinator", "viewer", "admin"):
        ids = {a["id"] for a in api(role).get("/api/v1/activities").get_json()["items"]}
        assert ids == {mine["id"], theirs["id"]}, role
    assert api("company").get("/api/v1/activities").status_code == 403


def test_agency_cannot_read_change_or_delete_another_opds_activity(world, api):
    theirs = create(api("user_b"), world, agency_id=world["agency_b"].id)
    url = f"/api/v1/activities/{theirs['id']}"
    a = api("user_a")
    assert a.get(url).status_code == 404
    assert a.patch(url, json={"version": theirs["version"], "name": "Diambil alih"}).status_code == 404
    assert a.delete(url).status_code == 404
    assert fresh(theirs["id"]).name == theirs["name"]
    assert api("viewer").patch(url, json={"version": 1, "name": "x"}).status_code == 403
    assert api("viewer").delete(url).status_code == 403


def test_agency_cannot_create_for_another_opd(world, api):
    response = api("user_a").post("/api/v1/activities", json=activity_payload(world, agency_id=world["agency_b"].id))
    assert response.status_code in (403, 404)
    assert response.get_json()["error"]["code"] in ("forbidden", "not_found")
    assert api("viewer").post("/api/v1/activities", json=activity_payload(world)).status_code == 403


def test_agency_cannot_agree_a_plan_or_see_anothers_plan(world, api):
    create(api("user_a"), world)
    agency_a, agency_b = world["agency_a"].id, world["agency_b"].id
    assert api("user_a").post(f"/api/v1/plans/{agency_a}/{YEAR}/agree", json={}).status_code == 403
    assert api("user_a").get(f"/api/v1/plans/{agency_b}/{YEAR}").status_code == 404
    items = api("user_a").get(f"/api/v1/plans?year={YEAR}").get_json()["items"]
    assert [p["agency_id"] for p in items] == [agency_a]
    totals = api("user_a").get(f"/api/v1/plan-totals?year={YEAR}").get_json()
    assert [r["key"] for r in totals["agencies"]] == [str(agency_a)]
    assert api("user_a").get(f"/api/v1/plan-totals?agency_id={agency_b}").status_code == 404


def test_excel_files_are_scoped(world, api):
    create(api("user_b"), world, agency_id=world["agency_b"].id)
    agency_b = world["agency_b"].id
    assert api("user_a").get(f"/api/v1/plans/{agency_b}/{YEAR}/template.xlsx").status_code == 404
    upload = {"file": (io.BytesIO(b"PK\x03\x04junk"), "x.xlsx")}
    response = api("user_a").post(f"/api/v1/plans/{agency_b}/{YEAR}/import", data=upload,
                                  content_type="multipart/form-data")
    assert response.status_code == 404
    export = api("user_a").get(f"/api/v1/plans/export.xlsx?year={YEAR}")
    assert export.status_code == 200
    from openpyxl import load_workbook

    rows = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(min_row=2, values_only=True))
    assert rows == []  # B's activity is not in A's export


def test_pages_are_scoped(world, api, client_as):
    theirs = create(api("user_b"), world, agency_id=world["agency_b"].id)
    mine = create(api("user_a"), world, code="1.06.05.2.02.0004", name="Kegiatan milik Dinsos")
    browser = client_as(world["user_a"])
    page = browser.get(f"/plans/?year={YEAR}").get_data(as_text=True)
    assert "Kegiatan milik Dinsos" in page and theirs["name"] not in page
    assert browser.get(f"/plans/?year={YEAR}&agency_id={world['agency_b'].id}").status_code == 404
    agency_b = world["agency_b"].id
    for path in (f"/plans/activities/{theirs['id']}", f"/plans/activities/{theirs['id']}/edit",
                 f"/plans/{agency_b}/{YEAR}/template.xlsx", f"/plans/{agency_b}/{YEAR}/upload"):
        assert browser.get(path).status_code == 404, path
    assert browser.post(f"/plans/activities/{theirs['id']}/delete").status_code == 404
    assert browser.post(f"/plans/activities/{theirs['id']}/edit", data={"name": "x"}).status_code == 404
    assert browser.post(f"/plans/{agency_b}/{YEAR}/agree").status_code == 403
    # Creating through the form with B's agency_id still creates for A (the field is not even offered).
    data = {"agency_id": str(agency_b), "year": str(YEAR), "program": "P", "kegiatan": "K",
            "code": "1.06.05.2.02.0007", "name": "Lewat formulir", "strategy": "S1", "funding_source": "APBD_KAB",
            "budget": "1.000.000", "region_ids": [str(world["kabupaten"]["kecamatan"][0].id)],
            "target_beneficiaries": "1", "beneficiary_unit": "KK", "indicators-0-name": "I",
            "indicators-0-unit": "KK", "indicators-0-aggregation": "sum", "indicators-0-target": "1",
            "indicators-0-q1": "1", "action": "save"}
    response = browser.post("/plans/activities/new", data=data)
    assert response.status_code == 303
    from sqlalchemy import select

    from tracker.extensions import db

    db.session.expire_all()
    created = db.session.scalar(select(Activity).where(Activity.name == "Lewat formulir"))
    assert created.agency_id == world["agency_a"].id
    assert mine["agency_id"] == world["agency_a"].id
    # Viewers read pages but cannot reach forms; company users see nothing of the plans.
    viewer = client_as(world["viewer"])
    assert viewer.get(f"/plans/activities/{theirs['id']}").status_code == 200
    assert viewer.get("/plans/activities/new").status_code == 403
    assert client_as(world["company"]).get("/plans/").status_code == 403
