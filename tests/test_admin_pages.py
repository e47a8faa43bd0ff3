"""The administration pages: users, OPDs, companies, regions, quarters and the audit log.

Everything goes through the HTTP test client, as a person at Bappeda would use it.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import event, func, select

from tests.conftest import PASSWORD, audit_rows, login
from tracker.audit.models import AuditLog
from tracker.auth.models import LoginSession, User
from tracker.extensions import db
from tracker.periods.models import Period
from tracker.reference.models import Agency, Company, Region

ROLES = ("admin", "coordinator", "agency", "company", "viewer")
NEW_PASSWORD = "Mentaya-Sungai-Biru-88"


def text(response) -> str:
    return response.get_data(as_text=True)


def redirected(response) -> bool:
    return response.status_code in (302, 303)


@pytest.fixture
def admin(client, make_user):
    user = make_user(role="admin", username="admin.bappeda")
    assert redirected(login(client, user))
    return user


@pytest.fixture
def coordinator(client, make_user):
    user = make_user(role="coordinator", username="koordinator")
    assert redirected(login(client, user))
    return user


def new_audit_rows(since: int) -> list[AuditLog]:
    return [row for row in audit_rows() if row.id > since]


def last_audit_id() -> int:
    return db.session.scalar(select(func.max(AuditLog.id))) or 0


def refreshed(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


# ---- who may open which page ----------------------------------------------------------------------

PAGES = [
    ("/admin/users/", {"admin"}),
    ("/admin/users/new", {"admin"}),
    ("/reference/agencies", {"admin", "coordinator", "agency", "viewer"}),
    ("/reference/agencies/new", {"admin"}),
    ("/reference/companies", {"admin", "coordinator"}),
    ("/reference/companies/new", {"admin", "coordinator"}),
    ("/reference/regions", {"admin"}),
    ("/reference/regions/new", {"admin"}),
    ("/periods/", {"admin", "coordinator"}),
    ("/audit/", {"admin", "coordinator"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_pages_open_for_allowed_roles_only(app, make_user, make_agency, make_company, kabupaten, role):
    agency, company = make_agency(), make_company()
    other = make_user(role="viewer", username="lainnya")
    region = kabupaten["kecamatan"][0]
    pages = PAGES + [
        (f"/admin/users/{other.id}", {"admin"}),
        (f"/admin/users/{other.id}/password", {"admin"}),
        (f"/reference/agencies/{agency.id}/edit", {"admin"}),
        (f"/reference/companies/{company.id}/edit", {"admin", "coordinator"}),
        (f"/reference/regions/{region.id}/edit", {"admin"}),
    ]
    client = app.test_client()
    assert redirected(login(client, make_user(role=role)))
    for path, allowed in pages:
        response = client.get(path)
        expected = 200 if role in allowed else 403
        assert response.status_code == expected, (role, path, response.status_code)


@pytest.mark.parametrize("role", ["agency", "company", "viewer"])
def test_state_changing_posts_are_forbidden_for_other_roles(app, make_user, make_agency, role):
    agency = make_agency()
    target = make_user(role="viewer", username="target")
    client = app.test_client()
    assert redirected(login(client, make_user(role=role)))
    since = last_audit_id()
    posts = [
        ("/admin/users/new", {"username": "baru", "role": "viewer", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
        (f"/admin/users/{target.id}/deactivate", {}),
        (f"/admin/users/{target.id}/password", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD}),
        (f"/reference/agencies/{agency.id}/edit", {"code": "X", "name": "X", "short_name": "X", "version": "1"}),
        ("/reference/companies/new", {"name": "PT Baru"}),
        ("/reference/regions/new", {"code": "62.02", "name": "Kab", "level": "kabupaten"}),
        ("/periods/2025/1/lock", {}),
        ("/periods/2025/1/due-date", {"q1-due-due_date": "2025-04-20", "q1-due-version": "1"}),
    ]
    for path, data in posts:
        assert client.post(path, data=data).status_code == 403, (role, path)
    assert new_audit_rows(since) == []
    assert refreshed(target).active


def test_pages_need_login(client):
    for path, _allowed in PAGES:
        response = client.get(path)
        assert redirected(response), path
        assert "/login" in response.headers["Location"]


def test_every_admin_route_declares_its_permission(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] in {"users", "reference", "periods", "audit"}:
            assert getattr(app.view_functions[rule.endpoint], "permission", None), rule.rule
            if rule.endpoint.startswith("audit."):
                assert rule.methods - {"HEAD", "OPTIONS"} == {"GET"}, "audit rows are read-only"


def test_audit_log_cannot_be_changed_through_a_route(admin, client):
    assert client.post("/audit/").status_code == 405
    assert client.delete("/audit/").status_code == 405


# ---- users ----------------------------------------------------------------------------------------

def test_user_list_search_role_filter_and_pagination(admin, client, make_user):
    make_user(role="agency", username="dinsos.operator")
    make_user(role="viewer", username="bupati")
    for i in range(55):
        db.session.add(User(username=f"massal{i:02d}", role="viewer", password_hash="x", full_name=f"Massal {i}"))
    db.session.commit()
    page = text(client.get("/admin/users/?q=dinsos"))
    assert "dinsos.operator" in page and "bupati" not in page
    page = text(client.get("/admin/users/?role=viewer&q=bup"))
    assert "bupati" in page and "dinsos.operator" not in page
    first = text(client.get("/admin/users/?q=massal"))
    second = text(client.get("/admin/users/?q=massal&page=2"))
    assert "massal00" in first and "massal54" not in first
    assert "massal54" in second and "Total 55 data" in second
    assert client.get("/admin/users/?page=abc&role=nonsense").status_code == 200


def test_create_user_through_the_form(admin, client, make_agency):
    agency = make_agency(short_name="Dinsos")
    since = last_audit_id()
    response = client.post("/admin/users/new", data={
        "username": "operator.dinsos", "full_name": "Operator Dinsos", "email": "op@kotimkab.go.id",
        "role": "agency", "agency_id": str(agency.id), "company_id": "", "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    })
    assert redirected(response)
    user = db.session.scalar(select(User).where(User.username == "operator.dinsos"))
    assert user is not None and user.agency_id == agency.id and user.role == "agency"
    rows = new_audit_rows(since)
    assert [(r.entity, r.action, r.entity_id, r.username) for r in rows] == [
        ("user", "create", str(user.id), "admin.bappeda")]
    assert "operator.dinsos" in text(client.get(response.headers["Location"]))


def test_create_user_keeps_only_the_binding_of_the_chosen_role(admin, client, make_agency, make_company):
    agency, company = make_agency(), make_company()
    response = client.post("/admin/users/new", data={
        "username": "csr.officer", "role": "company", "agency_id": str(agency.id), "company_id": str(company.id),
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD,
    })
    assert redirected(response)
    user = db.session.scalar(select(User).where(User.username == "csr.officer"))
    assert (user.company_id, user.agency_id) == (company.id, None)


@pytest.mark.parametrize("data, message", [
    ({"username": "Bukan Valid", "role": "viewer"}, "Nama pengguna 3–60 karakter"),
    ({"username": "pendek", "role": "viewer", "password": "pendek", "confirm": "pendek"},
     "Kata sandi minimal 12 karakter."),
    ({"username": "sandi.umum", "role": "viewer", "password": "password1234", "confirm": "password1234"},
     "Kata sandi terlalu umum"),
    ({"username": "beda", "role": "viewer", "confirm": "Lain-Sekali-Sandi-99"}, "Kata sandi tidak sama."),
    ({"username": "tanpa.opd", "role": "agency"}, "Pengguna OPD harus terikat pada satu OPD."),
    ({"username": "opd.palsu", "role": "agency", "agency_id": "999999"}, "OPD tidak ditemukan."),
    ({"username": "tanpa.pt", "role": "company", "company_id": "bukan-angka"},
     "Pengguna perusahaan harus terikat pada satu perusahaan."),
    ({"username": "peran.aneh", "role": "superuser"}, "Peran tidak dikenal."),
    ({"username": "tanpa.peran", "role": ""}, "Wajib diisi."),
    ({"username": "surel", "role": "viewer", "email": "bukan-email"}, "Alamat e-mail tidak valid."),
    ({"username": "nama.panjang", "role": "viewer", "full_name": "x" * 121}, "Maksimal 120 karakter."),
])
def test_create_user_errors_rerender_the_form_in_indonesian(admin, client, data, message):
    since = last_audit_id()
    users_before = db.session.scalar(select(func.count()).select_from(User))
    data = {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD, **data}
    response = client.post("/admin/users/new", data=data)
    assert response.status_code == 200
    assert message in text(response)
    assert 'name="username"' in text(response)
    assert db.session.scalar(select(func.count()).select_from(User)) == users_before
    assert new_audit_rows(since) == []


def test_duplicate_username_is_refused(admin, client, make_user):
    make_user(role="viewer", username="kembar")
    response = client.post("/admin/users/new", data={"username": "Kembar", "role": "viewer",
                                                     "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 200
    assert "Nama pengguna sudah dipakai." in text(response)


def test_binding_select_follows_the_role(admin, client, make_agency, make_company):
    make_agency(short_name="Dinkes", name="Dinas Kesehatan")
    make_company(name="PT Sawit Mentaya")
    agency_part = text(client.get("/admin/users/binding?role=agency"))
    assert 'name="agency_id"' in agency_part and "Dinas Kesehatan" in agency_part
    assert 'name="company_id"' not in agency_part and "<html" not in agency_part
    company_part = text(client.get("/admin/users/binding?role=company"))
    assert 'name="company_id"' in company_part and "PT Sawit Mentaya" in company_part
    assert "<select" not in text(client.get("/admin/users/binding?role=viewer"))
    form = text(client.get("/admin/users/new"))
    assert 'hx-get="/admin/users/binding"' in form


def test_edit_user_through_the_form(admin, client, make_user, make_agency):
    user = make_user(role="agency")
    other_agency = make_agency(short_name="PUPR")
    form = text(client.get(f"/admin/users/{user.id}"))
    assert f'name="version" type="hidden" value="{user.version}"' in form
    since = last_audit_id()
    response = client.post(f"/admin/users/{user.id}", data={
        "full_name": "Operator PUPR", "email": "pupr@kotimkab.go.id", "role": "agency",
        "agency_id": str(other_agency.id), "version": str(user.version),
    })
    assert redirected(response)
    user = refreshed(user)
    assert (user.full_name, user.agency_id) == ("Operator PUPR", other_agency.id)
    rows = new_audit_rows(since)
    assert [(r.entity, r.action) for r in rows] == [("user", "update")]
    assert rows[0].after["agency_id"] == other_agency.id


def test_edit_user_validation_error_changes_nothing(admin, client, make_user):
    user = make_user(role="viewer", username="pimpinan")
    since = last_audit_id()
    response = client.post(f"/admin/users/{user.id}", data={
        "full_name": "Pimpinan", "email": "salah@", "role": "viewer", "version": str(user.version)})
    assert response.status_code == 200
    assert "Alamat e-mail tidak valid." in text(response)
    assert refreshed(user).full_name == "Pengguna viewer"
    assert new_audit_rows(since) == []


def test_admin_cannot_change_own_role(admin, client):
    response = client.post(f"/admin/users/{admin.id}", data={
        "full_name": "Saya", "email": "", "role": "viewer", "version": str(admin.version)})
    assert response.status_code == 200
    assert "Anda tidak dapat mengubah peran akun Anda sendiri." in text(response)
    assert refreshed(admin).role == "admin"


def test_stale_user_edit_is_a_conflict_not_an_overwrite(admin, client, make_user):
    from tracker.users.services import update_user

    user = make_user(role="viewer", username="bupati")
    stale_version = user.version
    update_user(user, {"full_name": "Bupati Kotim"})  # someone else saved in the meantime
    db.session.commit()
    since = last_audit_id()
    response = client.post(f"/admin/users/{user.id}", data={
        "full_name": "Nama Lama", "email": "", "role": "viewer", "version": str(stale_version)})
    assert response.status_code == 409
    assert "telah diubah oleh pengguna lain" in text(response)
    assert "Nama Lama" in text(response)  # the user's input is kept on the page
    assert refreshed(user).full_name == "Bupati Kotim"
    assert new_audit_rows(since) == []
    # A post without any version is stale too, never "the current one".
    response = client.post(f"/admin/users/{user.id}", data={"full_name": "Tanpa Versi", "role": "viewer"})
    assert response.status_code == 409
    assert refreshed(user).full_name == "Bupati Kotim"


def test_reset_password_forces_change_and_ends_the_users_sessions(app, admin, client, make_user):
    user = make_user(role="agency", username="operator.lama")
    their_browser = app.test_client()
    assert redirected(login(their_browser, user))
    assert their_browser.get("/").status_code == 200
    since = last_audit_id()

    response = client.post(f"/admin/users/{user.id}/password", data={"password": NEW_PASSWORD,
                                                                     "confirm": NEW_PASSWORD})
    assert redirected(response)
    user = refreshed(user)
    assert user.must_change_password is True
    assert db.session.scalar(select(func.count()).select_from(LoginSession)
                             .where(LoginSession.user_id == user.id)) == 0
    assert [(r.entity, r.action) for r in new_audit_rows(since)] == [("user", "reset_password")]

    # Their browser is signed out on its next request.
    after = their_browser.get("/")
    assert redirected(after) and "/login" in after.headers["Location"]
    # The old password no longer works; the new one leads straight to "change your password".
    assert login(app.test_client(), user, PASSWORD).status_code == 401
    response = login(app.test_client(), user, NEW_PASSWORD)
    assert redirected(response) and "/account/password" in response.headers["Location"]
    # The admin's own session is untouched.
    assert client.get("/admin/users/").status_code == 200


def test_reset_password_refuses_a_weak_password(admin, client, make_user):
    user = make_user(role="viewer")
    old_hash = user.password_hash
    since = last_audit_id()
    response = client.post(f"/admin/users/{user.id}/password", data={"password": "qwerty123456",
                                                                     "confirm": "qwerty123456"})
    assert response.status_code == 200
    assert "Kata sandi terlalu umum" in text(response)
    user = refreshed(user)
    assert user.password_hash == old_hash and not user.must_change_password
    assert new_audit_rows(since) == []


def test_reset_own_password_goes_to_change_password(admin, client):
    response = client.get(f"/admin/users/{admin.id}/password")
    assert redirected(response) and "/account/password" in response.headers["Location"]


def test_deactivate_ends_sessions_and_activate_restores(app, admin, client, make_user):
    user = make_user(role="viewer", username="pemantau")
    their_browser = app.test_client()
    assert redirected(login(their_browser, user))
    since = last_audit_id()

    response = client.post(f"/admin/users/{user.id}/deactivate", data={"next": "/admin/users/?q=pem"})
    assert redirected(response) and response.headers["Location"].endswith("/admin/users/?q=pem")
    assert refreshed(user).active is False
    assert redirected(their_browser.get("/"))
    assert login(app.test_client(), user).status_code == 401
    assert [(r.action, r.entity_id) for r in new_audit_rows(since)] == [("deactivate", str(user.id))]
    assert "dinonaktifkan" in text(client.get("/admin/users/"))

    since = last_audit_id()
    response = client.post(f"/admin/users/{user.id}/activate", data={"next": "//evil.example"})
    assert redirected(response) and "evil" not in response.headers["Location"]
    assert refreshed(user).active is True
    assert [r.action for r in new_audit_rows(since)] == ["activate"]
    assert redirected(login(app.test_client(), user))


def test_admin_cannot_deactivate_self(admin, client):
    response = client.post(f"/admin/users/{admin.id}/deactivate", follow_redirects=True)
    assert response.status_code == 200
    assert "Anda tidak dapat menonaktifkan akun Anda sendiri." in text(response)
    assert refreshed(admin).active is True


def test_deactivate_is_post_only(admin, client, make_user):
    user = make_user(role="viewer")
    assert client.get(f"/admin/users/{user.id}/deactivate").status_code == 405
    assert refreshed(user).active is True


def test_unknown_user_is_404(admin, client):
    assert client.get("/admin/users/999999").status_code == 404
    assert client.post("/admin/users/999999/deactivate").status_code == 404


# ---- OPDs -----------------------------------------------------------------------------------------

def test_agency_list_search_and_read_only_for_agency_users(client, make_user, make_agency):
    make_agency(code="1.06.01", name="Dinas Sosial", short_name="Dinsos")
    make_agency(code="1.02.01", name="Dinas Kesehatan", short_name="Dinkes")
    user = make_user(role="agency")
    assert redirected(login(client, user))
    page = text(client.get("/reference/agencies?q=sosial"))
    assert "Dinas Sosial" in page and "Dinas Kesehatan" not in page
    assert "Tambah OPD" not in page and "/edit" not in page


def test_create_and_edit_agency_through_the_forms(admin, client):
    since = last_audit_id()
    response = client.post("/reference/agencies/new", data={
        "code": "1.06.01", "name": "Dinas Sosial", "short_name": "Dinsos", "active": "y"})
    assert redirected(response)
    agency = db.session.scalar(select(Agency).where(Agency.code == "1.06.01"))
    assert agency is not None and agency.active
    assert [(r.entity, r.action) for r in new_audit_rows(since)] == [("agency", "create")]
    assert "Dinas Sosial" in text(client.get("/reference/agencies"))

    form = text(client.get(f"/reference/agencies/{agency.id}/edit"))
    assert 'value="Dinas Sosial"' in form and f'name="version" type="hidden" value="{agency.version}"' in form
    since = last_audit_id()
    response = client.post(f"/reference/agencies/{agency.id}/edit", data={
        "code": "1.06.01", "name": "Dinas Sosial P3AP2KB", "short_name": "Dinsos", "version": str(agency.version)})
    assert redirected(response)
    agency = refreshed(agency)
    assert agency.name == "Dinas Sosial P3AP2KB" and agency.active is False  # the box was left unticked
    rows = new_audit_rows(since)
    assert [(r.entity, r.action) for r in rows] == [("agency", "update")]
    assert rows[0].before == {"name": "Dinas Sosial", "active": True}


@pytest.mark.parametrize("data, message", [
    ({"code": "1.06.01", "name": "Dinas Lain", "short_name": "Lain"}, "Sudah dipakai oleh OPD lain."),
    ({"code": "9.99", "name": "", "short_name": "X"}, "Wajib diisi."),
    ({"code": "9.99", "name": "Dinas Baru", "short_name": "x" * 61}, "Maksimal 60 karakter."),
])
def test_agency_form_errors(admin, client, make_agency, data, message):
    make_agency(code="1.06.01", name="Dinas Sosial", short_name="Dinsos")
    since = last_audit_id()
    response = client.post("/reference/agencies/new", data=data)
    assert response.status_code == 200
    assert message in text(response)
    assert db.session.scalar(select(func.count()).select_from(Agency)) == 1
    assert new_audit_rows(since) == []


def test_stale_agency_edit_is_refused(admin, client, make_agency):
    from tracker.reference.services import update_agency

    agency = make_agency(code="1.06.01", name="Dinas Sosial", short_name="Dinsos")
    stale = agency.version
    update_agency(agency, {"short_name": "DINSOS"})
    db.session.commit()
    since = last_audit_id()
    response = client.post(f"/reference/agencies/{agency.id}/edit", data={
        "code": "1.06.01", "name": "Dinas Sosial Lama", "short_name": "Dinsos", "active": "y",
        "version": str(stale)})
    assert response.status_code == 409
    assert "telah diubah oleh pengguna lain" in text(response)
    agency = refreshed(agency)
    assert (agency.name, agency.short_name) == ("Dinas Sosial", "DINSOS")
    assert new_audit_rows(since) == []


# ---- companies ------------------------------------------------------------------------------------

def test_create_and_edit_company_through_the_forms(coordinator, client):
    since = last_audit_id()
    response = client.post("/reference/companies/new", data={
        "name": "PT Agro Mentaya Lestari", "sector": "Perkebunan kelapa sawit", "address": "Jl. Tjilik Riwut km 5",
        "contact_name": "Budi", "contact_email": "csr@agromentaya.co.id", "active": "y"})
    assert redirected(response)
    company = db.session.scalar(select(Company).where(Company.name == "PT Agro Mentaya Lestari"))
    assert company.sector == "Perkebunan kelapa sawit"
    assert [(r.entity, r.action, r.username) for r in new_audit_rows(since)] == [
        ("company", "create", "koordinator")]

    since = last_audit_id()
    response = client.post(f"/reference/companies/{company.id}/edit", data={
        "name": "PT Agro Mentaya Lestari", "sector": "Perkebunan", "address": company.address,
        "contact_name": "Budi", "contact_email": "csr@agromentaya.co.id", "active": "y",
        "version": str(company.version)})
    assert redirected(response)
    assert refreshed(company).sector == "Perkebunan"
    assert [(r.action, r.after) for r in new_audit_rows(since)] == [("update", {"sector": "Perkebunan"})]
    page = text(client.get("/reference/companies?q=agro"))
    assert "PT Agro Mentaya Lestari" in page


def test_company_form_errors_and_stale_edit(coordinator, client, make_company):
    from tracker.reference.services import update_company

    company = make_company(name="PT Sawit Sampit")
    response = client.post("/reference/companies/new", data={"name": "PT Baru", "contact_email": "bukan surel"})
    assert response.status_code == 200 and "Alamat e-mail tidak valid." in text(response)
    response = client.post("/reference/companies/new", data={"name": "pt sawit sampit"})
    assert response.status_code == 200 and "Perusahaan dengan nama ini sudah ada." in text(response)
    assert db.session.scalar(select(func.count()).select_from(Company)) == 1

    stale = company.version
    update_company(company, {"sector": "Sawit"})
    db.session.commit()
    response = client.post(f"/reference/companies/{company.id}/edit", data={
        "name": "PT Sawit Sampit Raya", "version": str(stale)})
    assert response.status_code == 409 and "telah diubah oleh pengguna lain" in text(response)
    assert refreshed(company).name == "PT Sawit Sampit"


def test_company_names_are_escaped(coordinator, client, make_company):
    make_company(name='<script>alert("x")</script> PT')
    page = text(client.get("/reference/companies"))
    assert "<script>alert" not in page and "&lt;script&gt;" in page


# ---- regions --------------------------------------------------------------------------------------

def test_region_tree_shows_parents_and_filters(admin, client, kabupaten):
    page = text(client.get("/reference/regions"))
    for name in ("Kotawaringin Timur", "Baamang", "Tinduk", "Hanaut"):
        assert name in page
    # A desa row names its kecamatan and kabupaten.
    assert "Kecamatan Baamang, Kabupaten/Kota Kotawaringin Timur" in page

    kec1 = kabupaten["kecamatan"][0]
    page = text(client.get(f"/reference/regions?parent={kec1.id}"))
    assert "Baamang Hulu" in page and "Tinduk" in page and "Bapinang Hilir" not in page
    kab = kabupaten["kabupaten"]
    page = text(client.get(f"/reference/regions?parent={kab.id}&level=kecamatan"))
    assert "Pulau Hanaut" in page and "Tinduk" not in page
    page = text(client.get("/reference/regions?level=desa&q=hanaut"))
    assert "62.02.02.2002" in page and "Pulau Hanaut</a>" not in page
    assert client.get("/reference/regions?parent=abc&level=provinsi&page=-1").status_code == 200


def test_create_region_through_the_form(admin, client, kabupaten):
    kab = kabupaten["kabupaten"]
    form = text(client.get(f"/reference/regions/new?parent={kab.id}"))
    assert 'value="62.02."' in form  # code prefilled from the parent
    since = last_audit_id()
    response = client.post("/reference/regions/new", data={
        "level": "kecamatan", "parent_id": str(kab.id), "code": "62.02.03", "name": "Mentaya Hilir Selatan"})
    assert redirected(response)
    region = db.session.scalar(select(Region).where(Region.code == "62.02.03"))
    assert region.parent_id == kab.id and region.level == "kecamatan"
    assert [(r.entity, r.action) for r in new_audit_rows(since)] == [("region", "create")]


@pytest.mark.parametrize("data, message", [
    ({"level": "desa", "parent_id": "KEC", "code": "62.02.09.2001", "name": "Desa Salah"},
     "Kode harus diawali kode induknya (62.02.01)."),
    ({"level": "desa", "parent_id": "KAB", "code": "62.02.01.2009", "name": "Desa"},
     "Induk desa harus berupa kecamatan."),
    ({"level": "kecamatan", "parent_id": "", "code": "62.02.05", "name": "Kec"},
     "Induk wilayah wajib diisi dan harus ada."),
    ({"level": "kecamatan", "parent_id": "KAB", "code": "62.2.5", "name": "Kec"}, "Kode Kemendagri tidak sesuai"),
    ({"level": "kecamatan", "parent_id": "KAB", "code": "62.02.01", "name": "Kembar"}, "Kode wilayah sudah terdaftar."),
    ({"level": "provinsi", "parent_id": "", "code": "62", "name": "Kalteng"}, "Tingkat wilayah harus"),
])
def test_region_form_errors(admin, client, kabupaten, data, message):
    ids = {"KAB": str(kabupaten["kabupaten"].id), "KEC": str(kabupaten["kecamatan"][0].id)}
    data = {**data, "parent_id": ids.get(data["parent_id"], data["parent_id"])}
    before = db.session.scalar(select(func.count()).select_from(Region))
    response = client.post("/reference/regions/new", data=data)
    assert response.status_code == 200
    assert message in text(response)
    assert db.session.scalar(select(func.count()).select_from(Region)) == before


def test_edit_region_and_stale_edit(admin, client, kabupaten):
    from tracker.reference.services import update_region

    kec = kabupaten["kecamatan"][1]
    since = last_audit_id()
    response = client.post(f"/reference/regions/{kec.id}/edit", data={
        "level": "kecamatan", "parent_id": str(kec.parent_id), "code": kec.code, "name": "Pulau Hanaut Raya",
        "version": str(kec.version)})
    assert redirected(response)
    kec = refreshed(kec)
    assert kec.name == "Pulau Hanaut Raya"
    assert [(r.entity, r.action) for r in new_audit_rows(since)] == [("region", "update")]

    stale = kec.version
    update_region(kec, {"name": "Pulau Hanaut"})
    db.session.commit()
    response = client.post(f"/reference/regions/{kec.id}/edit", data={
        "level": "kecamatan", "parent_id": str(kec.parent_id), "code": kec.code, "name": "Nama Basi",
        "version": str(stale)})
    assert response.status_code == 409 and "telah diubah oleh pengguna lain" in text(response)
    assert refreshed(kec).name == "Pulau Hanaut"


# ---- quarters -------------------------------------------------------------------------------------

def test_quarters_page_shows_a_year_without_writing(coordinator, client):
    response = client.get("/periods/?year=2025")
    page = text(response)
    assert response.status_code == 200
    for label in ("Triwulan I", "Triwulan II", "Triwulan III", "Triwulan IV"):
        assert label in page
    assert "10 April 2025" in page and "10 Januari 2026" in page  # default due dates
    assert db.session.scalar(select(func.count()).select_from(Period)) == 0  # no state change on GET
    response = client.get("/periods/?year=abc")
    assert response.status_code == 200 and "Tahun harus antara 2000 dan 2100" in text(response)
    assert client.get("/periods/?year=1999").status_code == 200

    assert redirected(client.post("/periods/2025/create"))
    assert db.session.scalar(select(func.count()).select_from(Period).where(Period.year == 2025)) == 4


def test_default_year_is_the_current_year_in_jakarta(coordinator, client):
    from tracker.types import jakarta_now

    page = text(client.get("/periods/"))
    assert f"Triwulan tahun anggaran {jakarta_now().year}" in page


def test_lock_and_unlock_through_the_page(coordinator, client):
    since = last_audit_id()
    response = client.post("/periods/2025/1/lock", data={"q1-lock-reason": "Selesai dievaluasi di Rakor"})
    assert redirected(response)
    period = db.session.scalar(select(Period).where(Period.year == 2025, Period.quarter == 1))
    assert period.locked and period.locked_by_id == coordinator.id
    assert [(r.entity, r.action) for r in new_audit_rows(since)] == [("period", "lock")]
    page = text(client.get("/periods/?year=2025"))
    assert "Terkunci" in page and "Pengguna coordinator" in page and "Selesai dievaluasi di Rakor" in page
    assert "Buka kunci" in page

    # Unlocking needs a reason.
    since = last_audit_id()
    response = client.post("/periods/2025/1/unlock", data={"q1-unlock-reason": "   "})
    assert response.status_code == 200
    assert "Alasan membuka kunci wajib diisi." in text(response)
    assert refreshed(period).locked is True
    assert new_audit_rows(since) == []

    response = client.post("/periods/2025/1/unlock", data={"q1-unlock-reason": "Koreksi data Dinsos"})
    assert redirected(response)
    period = refreshed(period)
    assert not period.locked and period.lock_reason == "Koreksi data Dinsos"
    rows = new_audit_rows(since)
    assert [(r.action, r.after["reason"]) for r in rows] == [("unlock", "Koreksi data Dinsos")]
    assert "Koreksi data Dinsos" in text(client.get("/periods/?year=2025"))


def test_locking_twice_and_unlocking_an_open_quarter_are_explained(coordinator, client):
    assert redirected(client.post("/periods/2025/2/lock", data={}))
    response = client.post("/periods/2025/2/lock", data={})
    assert response.status_code == 409 and "Triwulan ini sudah dikunci." in text(response)
    response = client.post("/periods/2025/3/unlock", data={"q3-unlock-reason": "coba"})
    assert response.status_code == 409 and "Triwulan ini tidak terkunci." in text(response)


def test_lock_reason_longer_than_the_limit_is_refused(coordinator, client):
    response = client.post("/periods/2025/1/lock", data={"q1-lock-reason": "x" * 501})
    assert response.status_code == 200 and "Maksimal 500 karakter." in text(response)
    assert db.session.scalar(select(func.count()).select_from(Period).where(Period.locked.is_(True))) == 0


def test_due_date_through_the_page(coordinator, client):
    since = last_audit_id()
    response = client.post("/periods/2025/2/due-date", data={"q2-due-due_date": "2025-07-15", "q2-due-version": "1"})
    assert redirected(response)
    period = db.session.scalar(select(Period).where(Period.year == 2025, Period.quarter == 2))
    assert period.due_date == date(2025, 7, 15)
    assert [(r.entity, r.action) for r in new_audit_rows(since)] == [("period", "update")]
    assert "15 Juli 2025" in text(client.get("/periods/?year=2025"))

    for value, message in (("2025-06-30", "Batas waktu harus setelah akhir triwulan."),
                           ("15/07/2025", "Tanggal tidak valid"), ("", "Wajib diisi.")):
        response = client.post("/periods/2025/2/due-date", data={"q2-due-due_date": value,
                                                                 "q2-due-version": str(period.version)})
        assert response.status_code == 200, value
        assert message in text(response)
    assert refreshed(period).due_date == date(2025, 7, 15)

    response = client.post("/periods/2025/2/due-date", data={"q2-due-due_date": "2025-07-20", "q2-due-version": "1"})
    assert response.status_code == 409 and "telah diubah oleh pengguna lain" in text(response)
    assert refreshed(period).due_date == date(2025, 7, 15)


def test_lock_buttons_follow_the_permission(client, make_user):
    assert redirected(login(client, make_user(role="viewer")))
    assert client.get("/periods/").status_code == 403
    assert client.post("/periods/2025/1/lock").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Period)) == 0


def test_bad_quarter_or_year_in_the_address(coordinator, client):
    assert client.post("/periods/2025/5/lock").status_code == 404
    assert client.post("/periods/1800/1/lock").status_code == 422


# ---- audit log ------------------------------------------------------------------------------------

@pytest.fixture
def audit_history(admin, client, make_agency, make_company):
    """A few changes by two people, one of them dated last month."""
    make_agency(code="1.06.01", name="Dinas Sosial", short_name="Dinsos")
    company = make_company(name="PT Sawit Sampit")
    client.post("/reference/companies/new", data={"name": "PT Bank Kalteng", "active": "y"}, follow_redirects=True)
    old = db.session.scalar(select(AuditLog).where(AuditLog.entity == "company", AuditLog.entity_id == str(company.id)))
    old.at = datetime(2025, 3, 15, 2, 0, tzinfo=timezone.utc)
    db.session.commit()
    return {"old": old}


def test_audit_log_lists_newest_first_with_readable_changes(audit_history, client):
    page = text(client.get("/audit/"))
    assert page.index("PT Bank Kalteng") < page.index("PT Sawit Sampit")
    assert "Dinsos" in page and "admin.bappeda" in page
    # after values of a creation are shown as field → value, not raw JSON
    assert "contact_email" in page and "{&#34;" not in page


def test_audit_filters(audit_history, client):
    page = text(client.get("/audit/?entity=agency"))
    assert "Dinsos" in page and "PT Bank Kalteng" not in page
    page = text(client.get("/audit/?action=login"))
    assert "admin.bappeda masuk" in page and "PT Bank" not in page
    page = text(client.get("/audit/?user=admin.bap"))
    assert "PT Bank Kalteng" in page and "PT Sawit Sampit" not in page  # the fixture's own rows have no user
    page = text(client.get("/audit/?date_from=2025-03-15&date_to=2025-03-15"))
    assert "PT Sawit Sampit" in page and "PT Bank Kalteng" not in page
    page = text(client.get("/audit/?date_to=2025-03-14"))
    assert "Tidak ada catatan yang cocok" in page
    old = audit_history["old"]
    page = text(client.get(f"/audit/?entity=company&entity_id={old.entity_id}"))
    assert "PT Sawit Sampit" in page and "PT Bank Kalteng" not in page


def test_audit_date_filter_uses_jakarta_days(admin, client):
    # 23:30 UTC on 14 March is 06:30 WIB on 15 March.
    row = AuditLog(action="update", entity="agency", entity_id="1", summary="Perubahan subuh",
                   at=datetime(2025, 3, 14, 23, 30, tzinfo=timezone.utc))
    db.session.add(row)
    db.session.commit()
    assert "Perubahan subuh" in text(client.get("/audit/?date_from=2025-03-15&date_to=2025-03-15"))
    assert "Perubahan subuh" not in text(client.get("/audit/?date_from=2025-03-14&date_to=2025-03-14"))


def test_audit_bad_filters_are_explained(audit_history, client):
    response = client.get("/audit/?date_from=kemarin")
    assert response.status_code == 200 and "Tanggal tidak valid" in text(response)
    response = client.get("/audit/?date_from=2025-04-01&date_to=2025-03-01")
    assert response.status_code == 200 and "Tanggal akhir tidak boleh sebelum tanggal awal." in text(response)
    assert client.get("/audit/?entity=tidak-ada&page=99999").status_code == 200


def test_audit_pagination(admin, client):
    now = datetime.now(timezone.utc)
    for i in range(60):
        db.session.add(AuditLog(action="update", entity="region", entity_id=str(i), summary=f"baris-{i:02d}",
                                at=now - timedelta(minutes=i)))
    db.session.commit()
    first = text(client.get("/audit/?entity=region"))
    second = text(client.get("/audit/?entity=region&page=2"))
    assert "baris-00" in first and "baris-59" not in first
    assert "baris-59" in second and "entity=region" in second  # the pager keeps the filter


# ---- bounded queries ------------------------------------------------------------------------------

@contextmanager
def statements_run():
    """Every statement sent to the database, whatever application context the request runs in."""
    found: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        found.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield found
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def _queries_for(client, path) -> int:
    with statements_run() as found:
        assert client.get(path).status_code == 200
    return len(found)


def test_list_pages_run_a_bounded_number_of_queries(admin, client, make_user, make_agency, make_company, kabupaten):
    paths = ["/admin/users/", "/reference/agencies", "/reference/companies", "/reference/regions",
             "/periods/?year=2025", "/audit/"]
    client.post("/periods/2025/1/lock", data={})
    make_company()
    small = {path: _queries_for(client, path) for path in paths}
    for i in range(12):
        agency = make_agency()
        make_user(role="agency", agency=agency)
        make_user(role="company", company=make_company())
    for i in range(5):
        client.post("/reference/regions/new", data={"level": "desa", "parent_id": str(kabupaten["kecamatan"][1].id),
                                                     "code": f"62.02.02.21{i:02d}", "name": f"Desa Baru {i}"})
    other = make_user(role="coordinator")
    client.post("/periods/2025/2/lock", data={})
    coordinator_client = client.application.test_client()
    login(coordinator_client, other)
    coordinator_client.post("/periods/2025/3/lock", data={})
    large = {path: _queries_for(client, path) for path in paths}
    assert large == small
    assert all(count > 0 for count in large.values())
    assert max(large.values()) <= 12, large
