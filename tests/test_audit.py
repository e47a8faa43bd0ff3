"""The audit trail: exactly one row per change, in the change's own transaction, never editable."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.conftest import PASSWORD, audit_rows
from tests.test_api_base import assert_error
from tracker.audit.models import AuditLog
from tracker.extensions import db
from tracker.reference.models import Agency

CLIENT_IP = "10.20.30.40"


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog))


def test_create_writes_one_row_with_after_actor_and_ip(make_user, api_as):
    admin = make_user(role="admin")
    api = api_as(admin)
    before = _count()
    response = api.post("/api/v1/agencies", json={"code": "1.05.01", "name": "Dinas Sosial", "short_name": "Dinsos"},
                        environ_base={"REMOTE_ADDR": CLIENT_IP})
    assert response.status_code == 201
    assert _count() == before + 1
    row = audit_rows("agency")[-1]
    assert (row.action, row.entity, row.entity_id) == ("create", "agency", str(response.get_json()["id"]))
    assert row.after == {"code": "1.05.01", "name": "Dinas Sosial", "short_name": "Dinsos", "active": True}
    assert row.before is None
    assert row.user_id == admin.id and row.username == admin.username
    assert row.ip == CLIENT_IP
    assert row.agency_id == response.get_json()["id"]
    assert row.at is not None


def test_update_records_only_what_changed(make_user, api_as, make_agency):
    agency = make_agency(code="1.05.01", name="Dinas Sosial", short_name="Dinsos")
    api = api_as(make_user(role="admin"))
    before = _count()
    response = api.patch(f"/api/v1/agencies/{agency.id}", json={"short_name": "DINSOS", "name": "Dinas Sosial",
                                                                 "version": 1})
    assert response.status_code == 200
    assert _count() == before + 1
    row = audit_rows("agency")[-1]
    assert row.action == "update"
    assert row.before == {"short_name": "Dinsos"} and row.after == {"short_name": "DINSOS"}


def test_no_change_writes_no_row(make_user, api_as, make_agency):
    agency = make_agency(name="Dinas Sosial")
    api = api_as(make_user(role="admin"))
    before = _count()
    assert api.patch(f"/api/v1/agencies/{agency.id}", json={"name": "Dinas Sosial", "version": 1}).status_code == 200
    assert _count() == before


def test_refused_changes_leave_no_row(make_user, api_as, make_agency):
    agency = make_agency(name="Dinas Sosial")
    api = api_as(make_user(role="admin"))
    before = _count()
    assert_error(api.post("/api/v1/agencies", json={"code": "", "name": "X", "short_name": "X"}), 422,
                 "validation_error")
    assert_error(api.patch(f"/api/v1/agencies/{agency.id}", json={"name": "Baru", "version": 7}), 409, "conflict")
    assert_error(api.post("/api/v1/agencies", json={"code": agency.code, "name": "Y", "short_name": "Y"}), 409,
                 "conflict")
    assert_error(api.post("/api/v1/users", json={"username": "lemah", "role": "viewer", "password": "password1234"}),
                 422, "validation_error")
    assert _count() == before


def test_rolled_back_change_leaves_neither_change_nor_row(make_user, api_as):
    """The name change is recorded, then the same request fails: both must disappear together."""
    admin = make_user(role="admin")
    api = api_as(admin)
    before = _count()
    response = api.patch(f"/api/v1/users/{admin.id}", json={"full_name": "Nama Baru", "active": False,
                                                             "version": admin.version})
    assert_error(response, 422, "validation_error")
    db.session.refresh(admin)
    assert admin.full_name != "Nama Baru" and admin.active
    assert _count() == before


def test_service_rollback_discards_the_row(app, make_agency):
    """Directly at the service layer: the audit row lives and dies with the transaction."""
    from tracker.reference.services import update_agency

    agency = make_agency(name="Dinas Awal")
    before = _count()
    update_agency(agency, {"name": "Dinas Sementara"})
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == before + 1  # flushed, same transaction
    db.session.rollback()
    assert _count() == before
    assert db.session.get(Agency, agency.id).name == "Dinas Awal"


def test_user_lifecycle_rows(make_user, api_as, make_agency):
    admin = make_user(role="admin")
    api = api_as(admin)
    agency = make_agency()
    created = api.post("/api/v1/users", json={"username": "opd.sosial", "role": "agency", "agency_id": agency.id,
                                              "password": "Kerupuk-Udang-Sambal-Matah-9"}).get_json()
    api.patch(f"/api/v1/users/{created['id']}", json={"active": False, "version": created["version"]})
    rows = [r for r in audit_rows("user") if r.entity_id == str(created["id"])]
    assert [r.action for r in rows] == ["create", "deactivate"]
    assert "password" not in rows[0].after and "password_hash" not in rows[0].after
    assert rows[0].after["role"] == "agency" and rows[0].after["agency_id"] == agency.id
    assert rows[1].before == {"active": True} and rows[1].after == {"active": False}
    assert all(r.user_id == admin.id for r in rows)


def test_sign_in_is_recorded_and_failures_are_not(client, make_user):
    user = make_user(role="viewer")
    before = _count()
    client.post("/login", data={"username": user.username, "password": "Salah-Sekali-Kata-Sandi"})
    assert _count() == before
    client.post("/login", data={"username": user.username, "password": PASSWORD},
                environ_base={"REMOTE_ADDR": CLIENT_IP})
    rows = audit_rows("user")
    assert _count() == before + 1
    assert rows[-1].action == "login" and rows[-1].user_id == user.id and rows[-1].ip == CLIENT_IP


def test_cli_changes_are_recorded_as_cli(runner, make_agency):
    agency = make_agency()
    result = runner.invoke(args=["user", "create", "opd.cli", "--role", "agency", "--agency", agency.code,
                                 "--password-stdin"], input="Kerupuk-Udang-Sambal-Matah-9\n")
    assert result.exit_code == 0, result.output
    row = audit_rows("user")[-1]
    assert row.action == "create" and row.username == "cli" and row.user_id is None


def test_no_route_edits_or_deletes_audit_rows(app):
    """Generated from the URL map: anything that names the audit log only reads it."""
    offenders = []
    for rule in app.url_map.iter_rules():
        if "audit" in rule.rule or rule.endpoint.split(".")[0] == "audit" or "audit" in rule.endpoint:
            writes = rule.methods - {"GET", "HEAD", "OPTIONS"}
            if writes:
                offenders.append(f"{sorted(writes)} {rule.rule}")
    assert not offenders, offenders


def test_write_routes_never_remove_audit_rows(app, make_user, client_as, api_as):
    """Every write route, called by an admin with missing ids and empty bodies, only ever adds rows."""
    import re

    admin = make_user(role="admin")
    browser, api = client_as(admin), api_as(admin)
    ids_before = set(db.session.scalars(select(AuditLog.id)))
    for rule in app.url_map.iter_rules():
        writes = rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        if not writes or rule.endpoint in ("auth.logout", "api.revoke_current_token_delete", "auth.login"):
            continue
        path = re.sub(r"<(?:[^:>]+:)?\w+>", "999999", rule.rule)
        for method in writes:
            if rule.rule.startswith("/api/"):
                api.open(path, method=method, json={})
            else:
                browser.open(path, method=method, data={})
    assert ids_before <= set(db.session.scalars(select(AuditLog.id)))

