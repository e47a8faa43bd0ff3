"""Who may call what, generated from ``app.url_map`` so that a new route cannot be forgotten.

* every endpoint outside PUBLIC needs a signed-in user (pages: redirect to /login; API: 401 JSON);
* every endpoint outside PUBLIC and LOGIN_ONLY declares a permission (``.permission`` set by
  ``permission_required`` or the API ``route`` decorator);
* each role outside that permission gets 403 on every method of the route;
* each role inside it, asking for ids that do not exist, never gets a 500 (404 for id routes).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tracker.audit.models import AuditLog
from tracker.auth.models import Role
from tracker.authz import PERMISSIONS
from tracker.extensions import db

# Reachable without signing in.
PUBLIC = {
    "static",
    "main.health",
    "auth.login",
    "auth.set_language",
    "api.openapi_document_get",
    "api.api_docs_get",  # the browsable view of the public openapi.json
    "api.create_token_post",
}
# Any signed-in user, whatever the role (their own account and session only).
LOGIN_ONLY = {
    "main.home",
    "auth.change_password",
    "auth.logout",
    "api.revoke_current_token_delete",
}
# Ending the caller's own session or token would sign the matrix's clients out half-way.
SELF_ENDING = {"auth.logout", "api.revoke_current_token_delete"}

IGNORED_METHODS = {"HEAD", "OPTIONS"}
MISSING_ID = 999999
ROLES = [r.value for r in Role]
PARAM = re.compile(r"<(?:([a-zA-Z_]+)(?:\([^)]*\))?:)?(\w+)>")


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - IGNORED_METHODS):
            yield rule, method


def _fill(rule) -> str:
    """The rule's path with every parameter set to an id that does not exist."""
    def value(match):
        converter = match.group(1) or "default"
        if converter in ("int", "float"):
            return str(MISSING_ID)
        if converter == "uuid":
            return "00000000-0000-0000-0000-000000000000"
        return str(MISSING_ID)
    return PARAM.sub(value, rule.rule)


def _id_params(rule) -> list[str]:
    return [name for name in rule.arguments if name == "id" or name.endswith("_id")]


def _is_api(rule) -> bool:
    return rule.rule.startswith("/api/")


def _call(client, method, path, api):
    kwargs = {"json": {}} if api and method in ("POST", "PUT", "PATCH") else {}
    if not api and method in ("POST", "PUT", "PATCH"):
        kwargs = {"data": {}}
    return client.open(path, method=method, **kwargs)


def _label(rule, method) -> str:
    return f"{method} {rule.rule} ({rule.endpoint})"


# ---- the allowlists stay true --------------------------------------------------------------------

def test_allowlists_name_existing_endpoints(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert PUBLIC - endpoints == set(), "PUBLIC names endpoints that no longer exist"
    assert LOGIN_ONLY - endpoints == set(), "LOGIN_ONLY names endpoints that no longer exist"
    assert not PUBLIC & LOGIN_ONLY


def test_every_endpoint_declares_a_permission(app):
    missing, unknown = [], []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC | LOGIN_ONLY:
            continue
        permission = getattr(app.view_functions[rule.endpoint], "permission", None)
        if not permission:
            missing.append(f"{rule.endpoint} ({rule.rule})")
        elif permission not in PERMISSIONS:
            unknown.append(f"{rule.endpoint}: {permission}")
    assert not missing, "endpoints without a declared permission: " + ", ".join(sorted(missing))
    assert not unknown, "endpoints with an unknown permission: " + ", ".join(sorted(unknown))


def test_public_endpoints_answer_without_login(client):
    assert client.get("/login").status_code == 200
    assert client.get("/health").status_code == 200
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.post("/api/v1/tokens", json={"username": "x", "password": "y"}).status_code == 401
    assert client.post("/language", data={"lang": "en"}).status_code in (302, 303)


# ---- signed out ---------------------------------------------------------------------------------

def test_anonymous_requests_need_login(app):
    client = app.test_client()
    failures = []
    for rule, method in _routes(app):
        if rule.endpoint in PUBLIC:
            continue
        path = _fill(rule)
        response = _call(client, method, path, _is_api(rule))
        if _is_api(rule):
            body = response.get_json(silent=True) or {}
            ok = (response.status_code == 401 and body.get("error", {}).get("code") == "unauthorized"
                  and body["error"].get("message"))
        else:
            ok = (response.status_code in (302, 303)
                  and response.headers.get("Location", "").startswith("/login"))
        if not ok:
            failures.append(f"{_label(rule, method)} -> {response.status_code}")
    assert not failures, "reachable without login:\n" + "\n".join(failures)


def test_anonymous_api_with_a_bad_token_is_401(app):
    client = app.test_client()
    for rule, method in _routes(app):
        if rule.endpoint in PUBLIC or not _is_api(rule):
            continue
        for header in ("Bearer not-a-real-token", "Basic YWRtaW46YWRtaW4=", "Bearer "):
            response = client.open(_fill(rule), method=method, headers={"Authorization": header})
            assert response.status_code == 401, f"{_label(rule, method)} with {header!r}"


# ---- signed in, role by role --------------------------------------------------------------------

@pytest.fixture
def role_clients(app, make_user, client_as, api_as):
    """For each role: (browser client, API client), signed in as a fresh user of that role."""
    clients = {}
    for role in ROLES:
        user = make_user(role=role)
        clients[role] = (client_as(user), api_as(user))
    return clients


def _audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog))


