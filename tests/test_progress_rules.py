"""The validation rules, locking, version conflicts (also under concurrent threads)."""

from __future__ import annotations

import threading

import pytest

from tests.conftest import audit_rows
from tests.progress_helpers import PDF_BYTES, full_payload, indicator_ids, item_path, make_activity
from tracker.extensions import db


@pytest.fixture
def setup(make_agency, make_user, api_as):
    agency = make_agency(code="1.06.01", name="Dinas Sosial", short_name="Dinsos")
    opd_user = make_user(role="agency", agency=agency)
    bappeda_user = make_user(role="coordinator")
    activity = make_activity(agency, budget=100_000_000, indicators=[
        {"name": "Keluarga menerima bantuan", "aggregation": "sum", "target": 100, "quarter_targets": [20, 30, 30, 20]},
        {"name": "Persentase desa terlayani", "unit": "%", "aggregation": "last", "target": 80,
         "quarter_targets": [20, 40, 60, 80]},
    ])
    return {"agency": agency, "activity": activity, "opd": api_as(opd_user), "bappeda": api_as(bappeda_user),
            "opd_user": opd_user, "bappeda_user": bappeda_user}


# ---- validation ---------------------------------------------------------------------------------------

def test_cumulative_budget_may_not_exceed_the_budget(setup):
    opd, activity = setup["opd"], setup["activity"]
    assert opd.put(item_path(activity, quarter=1), json=full_payload(activity, budget=60_000_000)).status_code == 201
    r = opd.put(item_path(activity, quarter=2), json=full_payload(activity, budget=40_000_001, physical=50))
    assert r.status_code == 422
    error = r.get_json()["error"]
    assert error["code"] == "validation_error" and "pagu" in error["fields"]["budget_realized"]
    r = opd.put(item_path(activity, quarter=2), json=full_payload(activity, budget=40_000_000, physical=50))
    assert r.status_code == 201
    data = r.get_json()
    assert data["budget_realized_cumulative"] == 100_000_000 and data["effective_budget"] == 100_000_000


def test_revised_budget_is_the_ceiling(setup, make_agency):
    activity = make_activity(setup["agency"], budget=100_000_000, budget_revised=50_000_000)
    r = setup["opd"].put(item_path(activity, quarter=1), json=full_payload(activity, budget=60_000_000))
    assert r.status_code == 422 and "budget_realized" in r.get_json()["error"]["fields"]
    r = setup["opd"].put(item_path(activity, quarter=1), json=full_payload(activity, budget=50_000_000))
    assert r.status_code == 201 and r.get_json()["effective_budget"] == 50_000_000


@pytest.mark.parametrize("value", [-0.1, 100.01, 250])
def test_physical_progress_between_0_and_100(setup, value):
    r = setup["opd"].put(item_path(setup["activity"]), json=full_payload(setup["activity"], physical=value))
    assert r.status_code == 422 and "physical_progress" in r.get_json()["error"]["fields"]


def test_physical_progress_may_not_drop_without_a_reason(setup):
    opd, activity = setup["opd"], setup["activity"]
    opd.put(item_path(activity, quarter=1), json=full_payload(activity, budget=1_000_000, physical=40))
    r = opd.put(item_path(activity, quarter=2), json=full_payload(activity, budget=1_000_000, physical=35))
    assert r.status_code == 422
    fields = r.get_json()["error"]["fields"]
    assert "40" in fields["physical_progress"] and "progress_drop_reason" in fields
    r = opd.put(item_path(activity, quarter=2), json=full_payload(
        activity, budget=1_000_000, physical=35, progress_drop_reason="Pekerjaan dibongkar ulang karena banjir"))
    assert r.status_code == 201 and r.get_json()["physical_progress"] == 35


