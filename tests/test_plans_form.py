"""The activity form: messages next to fields, rows added/removed in place, the live check, demo data."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests.test_plans_support import YEAR, api, create, fresh, world  # noqa: F401
from tracker.extensions import db
from tracker.plans.models import Activity, BudgetRevision, Plan


def _data(world, **overrides) -> dict:
    kec = world["kabupaten"]["kecamatan"]
    data = {"year": str(YEAR), "program": "Program Pengembangan Perumahan", "kegiatan": "Rehabilitasi Rumah",
            "code": "1.04.02.2.01.0003", "name": "Bedah Rumah Tidak Layak Huni", "strategy": "S1",
            "funding_source": "APBD_KAB", "budget": "1.500.000.000", "region_ids": [str(kec[1].id)],
            "target_beneficiaries": "75", "beneficiary_unit": "unit",
            "indicators-0-name": "Rumah diperbaiki", "indicators-0-unit": "unit", "indicators-0-aggregation": "sum",
            "indicators-0-target": "75", "indicators-0-q1": "0", "indicators-0-q2": "25", "indicators-0-q3": "25",
            "indicators-0-q4": "25", "action": "save"}
    data.update(overrides)
    return data


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Activity))


def test_form_creates_an_activity(world, client_as):
    browser = client_as(world["user_a"])
    page = browser.get("/plans/activities/new").get_data(as_text=True)
    assert "Tambah kegiatan rencana aksi" in page and 'name="indicators-0-name"' in page
    assert 'id="indicator-template"' in page and "indicators-__INDEX__-name" in page
    assert "js/plans.js" in page and "Kec. Baamang (seluruh kecamatan)" in page
    response = browser.post("/plans/activities/new", data=_data(world))
    assert response.status_code == 303
    activity_id = int(re.search(r"/plans/activities/(\d+)$", response.headers["Location"]).group(1))
    activity = fresh(activity_id)
    assert activity.budget == 1_500_000_000 and activity.agency_id == world["agency_a"].id
    detail = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Bedah Rumah Tidak Layak Huni" in detail and "Rp 1.500.000.000" in detail
    assert "jumlah target TW I–IV (75)" not in detail  # 0+25+25+25 = 75: consistent, no warning


def test_form_shows_each_message_next_to_its_field_and_saves_nothing(world, client_as):
    browser = client_as(world["user_a"])
    data = _data(world, code="1-04-02", budget="-5", strategy="", region_ids=[],
                 **{"indicators-0-name": "", "indicators-0-target": "abc", "indicators-0-q3": "-1"})
    response = browser.post("/plans/activities/new", data=data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    for message in ("Kode sub kegiatan harus berformat SIPD", "Pagu harus bilangan bulat ≥ 0",
                    "Strategi harus S1, S2 atau S3", "Pilih minimal satu lokasi", "Target harus angka ≥ 0",
                    "Target triwulan harus angka ≥ 0"):
        assert message in page, message
    # The message sits in the invalid-feedback of the field itself.
    assert re.search(r'name="code"[^>]*>\s*<div class="invalid-feedback">Kode sub kegiatan', page) or \
        re.search(r'is-invalid[^>]*name="code"|name="code"[^>]*is-invalid', page)
    assert re.search(r'is-invalid"\s+name="indicators-0-name"', page)
    assert 'value="1-04-02"' in page  # what was typed is kept
    assert _count() == 0


def test_quarter_mismatch_is_saved_with_a_warning(world, client_as):
    browser = client_as(world["user_a"])
    response = browser.post("/plans/activities/new", data=_data(world, **{"indicators-0-q4": "5"}),
                            follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and _count() == 1
    assert "jumlah target TW I–IV (55) tidak sama dengan target tahunan (75)" in page


def test_rows_are_added_and_removed_without_javascript(world, client_as):
    browser = client_as(world["user_a"])
    added = browser.post("/plans/activities/new", data=_data(world, action="add_indicator")).get_data(as_text=True)
    assert 'name="indicators-1-name"' in added and 'value="Rumah diperbaiki"' in added
    data = _data(world, action="remove_indicator:0", **{"indicators-3-name": "Kedua", "indicators-3-unit": "KK",
                                                          "indicators-3-target": "1"})
    removed = browser.post("/plans/activities/new", data=data).get_data(as_text=True)
    assert 'name="indicators-0-name"' not in removed and 'value="Kedua"' in removed
    assert _count() == 0
    # Gaps in the numbering (rows removed in the browser) are fine when saving.
    data = _data(world)
    for key in [k for k in data if k.startswith("indicators-0-")]:
        data[key.replace("indicators-0-", "indicators-5-")] = data.pop(key)
    assert browser.post("/plans/activities/new", data=data).status_code == 303


def test_edit_keeps_indicator_ids_and_checks_the_version(world, api, client_as):
    body = create(api("user_a"), world)
    browser = client_as(world["user_a"])
    page = browser.get(f"/plans/activities/{body['id']}/edit").get_data(as_text=True)
    assert f'name="indicators-0-id" value="{body["indicators"][0]["id"]}"' in page
    assert 'value="250.000.000"' in page
    data = _data(world, version=str(body["version"]), name="Nama baru",
                 **{"indicators-0-id": str(body["indicators"][0]["id"])})
    assert browser.post(f"/plans/activities/{body['id']}/edit", data=data).status_code == 303
    activity = api("user_a").get(f"/api/v1/activities/{body['id']}").get_json()
    assert activity["name"] == "Nama baru" and activity["indicators"][0]["id"] == body["indicators"][0]["id"]
    stale = browser.post(f"/plans/activities/{body['id']}/edit", data=data)  # same old version again
    assert stale.status_code == 409 and "diubah oleh pengguna lain" in stale.get_data(as_text=True)


def test_live_check_uses_the_same_rules(world, api, client_as):
    browser = client_as(world["user_a"])
    data = _data(world, code="1.4.2", **{"indicators-2-name": "", "indicators-2-unit": "KK",
                                          "indicators-2-target": "4", "indicators-2-q1": "1"})
    result = browser.post("/plans/activities/check", data=data).get_json()
    assert "format SIPD" in result["fields"]["code"]
    assert result["fields"]["indicators-2-name"] == "Wajib diisi."
    result = browser.post("/plans/activities/check", data=_data(world, **{"indicators-0-q4": "5"})).get_json()
    assert result["fields"] == {}
    assert result["warnings"][0]["field"] == "indicators-0-q1" or "indicators-0" in result["warnings"][0]["field"]
    assert _count() == 0
    # On an agreed plan the check asks for the revision reason, exactly like saving would.
    body = create(api("user_a"), world)
    api("coordinator").post(f"/api/v1/plans/{world['agency_a'].id}/{YEAR}/agree", json={})
    result = browser.post("/plans/activities/check", data=_data(
        world, activity_id=str(body["id"]), budget="999.000.000")).get_json()
    assert "revision_reason" in result["fields"]
    other = create(api("user_b"), world, agency_id=world["agency_b"].id)
    assert browser.post("/plans/activities/check", data=_data(world, activity_id=str(other["id"]))).status_code == 404


def test_demo_loads_plans(app, runner):
    from tracker.demo import load_demo

    logins = load_demo(scale="small", echo=lambda _m: None, current_year=2025)  # the demo's years: 2024-2025
    assert any(name == "dinsos" for name, *_ in logins)
    db.session.expire_all()
    activities = db.session.scalars(select(Activity).where(Activity.year == 2025)).all()
    assert 30 <= len(activities) <= 80
    assert all(50_000_000 * 0.8 <= a.budget <= 2_100_000_000 for a in activities)
    plans = db.session.scalars(select(Plan).where(Plan.year == 2025)).all()
    assert sum(p.status == "agreed" for p in plans) >= len(plans) - 2 > 0
    assert db.session.scalar(select(func.count()).select_from(BudgetRevision)) >= 2
    codes = {a.code for a in activities}
    assert "1.04.02.2.01.0003" in codes


def test_coordinator_creates_for_a_chosen_opd(world, client_as):
    browser = client_as(world["coordinator"])
    page = browser.get("/plans/activities/new").get_data(as_text=True)
    assert 'name="agency_id"' in page and "Dinkes — Dinas Kesehatan" in page
    response = browser.post("/plans/activities/new", data=_data(world))
    assert response.status_code == 422 and "Wajib diisi." in response.get_data(as_text=True)
    response = browser.post("/plans/activities/new", data=_data(world, agency_id=str(world["agency_b"].id)))
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(select(Activity.agency_id)) == world["agency_b"].id
