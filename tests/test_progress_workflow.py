"""The status machine: every transition and every forbidden one, per role, through the API; audit and
history rows for each change."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import audit_rows
from tests.progress_helpers import full_payload, item_path, make_activity
from tracker.extensions import db
from tracker.progress.models import ProgressEvent, ProgressReport
from tracker.progress.workflow import TRANSITIONS

STATES = [None, "draft", "submitted", "returned", "verified"]
ROLES = ["admin", "coordinator", "agency_own", "agency_other", "viewer", "company"]


@pytest.fixture
def world(make_agency, make_user, api_as):
    own = make_agency(code="1.06.01", name="Dinas Sosial", short_name="Dinsos")
    other = make_agency(code="1.02.01", name="Dinas Kesehatan", short_name="Dinkes")
    users = {
        "admin": make_user(role="admin"),
        "coordinator": make_user(role="coordinator"),
        "agency_own": make_user(role="agency", agency=own),
        "agency_other": make_user(role="agency", agency=other),
        "viewer": make_user(role="viewer"),
        "company": make_user(role="company"),
    }
    activity = make_activity(own)
    return {"activity": activity, "own": own, "other": other, "users": users,
            "api": {name: api_as(user) for name, user in users.items()}}


def bring_to(world, state):
    """Drive the item into ``state`` the normal way (OPD saves and submits, Bappeda reviews)."""
    opd, bappeda, activity = world["api"]["agency_own"], world["api"]["coordinator"], world["activity"]
    if state is None:
        return None
    r = opd.put(item_path(activity), json=full_payload(activity))
    assert r.status_code == 201, r.get_json()
    if state == "draft":
        return r.get_json()
    r = opd.post(item_path(activity, suffix="/submit"))
    assert r.status_code == 200, r.get_json()
    if state == "submitted":
        return r.get_json()
    if state == "verified":
        r = bappeda.post(item_path(activity, suffix="/verify"), json={})
    else:
        r = bappeda.post(item_path(activity, suffix="/return"), json={"comment": "Lampirkan BNBA"})
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def expected(role, action, state):
    permission = {"save": {"admin", "coordinator", "agency_own", "agency_other"},
                  "submit": {"admin", "coordinator", "agency_own", "agency_other"},
                  "verify": {"admin", "coordinator"}, "return": {"admin", "coordinator"}}[action]
    if role not in permission:
        return 403
    if role == "agency_other":
        return 404
    if action == "save":
        if state is None:
            return 201
        return 200 if state in ("draft", "returned") else 409
    if state is None:
        return 404  # nothing saved yet
    return 200 if (state, action) in TRANSITIONS else 409


@pytest.mark.parametrize("state", STATES, ids=lambda s: s or "none")
@pytest.mark.parametrize("action", ["save", "submit", "verify", "return"])
@pytest.mark.parametrize("role", ROLES)
def test_transition_matrix(world, role, action, state):
    current = bring_to(world, state)
    client, activity = world["api"][role], world["activity"]
    before_status = current["status"] if current else None
    audit_before = len(audit_rows("progress_report"))
    if action == "save":
        body = full_payload(activity, budget=12_000_000, physical=30.0,
                            version=current["version"] if current else None)
        response = client.put(item_path(activity), json=body)
    elif action == "return":
        response = client.post(item_path(activity, suffix="/return"), json={"comment": "Perbaiki realisasi"})
    elif action == "verify":
        response = client.post(item_path(activity, suffix="/verify"), json={})
    else:
        response = client.post(item_path(activity, suffix="/submit"))
    want = expected(role, action, state)
    assert response.status_code == want, (role, action, state, response.get_json())
    body = response.get_json()
    report = db.session.scalar(select(ProgressReport).where(ProgressReport.activity_id == activity.id))
    db.session.refresh(report) if report is not None else None
    if want in (200, 201):
        new_status = body["status"]
        if action == "save":
            assert new_status == (before_status or "draft")
            assert body["budget_realized"] == 12_000_000
        else:
            assert new_status == TRANSITIONS[(before_status, action)]
        assert len(audit_rows("progress_report")) == audit_before + 1
        last = db.session.scalars(select(ProgressEvent).order_by(ProgressEvent.id.desc())).first()
        assert last.to_status == new_status
    else:
        assert body["error"]["code"] == {403: "forbidden", 404: "not_found", 409: "conflict"}[want]
        assert len(audit_rows("progress_report")) == audit_before  # nothing recorded for a refusal
        if report is not None:
            assert report.status == before_status
        if want == 409 and report is not None:
            assert body["error"]["current"]["status"] == before_status  # both versions can be shown


def test_full_cycle_with_return_and_history(world):
    opd, bappeda, activity = world["api"]["agency_own"], world["api"]["coordinator"], world["activity"]
    created = opd.put(item_path(activity), json=full_payload(activity)).get_json()
    assert created["status"] == "draft" and created["version"] == 1
    assert opd.post(item_path(activity, suffix="/submit")).get_json()["status"] == "submitted"
    returned = bappeda.post(item_path(activity, suffix="/return"), json={"comment": "Lampirkan daftar BNBA"})
    assert returned.get_json()["status"] == "returned"
    assert returned.get_json()["review_comment"] == "Lampirkan daftar BNBA"
    seen = opd.get(item_path(activity)).get_json()
    assert seen["review_comment"] == "Lampirkan daftar BNBA"
    edited = opd.put(item_path(activity), json={"problems": "BNBA dilampirkan", "version": seen["version"]})
    assert edited.status_code == 200 and edited.get_json()["status"] == "returned"
    assert opd.post(item_path(activity, suffix="/submit")).get_json()["status"] == "submitted"
    verified = bappeda.post(item_path(activity, suffix="/verify"), json={"comment": "Sesuai SIPD"})
    assert verified.get_json()["status"] == "verified" and verified.get_json()["verified_at"]
    events = opd.get(item_path(activity, suffix="/events")).get_json()["items"]
    assert [e["action"] for e in events] == ["create", "submit", "return", "update", "submit", "verify"]
    assert events[2]["comment"] == "Lampirkan daftar BNBA"
    actions = [row.action for row in audit_rows("progress_report")]
    assert actions == ["create", "submit", "return", "update", "submit", "verify"]


def test_return_needs_a_comment(world):
    bring_to(world, "submitted")
    r = world["api"]["coordinator"].post(item_path(world["activity"], suffix="/return"), json={"comment": "  "})
    assert r.status_code == 422 and "comment" in r.get_json()["error"]["fields"]
    r = world["api"]["coordinator"].post(item_path(world["activity"], suffix="/return"), json={})
    assert r.status_code == 422


def test_submit_needs_a_complete_report(world):
    opd, activity = world["api"]["agency_own"], world["activity"]
    r = opd.put(item_path(activity), json={"budget_realized": 1_000_000})
    assert r.status_code == 201 and r.get_json()["complete"] is False
    r = opd.post(item_path(activity, suffix="/submit"))
    assert r.status_code == 422
    fields = r.get_json()["error"]["fields"]
    assert {"physical_progress", "beneficiaries_reached"} <= set(fields)
    assert any(k.startswith("indicator_values.") for k in fields)


def test_get_is_404_until_saved_and_for_other_opd(world):
    activity = world["activity"]
    assert world["api"]["agency_own"].get(item_path(activity)).status_code == 404
    bring_to(world, "draft")
    assert world["api"]["agency_own"].get(item_path(activity)).status_code == 200
    assert world["api"]["viewer"].get(item_path(activity)).status_code == 200
    assert world["api"]["agency_other"].get(item_path(activity)).status_code == 404
    assert world["api"]["company"].get(item_path(activity)).status_code == 403
    assert world["api"]["agency_own"].get(item_path(activity, year=2024)).status_code == 404
    assert world["api"]["agency_own"].get(item_path(activity, quarter=5)).status_code == 404
    assert world["api"]["agency_own"].get(item_path(999999)).status_code == 404


def test_status_and_review_fields_in_payload_are_ignored(world):
    opd, activity = world["api"]["agency_own"], world["activity"]
    body = full_payload(activity, status="verified", review_comment="ok", verified_at="2025-01-01",
                        agency_id=world["other"].id)
    r = opd.put(item_path(activity), json=body)
    assert r.status_code == 201
    data = r.get_json()
    assert data["status"] == "draft" and data["review_comment"] == "" and data["verified_at"] is None
    assert data["agency_id"] == world["own"].id


def test_bulk_review_partial(world, make_user, api_as):
    bappeda = world["api"]["coordinator"]
    opd = world["api"]["agency_own"]
    second = make_activity(world["own"])
    bring_to(world, "submitted")
    opd.put(item_path(second), json=full_payload(second))  # a draft: cannot be verified
    r = bappeda.post("/api/v1/progress/bulk", json={"action": "verify", "year": 2025, "quarter": 2,
                                                   "activity_ids": [world["activity"].id, second.id, 999999]})
    assert r.status_code == 200
    body = r.get_json()
    assert body["done"] == [world["activity"].id]
    assert set(body["errors"]) == {str(second.id), "999999"}
    r = opd.post("/api/v1/progress/bulk", json={"action": "verify", "year": 2025, "quarter": 2,
                                               "activity_ids": [second.id]})
    assert r.status_code == 403
    r = opd.post("/api/v1/progress/bulk", json={"action": "submit", "year": 2025, "quarter": 2,
                                               "activity_ids": [second.id]})
    assert r.status_code == 200 and r.get_json()["done"] == [second.id]


def test_list_is_scoped(world):
    bring_to(world, "submitted")
    other_activity = make_activity(world["other"])
    world["api"]["agency_other"].put(item_path(other_activity), json=full_payload(other_activity))
    own_list = world["api"]["agency_own"].get("/api/v1/progress?year=2025&quarter=2").get_json()
    assert [i["activity_id"] for i in own_list["items"]] == [world["activity"].id]
    assert own_list["items"][0]["status"] == "submitted"
    assert world["api"]["agency_own"].get(f"/api/v1/progress?agency_id={world['other'].id}").status_code == 404
    everything = world["api"]["viewer"].get("/api/v1/progress?year=2025").get_json()
    assert everything["total"] == 2
    only = world["api"]["coordinator"].get("/api/v1/progress?status=draft").get_json()
    assert [i["activity_id"] for i in only["items"]] == [other_activity.id]
    assert world["api"]["coordinator"].get("/api/v1/progress?status=bogus").status_code == 400
