"""Quarters (api.md, Quarters; product.md §2): due dates, lock and unlock, their audit rows."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from tests.conftest import audit_rows
from tests.test_api_base import assert_error
from tracker.extensions import db
from tracker.periods.models import Period


@pytest.fixture
def coordinator(make_user):
    return make_user(role="coordinator")


@pytest.fixture
def coord_api(coordinator, api_as):
    return api_as(coordinator)


def _period_count(year=None):
    stmt = select(func.count()).select_from(Period)
    if year is not None:
        stmt = stmt.where(Period.year == year)
    return db.session.scalar(stmt)


def test_year_is_created_with_default_due_dates(coord_api):
    response = coord_api.get("/api/v1/periods?year=2025")
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 4
    items = body["items"]
    assert [p["quarter"] for p in items] == [1, 2, 3, 4]
    assert all(p["year"] == 2025 for p in items)
    assert [p["due_date"] for p in items] == ["2025-04-10", "2025-07-10", "2025-10-10", "2026-01-10"]
    assert all(p["locked"] is False and p["locked_at"] is None for p in items)
    assert all(set(p) >= {"year", "quarter", "due_date", "locked", "locked_at"} for p in items)
    # Reading never writes: the quarters are stored when one is changed (due date, lock).
    assert _period_count(2025) == 0
    assert coord_api.post("/api/v1/periods/2025/1/lock", json={}).status_code == 200
    assert _period_count(2025) == 4
    again = coord_api.get("/api/v1/periods?year=2025").get_json()["items"]
    assert [p["locked"] for p in again] == [True, False, False, False]
    assert _period_count(2025) == 4


def test_due_day_is_configurable(make_app, app, make_user):
    other = make_app(DEFAULT_DUE_DAY=15)
    user = make_user(role="viewer")
    from tests.conftest import PASSWORD, ApiClient

    client = other.test_client()
    token = client.post("/api/v1/tokens", json={"username": user.username, "password": PASSWORD}).get_json()["token"]
    items = ApiClient(client, token).get("/api/v1/periods?year=2026").get_json()["items"]
    assert [p["due_date"] for p in items] == ["2026-04-15", "2026-07-15", "2026-10-15", "2027-01-15"]


@pytest.mark.parametrize("query", ["", "?year=", "?year=abc", "?year=1999", "?year=2101", "?year=2025.5"])
def test_year_is_required_and_checked(coord_api, query):
    assert_error(coord_api.get(f"/api/v1/periods{query}"), 400, "bad_request")
    assert _period_count() == 0


def test_every_role_may_read_periods(make_user, api_as):
    for role in ("admin", "coordinator", "agency", "company", "viewer"):
        assert api_as(make_user(role=role)).get("/api/v1/periods?year=2025").status_code == 200, role


def test_single_period_and_bad_quarter(coord_api):
    body = coord_api.get("/api/v1/periods/2025/2").get_json()
    assert body["quarter"] == 2 and body["due_date"] == "2025-07-10"
    assert_error(coord_api.get("/api/v1/periods/2025/5"), 404, "not_found")
    assert_error(coord_api.get("/api/v1/periods/2025/0"), 404, "not_found")


def test_lock_and_unlock_cycle(coord_api, coordinator):
    locked = coord_api.post("/api/v1/periods/2025/1/lock", json={"reason": "Rakor TW I selesai"})
    assert locked.status_code == 200, locked.get_json()
    body = locked.get_json()
    assert body["locked"] is True and body["locked_at"].endswith("+07:00")
    period = db.session.scalar(select(Period).where(Period.year == 2025, Period.quarter == 1))
    assert period.locked and period.locked_by_id == coordinator.id

    assert_error(coord_api.post("/api/v1/periods/2025/1/lock", json={}), 409, "conflict")

    unlocked = coord_api.post("/api/v1/periods/2025/1/unlock", json={"reason": "Koreksi data Dinsos"})
    assert unlocked.status_code == 200
    assert unlocked.get_json()["locked"] is False and unlocked.get_json()["locked_at"] is None
    assert_error(coord_api.post("/api/v1/periods/2025/1/unlock", json={"reason": "lagi"}), 409, "conflict")

    rows = audit_rows("period")
    assert [r.action for r in rows] == ["lock", "unlock"]
    assert rows[0].user_id == coordinator.id and rows[1].user_id == coordinator.id
    assert rows[1].after["reason"] == "Koreksi data Dinsos"
    assert rows[0].before == {"locked": False} and rows[1].before == {"locked": True}


def test_lock_without_body_works(coord_api):
    assert coord_api.post("/api/v1/periods/2025/3/lock").status_code == 200
    assert len(audit_rows("period")) == 1


@pytest.mark.parametrize("body, status", [({}, 422), ({"reason": ""}, 422), ({"reason": "   "}, 422),
                                          ({"reason": 5}, 400)])
def test_unlock_needs_a_reason(coord_api, body, status):
    coord_api.post("/api/v1/periods/2025/2/lock", json={})
    response = coord_api.post("/api/v1/periods/2025/2/unlock", json=body)
    error = assert_error(response, status, "validation_error" if status == 422 else "bad_request")
    assert "reason" in error["fields"]
    assert coord_api.get("/api/v1/periods/2025/2").get_json()["locked"] is True
    assert [r.action for r in audit_rows("period")] == ["lock"]


def test_admin_may_lock(make_user, api_as):
    api = api_as(make_user(role="admin"))
    assert api.post("/api/v1/periods/2025/4/lock", json={}).status_code == 200


@pytest.mark.parametrize("role", ["agency", "company", "viewer"])
def test_other_roles_may_not_lock_or_unlock(make_user, api_as, coord_api, role):
    api = api_as(make_user(role=role))
    assert_error(api.post("/api/v1/periods/2025/1/lock", json={}), 403, "forbidden")
    coord_api.post("/api/v1/periods/2025/2/lock", json={})
    assert_error(api.post("/api/v1/periods/2025/2/unlock", json={"reason": "ingin"}), 403, "forbidden")
    assert_error(api.patch("/api/v1/periods/2025/2", json={"due_date": "2025-07-20", "version": 1}), 403, "forbidden")
    assert [r.action for r in audit_rows("period")] == ["lock"]


def test_lock_state_is_shared_through_the_list(coord_api, make_user, api_as):
    coord_api.post("/api/v1/periods/2025/1/lock", json={})
    items = api_as(make_user(role="agency")).get("/api/v1/periods?year=2025").get_json()["items"]
    assert [p["locked"] for p in items] == [True, False, False, False]


def test_due_date_change(coord_api):
    period = coord_api.get("/api/v1/periods/2025/1").get_json()
    ok = coord_api.patch("/api/v1/periods/2025/1", json={"due_date": "2025-04-15", "version": period["version"]})
    assert ok.status_code == 200 and ok.get_json()["due_date"] == "2025-04-15"
    assert_error(coord_api.patch("/api/v1/periods/2025/1", json={"due_date": "2025-04-20",
                                                                  "version": period["version"]}), 409, "conflict")
    error = assert_error(coord_api.patch("/api/v1/periods/2025/1", json={"due_date": "2025-03-01",
                                                                          "version": ok.get_json()["version"]}),
                         422, "validation_error")
    assert "due_date" in error["fields"]
    assert_error(coord_api.patch("/api/v1/periods/2025/1", json={"due_date": "10/04/2025", "version": 2}),
                 400, "bad_request")
    assert [r.action for r in audit_rows("period")] == ["update"]
    assert audit_rows("period")[0].after == {"due_date": "2025-04-15"}


def test_first_change_of_a_year_from_many_clients_at_once(app, make_user, api_as):
    """Quarters are stored on the first change of a year; simultaneous first changes (each locking
    another quarter, so each needs the year's rows) all succeed and create the year once."""
    clients = [api_as(make_user(role="coordinator")) for _ in range(4)]
    barrier = threading.Barrier(len(clients))
    results = []

    def lock(api, quarter):
        barrier.wait()
        results.append(api.post(f"/api/v1/periods/2030/{quarter}/lock", json={}).status_code)

    threads = [threading.Thread(target=lock, args=(api, q)) for q, api in enumerate(clients, start=1)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * len(clients)
    assert _period_count(2030) == 4
    stored = db.session.scalars(select(Period).where(Period.year == 2030).order_by(Period.quarter)).all()
    assert [p.locked for p in stored] == [True] * 4
    assert [p.due_date for p in stored] == [date(2030, 4, 10), date(2030, 7, 10), date(2030, 10, 10), date(2031, 1, 10)]
