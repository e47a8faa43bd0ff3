"""The pages as OPD staff and Bappeda use them: quarter list, item form, conflicts, table, bulk
actions, review queue, lock, access."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.conftest import login
from tests.progress_helpers import full_payload, indicator_ids, item_path, make_activity
from tracker.extensions import db
from tracker.progress.models import ProgressReport


@pytest.fixture
def setup(app, make_agency, make_user, api_as):
    dinsos = make_agency(code="1.06.01", name="Dinas Sosial", short_name="Dinsos")
    dinkes = make_agency(code="1.02.01", name="Dinas Kesehatan", short_name="Dinkes")
    users = {"opd": make_user(role="agency", agency=dinsos), "other": make_user(role="agency", agency=dinkes),
             "bappeda": make_user(role="coordinator"), "viewer": make_user(role="viewer")}
    activities = [make_activity(dinsos, name=f"Kegiatan Dinsos {i}") for i in range(3)]
    foreign = make_activity(dinkes, name="Kegiatan Dinkes")
    clients = {}
    for name, user in users.items():
        clients[name] = app.test_client()
        login(clients[name], user)
    return {"dinsos": dinsos, "dinkes": dinkes, "users": users, "activities": activities, "foreign": foreign,
            "web": clients, "api": {k: api_as(u) for k, u in users.items()}}


def page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def item_url(activity, year=2025, quarter=2):
    return f"/progress/{year}/{quarter}/activity/{activity.id}"


def form_data(activity, **overrides):
    ids = indicator_ids(activity)
    data = {"budget_realized": "12.500.000", "physical_progress": "45,5", "beneficiaries_reached": "30",
            "progress_drop_reason": "", "problems": "Data DTSEN belum padan", "follow_up": "Verifikasi desa",
            "version": "", **{f"ind_{i}": "25" for i in ids}}
    data.update(overrides)
    return data


def test_opd_fills_one_activity_and_submits(setup):
    web, a = setup["web"]["opd"], setup["activities"][0]
    text = page(web, "/progress/2025/2")
    assert all(x.name in text for x in setup["activities"]) and "Kegiatan Dinkes" not in text
    assert "Batas waktu pengisian" in text and "Belum diisi" in text
    form = page(web, item_url(a))
    assert "Target triwulan ini" in form and "Simpan draf" in form
    r = web.post(item_url(a), data=form_data(a))
    assert r.status_code == 303 and r.headers["Location"] == item_url(a)
    saved = setup["api"]["opd"].get(item_path(a)).get_json()
    assert saved["budget_realized"] == 12_500_000 and saved["physical_progress"] == 45.5 and saved["status"] == "draft"
    shown = page(web, item_url(a))
    assert "12500000" in shown and "Dibuat" in shown  # the value in the form, the history entry
    r = web.post(item_url(a), data=form_data(a, version=str(saved["version"]), and_submit="1"))
    assert r.status_code == 303
    assert setup["api"]["opd"].get(item_path(a)).get_json()["status"] == "submitted"
    text = page(web, item_url(a))
    assert "Simpan draf" not in text and "Diajukan" in text


def test_form_errors_are_shown_on_the_fields(setup):
    web, a = setup["web"]["opd"], setup["activities"][0]
    r = web.post(item_url(a), data=form_data(a, budget_realized="seratus", physical_progress="120"))
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    assert "Harus berupa angka" in text or "Harus bilangan bulat" in text
    r = web.post(item_url(a), data=form_data(a, physical_progress="120"))
    assert r.status_code == 422 and "antara 0 dan 100" in r.get_data(as_text=True)
    r = web.post(item_url(a), data=form_data(a, budget_realized="200.000.000"))
    assert r.status_code == 422 and "melebihi pagu" in r.get_data(as_text=True)
    ind = indicator_ids(a)[0]
    r = web.post(item_url(a), data=form_data(a, **{f"ind_{ind}": "-4"}))
    assert r.status_code == 422 and "tidak boleh negatif" in r.get_data(as_text=True)
    assert db.session.scalar(select(ProgressReport.id)) is None


def test_second_save_gets_both_versions(setup, app, make_user):
    a = setup["activities"][0]
    first = setup["api"]["opd"].put(item_path(a), json=full_payload(a, budget=1_000_000)).get_json()
    colleague = app.test_client()
    login(colleague, make_user(role="agency", agency=setup["dinsos"]))
    # both open the form at version 1; the colleague saves first
    r = colleague.post(item_url(a), data=form_data(a, budget_realized="2.000.000", version=str(first["version"])))
    assert r.status_code == 303
    r = setup["web"]["opd"].post(item_url(a), data=form_data(a, budget_realized="3.000.000",
                                                              version=str(first["version"])))
    assert r.status_code == 409
    text = r.get_data(as_text=True)
    assert "Versi di server" in text and "Rp 2.000.000" in text and "3.000.000" in text
    assert setup["api"]["opd"].get(item_path(a)).get_json()["budget_realized"] == 2_000_000
    new_version = re.search(r'name="version" type="hidden" value="(\d+)"', text) or re.search(
        r'id="version" name="version" type="hidden" value="(\d+)"', text)
    version = new_version.group(1) if new_version else re.search(r'name="version"[^>]*value="(\d+)"', text).group(1)
    assert int(version) == first["version"] + 1
    # saving again after seeing both versions is a deliberate overwrite
    r = setup["web"]["opd"].post(item_url(a), data=form_data(a, budget_realized="3.000.000", version=version))
    assert r.status_code == 303
    assert setup["api"]["opd"].get(item_path(a)).get_json()["budget_realized"] == 3_000_000


def test_bulk_table_saves_changed_rows_all_or_nothing(setup):
    web = setup["web"]["opd"]
    a, b, c = setup["activities"]
    text = page(web, "/progress/2025/2/table")
    assert f'name="b-{a.id}"' in text
    ia, ib = indicator_ids(a)[0], indicator_ids(b)[0]
    data = {"ids": [str(a.id), str(b.id), str(c.id)],
            f"b-{a.id}": "5.000.000", f"p-{a.id}": "20", f"n-{a.id}": "10", f"i-{a.id}-{ia}": "15",
            f"b-{b.id}": "7000000", f"p-{b.id}": "130", f"n-{b.id}": "", f"i-{b.id}-{ib}": ""}
    r = web.post("/progress/2025/2/table", data=data)
    assert r.status_code == 422
    assert "antara 0 dan 100" in r.get_data(as_text=True) and 'value="5.000.000"' in r.get_data(as_text=True)
    assert db.session.scalar(select(ProgressReport.id)) is None
    data[f"p-{b.id}"] = "30"
    data[f"s-{a.id}"] = "1"
    r = web.post("/progress/2025/2/table", data=data)
    assert r.status_code == 303, r.get_data(as_text=True)
    saved_a = setup["api"]["opd"].get(item_path(a)).get_json()
    assert saved_a["status"] == "submitted" and saved_a["budget_realized"] == 5_000_000
    assert setup["api"]["opd"].get(item_path(b)).get_json()["physical_progress"] == 30
    assert setup["api"]["opd"].get(item_path(c)).status_code == 404


def test_bulk_submit_of_complete_reports(setup):
    api, web = setup["api"]["opd"], setup["web"]["opd"]
    a, b, c = setup["activities"]
    api.put(item_path(a), json=full_payload(a))
    api.put(item_path(b), json=full_payload(b))
    api.put(item_path(c), json={"budget_realized": 1})  # incomplete
    r = web.post("/progress/2025/2/submit-complete", data={})
    assert r.status_code == 303
    statuses = {x.id: api.get(item_path(x)).get_json()["status"] for x in (a, b, c)}
    assert statuses == {a.id: "submitted", b.id: "submitted", c.id: "draft"}
    # Bappeda must pick an OPD first
    r = setup["web"]["bappeda"].post("/progress/2025/2/submit-complete", data={})
    assert r.status_code == 303 and "agency_id" not in r.headers["Location"]


def test_review_queue_verify_and_return(setup):
    api, web = setup["api"]["opd"], setup["web"]["bappeda"]
    a, b, c = setup["activities"]
    for x in (a, b, c):
        api.put(item_path(x), json=full_payload(x))
        api.post(item_path(x, suffix="/submit"))
    text = page(web, "/progress/review")
    assert text.index(a.name) < text.index(b.name) < text.index(c.name)  # oldest first
    assert "Target TW" in text and "Dinsos" in text
    assert page(web, f"/progress/review?agency_id={setup['dinkes'].id}").count("Kegiatan Dinsos") == 0
    key = lambda x: f"{x.id}:2025:2"  # noqa: E731
    r = web.post("/progress/review", data={"row_action": f"return|{key(a)}", f"comment-{key(a)}": ""})
    assert r.status_code == 303 and api.get(item_path(a)).get_json()["status"] == "submitted"  # comment required
    r = web.post("/progress/review", data={"row_action": f"return|{key(a)}",
                                           f"comment-{key(a)}": "Realisasi belum sesuai SP2D"})
    assert api.get(item_path(a)).get_json()["status"] == "returned"
    r = web.post("/progress/review", data={"bulk_action": "verify", "sel": [key(b), key(c)]})
    assert r.status_code == 303
    assert {api.get(item_path(x)).get_json()["status"] for x in (b, c)} == {"verified"}
    # the OPD sees the comment first thing on the quarter page and on the item
    opd_page = page(setup["web"]["opd"], "/progress/2025/2")
    assert "Dikembalikan oleh Bappeda" in opd_page and "Realisasi belum sesuai SP2D" in opd_page
    assert opd_page.index("Realisasi belum sesuai SP2D") < opd_page.index("<table")
    assert "Realisasi belum sesuai SP2D" in page(setup["web"]["opd"], item_url(a))


def test_item_page_verify_and_return_buttons(setup):
    api = setup["api"]["opd"]
    a = setup["activities"][0]
    api.put(item_path(a), json=full_payload(a))
    api.post(item_path(a, suffix="/submit"))
    text = page(setup["web"]["bappeda"], item_url(a))
    assert "Verifikasi Bappeda" in text
    assert "Verifikasi Bappeda" not in page(setup["web"]["opd"], item_url(a))
    r = setup["web"]["bappeda"].post(item_url(a) + "/return", data={"comment": "Mohon lampirkan BNBA"})
    assert r.status_code == 303 and api.get(item_path(a)).get_json()["status"] == "returned"
    r = setup["web"]["opd"].post(item_url(a) + "/verify", data={})
    assert r.status_code == 403


def test_lock_from_the_board_blocks_the_pages(setup):
    a = setup["activities"][0]
    bappeda = setup["web"]["bappeda"]
    r = bappeda.post("/progress/board/2025/2/lock", data={})
    assert r.status_code == 303
    text = page(setup["web"]["opd"], item_url(a))
    assert "sudah dikunci" in text and "Simpan draf" not in text
    r = setup["web"]["opd"].post(item_url(a), data=form_data(a))
    assert r.status_code == 423 and "dikunci" in r.get_data(as_text=True)
    assert db.session.scalar(select(ProgressReport.id)) is None
    r = bappeda.post("/progress/board/2025/2/unlock", data={"reason": ""})
    assert "Buka kunci" in page(bappeda, "/progress/board?year=2025")  # still locked
    r = bappeda.post("/progress/board/2025/2/unlock", data={"reason": "Koreksi data Dinsos"})
    assert setup["web"]["opd"].post(item_url(a), data=form_data(a)).status_code == 303
    assert setup["web"]["opd"].post("/progress/board/2025/2/lock", data={}).status_code == 403


def test_access_by_role(setup):
    a, foreign = setup["activities"][0], setup["foreign"]
    web = setup["web"]
    assert web["opd"].get(item_url(foreign)).status_code == 404
    assert web["opd"].get(f"/progress/2025/2?agency_id={setup['dinkes'].id}").status_code == 404
    assert web["opd"].get("/progress/review").status_code == 403
    assert web["viewer"].get(item_url(a)).status_code == 200
    assert web["viewer"].post(item_url(a), data=form_data(a)).status_code == 403
    assert web["viewer"].get("/progress/2025/2/table").status_code == 403
    assert web["bappeda"].get(item_url(foreign)).status_code == 200
    assert web["opd"].get("/progress/2025/9").status_code == 404
    for url in ("/progress/", "/progress/2025/2", "/progress/board", "/progress/tasks"):
        assert web["viewer"].get(url).status_code == 200, url
    anonymous = setup["web"]["opd"].application.test_client()
    r = anonymous.get("/progress/2025/2")
    assert r.status_code in (302, 303) and "/login" in r.headers["Location"]


def test_pages_render_for_every_reader(setup):
    a = setup["activities"][0]
    setup["api"]["opd"].put(item_path(a), json=full_payload(a))
    for name in ("opd", "bappeda", "viewer"):
        web = setup["web"][name]
        for url in ("/progress/", "/progress/2025/2", item_url(a), "/progress/board?year=2025", "/progress/tasks"):
            text = page(web, url)
            assert "<script>" not in text.replace("<script src", "")  # no inline scripts (CSP)
            assert ' style="' not in text


def test_csrf_is_required(make_app, setup):
    strict = make_app(WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    login_page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page) or re.search(
        r'name="csrf_token" value="([^"]+)"', login_page)
    client.post("/login", data={"username": setup["users"]["opd"].username, "password": "Kuat-Sekali-Rahasia-77",
                                "csrf_token": token.group(1)})
    a = setup["activities"][0]
    r = client.post(item_url(a), data=form_data(a))
    assert r.status_code == 400
    form_page = client.get(item_url(a)).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form_page).group(1)
    r = client.post(item_url(a), data=form_data(a, csrf_token=csrf))
    assert r.status_code == 303


def test_submit_complete_through_the_api(setup):
    """The API twin of the page's "Ajukan semua yang lengkap": the same service, the same outcome."""
    api = setup["api"]["opd"]
    a, b, c = setup["activities"]
    api.put(item_path(a), json=full_payload(a))
    api.put(item_path(b), json={"budget_realized": 1})  # incomplete; c not filled at all
    assert api.post("/api/v1/progress/2025/2/submit-complete").status_code == 400  # agency_id is required
    r = api.post(f"/api/v1/progress/2025/2/submit-complete?agency_id={setup['dinsos'].id}")
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"submitted": [a.id], "incomplete": 2, "errors": {}}
    assert api.get(item_path(a)).get_json()["status"] == "submitted"
    assert api.get(item_path(b)).get_json()["status"] == "draft"
    # another OPD's quarter is not found; Bappeda must name the OPD
    assert api.post(f"/api/v1/progress/2025/2/submit-complete?agency_id={setup['dinkes'].id}").status_code == 404
    bappeda = setup["api"]["bappeda"]
    assert bappeda.post("/api/v1/progress/2025/2/submit-complete").status_code == 400
    assert bappeda.post(f"/api/v1/progress/2025/2/submit-complete?agency_id={setup['dinsos'].id}").get_json()[
        "submitted"] == []
    assert setup["api"]["viewer"].post(
        f"/api/v1/progress/2025/2/submit-complete?agency_id={setup['dinsos'].id}").status_code == 403