def test_roles_outside_the_permission_get_403(app, role_clients):
    failures = []
    checked = 0
    for rule, method in _routes(app):
        if rule.endpoint in PUBLIC | LOGIN_ONLY:
            continue
        permission = getattr(app.view_functions[rule.endpoint], "permission", None)
        if permission not in PERMISSIONS:
            continue  # reported by test_every_endpoint_declares_a_permission
        for role in ROLES:
            if role in PERMISSIONS[permission]:
                continue
            browser, api = role_clients[role]
            response = _call(api if _is_api(rule) else browser, method, _fill(rule), _is_api(rule))
            checked += 1
            if response.status_code != 403:
                failures.append(f"{role}: {_label(rule, method)} -> {response.status_code}")
            elif _is_api(rule) and response.get_json()["error"]["code"] != "forbidden":
                failures.append(f"{role}: {_label(rule, method)} -> wrong error shape")
    assert checked > 0
    assert not failures, "roles let through:\n" + "\n".join(failures)


def test_allowed_roles_with_missing_ids_never_get_a_server_error(app, role_clients):
    failures = []
    for rule, method in _routes(app):
        if rule.endpoint in PUBLIC | SELF_ENDING:
            continue
        permission = getattr(app.view_functions[rule.endpoint], "permission", None)
        allowed = ROLES if rule.endpoint in LOGIN_ONLY else sorted(PERMISSIONS.get(permission, ()))
        for role in allowed:
            browser, api = role_clients[role]
            response = _call(api if _is_api(rule) else browser, method, _fill(rule), _is_api(rule))
            status = response.status_code
            label = f"{role}: {_label(rule, method)} -> {status}"
            if status >= 500:
                failures.append(label)
            elif status in (401, 403) or (
                    status in (302, 303) and response.headers.get("Location", "").startswith("/login")):
                failures.append(label + " (role is allowed by the permission table)")
            elif _id_params(rule):
                expected = {404} if method in ("GET", "DELETE") else {400, 404, 422}
                if status not in expected:
                    failures.append(f"{label} (expected one of {sorted(expected)})")
            if _is_api(rule) and status >= 400:
                body = response.get_json(silent=True) or {}
                if not body.get("error", {}).get("code"):
                    failures.append(label + " (error without the api.md error shape)")
    assert not failures, "\n".join(failures)


def test_signed_in_roles_can_use_login_only_pages(app, role_clients):
    for role in ROLES:
        browser, api = role_clients[role]
        # a company's officer is sent on from the home page to their company's CSR page
        assert browser.get("/", follow_redirects=True).status_code == 200, role
        assert browser.get("/account/password").status_code == 200, role


def test_get_never_changes_data(app, role_clients, make_agency):
    """Every GET route, for every role, leaves the audit log (and so the data) as it was."""
    make_agency()
    before = _audit_count()
    for rule, method in _routes(app):
        if method != "GET" or rule.endpoint in SELF_ENDING:
            continue
        for role in ROLES:
            browser, api = role_clients[role]
            _call(api if _is_api(rule) else browser, "GET", _fill(rule), _is_api(rule))
    assert _audit_count() == before


def test_get_on_write_only_routes_is_405(app, role_clients):
    browser, api = role_clients["admin"]
    before = _audit_count()
    checked = 0
    readable = {rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods}
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule in readable:
            continue
        client = api if _is_api(rule) else browser
        response = client.get(_fill(rule))
        checked += 1
        assert response.status_code == 405, _label(rule, "GET")
        assert response.headers.get("Allow"), _label(rule, "GET")
        if _is_api(rule):
            assert response.get_json()["error"]["code"] == "method_not_allowed"
        else:
            assert response.mimetype == "text/html"
    assert checked > 0
    assert _audit_count() == before
    assert browser.get("/").status_code == 200  # GET /logout did not sign anyone out