def test_indicator_values_must_not_be_negative_and_must_belong(setup, make_agency):
    opd, activity = setup["opd"], setup["activity"]
    first, second = indicator_ids(activity)
    r = opd.put(item_path(activity), json={"indicator_values": [{"indicator_id": first, "value": -1}]})
    assert r.status_code == 422 and f"indicator_values.{first}" in r.get_json()["error"]["fields"]
    stranger = make_activity(setup["agency"])
    r = opd.put(item_path(activity), json={"indicator_values": [{"indicator_id": indicator_ids(stranger)[0], "value": 1}]})
    assert r.status_code == 422


def test_negative_money_and_counts(setup):
    opd, activity = setup["opd"], setup["activity"]
    r = opd.put(item_path(activity), json={"budget_realized": -5, "beneficiaries_reached": -1})
    assert r.status_code == 422
    assert {"budget_realized", "beneficiaries_reached"} <= set(r.get_json()["error"]["fields"])


def test_wrong_types_are_400_not_500(setup):
    opd, activity = setup["opd"], setup["activity"]
    r = opd.put(item_path(activity), json={"budget_realized": "sepuluh juta"})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "bad_request"
    r = opd.put(item_path(activity), data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    r = opd.put(item_path(activity), json={"indicator_values": "banyak"})
    assert r.status_code == 400


def test_above_target_is_allowed_but_flagged(setup):
    opd, activity = setup["opd"], setup["activity"]
    first, second = indicator_ids(activity)
    body = full_payload(activity)
    body["indicator_values"] = [{"indicator_id": first, "value": 45}, {"indicator_id": second, "value": 85}]
    r = opd.put(item_path(activity, quarter=2), json=body)
    assert r.status_code == 201
    flags = r.get_json()["flags"]
    codes = {(f["indicator_id"], f["code"]) for f in flags}
    assert (first, "above_quarter_target") in codes  # 45 > 30
    assert (second, "above_quarter_target") in codes and (second, "above_annual_target") in codes  # 85 > 40, > 80
    assert (first, "above_annual_target") not in codes  # cumulative 45 <= 100
    assert r.get_json()["complete"] is True
    assert opd.post(item_path(activity, quarter=2, suffix="/submit")).status_code == 200


def test_sum_indicator_annual_flag_uses_the_cumulative(setup):
    opd, activity = setup["opd"], setup["activity"]
    first, second = indicator_ids(activity)
    for quarter, value in ((1, 60), (2, 50)):
        body = full_payload(activity, budget=1_000_000, physical=20 * quarter)
        body["indicator_values"] = [{"indicator_id": first, "value": value}, {"indicator_id": second, "value": 10}]
        r = opd.put(item_path(activity, quarter=quarter), json=body)
    codes = {(f["indicator_id"], f["code"]) for f in r.get_json()["flags"]}
    assert (first, "above_annual_target") in codes  # 60 + 50 > 100


def test_partial_update_keeps_other_fields(setup):
    opd, activity = setup["opd"], setup["activity"]
    created = opd.put(item_path(activity), json=full_payload(activity)).get_json()
    r = opd.put(item_path(activity), json={"problems": "Cuaca buruk", "version": created["version"]})
    data = r.get_json()
    assert data["problems"] == "Cuaca buruk" and data["budget_realized"] == created["budget_realized"]
    assert data["indicator_values"] == created["indicator_values"]
    assert data["version"] == created["version"] + 1


def test_unchanged_save_writes_nothing(setup):
    opd, activity = setup["opd"], setup["activity"]
    created = opd.put(item_path(activity), json=full_payload(activity)).get_json()
    count = len(audit_rows("progress_report"))
    r = opd.put(item_path(activity), json=full_payload(activity, version=created["version"]))
    assert r.status_code == 200 and r.get_json()["version"] == created["version"]
    assert len(audit_rows("progress_report")) == count


def test_indicator_only_change_bumps_the_version(setup):
    opd, activity = setup["opd"], setup["activity"]
    created = opd.put(item_path(activity), json=full_payload(activity)).get_json()
    first = indicator_ids(activity)[0]
    r = opd.put(item_path(activity), json={"indicator_values": [{"indicator_id": first, "value": 7}],
                                           "version": created["version"]})
    assert r.get_json()["version"] == created["version"] + 1
    stale = opd.put(item_path(activity), json={"indicator_values": [{"indicator_id": first, "value": 8}],
                                               "version": created["version"]})
    assert stale.status_code == 409


def test_text_too_long_is_rejected_not_truncated(setup):
    r = setup["opd"].put(item_path(setup["activity"]), json={"problems": "x" * 4001})
    assert r.status_code == 422 and "problems" in r.get_json()["error"]["fields"]


# ---- locking ------------------------------------------------------------------------------------------

def test_locked_quarter_rejects_every_change(setup, make_user, api_as):
    opd, bappeda, activity = setup["opd"], setup["bappeda"], setup["activity"]
    saved = opd.put(item_path(activity), json=full_payload(activity)).get_json()
    upload = opd.post(item_path(activity, suffix="/attachments"),
                      data={"file": (__import__("io").BytesIO(PDF_BYTES), "bukti.pdf")}, content_type="multipart/form-data")
    attachment_id = upload.get_json()["id"]
    second = make_activity(setup["agency"])
    opd.put(item_path(second), json=full_payload(second))
    opd.post(item_path(second, suffix="/submit"))
    assert bappeda.post("/api/v1/periods/2025/2/lock", json={"reason": "Rakor selesai"}).status_code == 200
    audit_count = len(audit_rows())

    def locked(response):
        assert response.status_code == 423, response.get_json()
        assert response.get_json()["error"]["code"] == "locked"

    locked(opd.put(item_path(activity), json={"problems": "x", "version": saved["version"]}))
    locked(opd.put(item_path(make_activity(setup["agency"])), json={"problems": "baru"}))
    locked(opd.post(item_path(activity, suffix="/submit")))
    locked(bappeda.put(item_path(activity), json={"problems": "x", "version": saved["version"]}))
    locked(bappeda.post(item_path(second, suffix="/verify"), json={}))
    locked(bappeda.post(item_path(second, suffix="/return"), json={"comment": "perbaiki"}))
    locked(opd.post(item_path(activity, suffix="/attachments"),
                    data={"file": (__import__("io").BytesIO(PDF_BYTES), "bukti2.pdf")}, content_type="multipart/form-data"))
    locked(opd.delete(f"/api/v1/attachments/{attachment_id}"))
    locked(bappeda.post("/api/v1/progress/bulk", json={"action": "verify", "year": 2025, "quarter": 2,
                                                       "activity_ids": [second.id]}))
    excel = opd.get("/api/v1/progress/2025/2/excel").data
    locked(opd.post("/api/v1/progress/2025/2/excel", data={"file": (__import__("io").BytesIO(excel), "tw2.xlsx")},
                    content_type="multipart/form-data"))
    assert len(audit_rows()) == audit_count
    # reading still works
    assert opd.get(item_path(activity)).status_code == 200
    assert opd.get(f"/api/v1/attachments/{attachment_id}").status_code == 200
    # unlocking needs a reason, and then changes are accepted again
    assert bappeda.post("/api/v1/periods/2025/2/unlock", json={"reason": ""}).status_code == 422
    assert opd.post("/api/v1/periods/2025/2/unlock", json={"reason": "x"}).status_code == 403
    assert bappeda.post("/api/v1/periods/2025/2/unlock", json={"reason": "Koreksi data Dinsos"}).status_code == 200
    assert opd.put(item_path(activity), json={"problems": "x", "version": saved["version"]}).status_code == 200
    actions = [(r.action, r.entity) for r in audit_rows("period")]
    assert ("lock", "period") in actions and ("unlock", "period") in actions


def test_other_quarters_stay_open_when_one_is_locked(setup):
    setup["bappeda"].post("/api/v1/periods/2025/1/lock", json={})
    r = setup["opd"].put(item_path(setup["activity"], quarter=2), json=full_payload(setup["activity"]))
    assert r.status_code == 201


# ---- versions -----------------------------------------------------------------------------------------

def test_stale_version_is_409_with_the_current_item(setup):
    opd, bappeda, activity = setup["opd"], setup["bappeda"], setup["activity"]
    created = opd.put(item_path(activity), json=full_payload(activity)).get_json()
    first = bappeda.put(item_path(activity), json={"budget_realized": 11_000_000, "version": created["version"]})
    assert first.status_code == 200
    second = opd.put(item_path(activity), json={"budget_realized": 12_000_000, "version": created["version"]})
    assert second.status_code == 409
    error = second.get_json()["error"]
    assert error["code"] == "conflict"
    assert error["current"]["budget_realized"] == 11_000_000 and error["current"]["version"] == created["version"] + 1
    assert opd.get(item_path(activity)).get_json()["budget_realized"] == 11_000_000


def test_update_without_version_is_a_conflict(setup):
    opd, activity = setup["opd"], setup["activity"]
    opd.put(item_path(activity), json=full_payload(activity))
    r = opd.put(item_path(activity), json={"budget_realized": 5})
    assert r.status_code == 409 and "current" in r.get_json()["error"]


def _race(app, requests_):
    """Run the callables at the same moment on their own threads; returns their status codes."""
    barrier = threading.Barrier(len(requests_))
    results = [None] * len(requests_)
    db.session.remove()  # the test's own session must not hold a transaction while the threads write

    def run(index, call):
        with app.app_context():
            barrier.wait()
            results[index] = call()
            db.session.remove()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(requests_)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


@pytest.mark.slow
def test_concurrent_updates_with_the_same_version(app, setup, api_as):
    opd, activity = setup["opd"], setup["activity"]
    created = opd.put(item_path(activity), json=full_payload(activity)).get_json()
    clients = [api_as(setup["opd_user"]) for _ in range(6)]
    path = item_path(activity)
    calls = [lambda c=c, n=n: c.put(path, json={"budget_realized": 1_000_000 + n,
                                                "version": created["version"]}).status_code
             for n, c in enumerate(clients)]
    codes = _race(app, calls)
    assert sorted(codes) == [200] + [409] * 5, codes
    final = opd.get(item_path(activity)).get_json()
    assert final["version"] == created["version"] + 1
    winner = codes.index(200)
    assert final["budget_realized"] == 1_000_000 + winner


@pytest.mark.slow
def test_concurrent_creation(app, setup, api_as):
    activity = setup["activity"]
    clients = [api_as(setup["opd_user"]) for _ in range(5)]
    path, body = item_path(activity), full_payload(activity)
    calls = [lambda c=c: c.put(path, json=body).status_code for c in clients]
    codes = _race(app, calls)
    assert sorted(codes) == [201] + [409] * 4, codes


@pytest.mark.slow
def test_concurrent_submit_and_edit(app, setup, api_as):
    opd, activity = setup["opd"], setup["activity"]
    created = opd.put(item_path(activity), json=full_payload(activity)).get_json()
    a, b = api_as(setup["opd_user"]), api_as(setup["opd_user"])
    path = item_path(activity)
    codes = _race(app, [lambda: a.post(path + "/submit").status_code,
                        lambda: b.put(path, json={"problems": "x", "version": created["version"]}).status_code])
    assert sorted(codes) in ([200, 200], [200, 409]), codes
    final = opd.get(item_path(activity)).get_json()
    submit_code, edit_code = codes
    if codes == [200, 200]:  # the edit came first, then the submission of the edited item
        assert final["status"] == "submitted" and final["problems"] == "x"
    elif submit_code == 200:  # submitted first: the edit of the old version was refused
        assert final["status"] == "submitted" and final["problems"] == created["problems"]
    else:  # the edit won the race; the submission of the version it had read was refused
        assert final["status"] == "draft" and final["problems"] == "x"
    assert final["version"] == created["version"] + codes.count(200)
